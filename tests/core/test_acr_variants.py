"""``acr`` as itsme may or may not send it, against the simulator over loopback HTTP.

The current v2 pages show ID tokens without ``acr``; D-IG2020 documented it, with a capital
``V2`` (protocol notes §5, §8.2, §11 #5). The simulator plays each variant with a switch:
``faults.id_token_drop_acr`` (no ``acr``) and ``faults.id_token_acr`` (another value). Each
service chooses what a missing ``acr`` means with ``ACR_MISSING``.
"""

from __future__ import annotations

from typing import Any

import pytest

from django_itsme.core import ItsmeClient
from django_itsme.core.errors import ClaimValidationError, ConfigurationError
from django_itsme.core.services import ACR_ADVANCED, ACR_BASIC
from django_itsme.simulator import Simulator
from tests.core.conftest import follow, log_in, make_client

pytestmark = pytest.mark.simulator

UNKNOWN_ACR = "http://itsme.services/v2/claim/acr_something_new"
SERVICES: dict[str, dict[str, Any]] = {
    "login": {"CODE": "TEST_LOGIN"},
    "basic": {"CODE": "TEST_LOGIN", "ACR": "basic"},
    "basic_strict": {"CODE": "TEST_LOGIN", "ACR": "basic", "ACR_MISSING": "refuse"},
    "advanced": {"CODE": "TEST_LOGIN_ADV", "ACR": "advanced"},
    "advanced_trusting": {
        "CODE": "TEST_LOGIN_ADV",
        "ACR": "advanced",
        "ACR_MISSING": "assume_requested",
    },
}


@pytest.fixture
def acr_client(simulator: Simulator) -> ItsmeClient:
    return make_client(simulator, services=SERVICES)


def refused(client: ItsmeClient, service: str) -> None:
    with pytest.raises(ClaimValidationError) as caught:
        log_in(client, service)
    assert caught.value.code == "invalid_acr"


# ----------------------------------------------------------------------------- request side
@pytest.mark.parametrize(("service", "uri"), [("basic", ACR_BASIC), ("advanced", ACR_ADVANCED)])
def test_acr_is_requested_as_an_essential_id_token_claim(
    acr_client: ItsmeClient, simulator: Simulator, service: str, uri: str
) -> None:
    follow(acr_client.build_authentication_request(service))
    sent = simulator.authorizations[-1].request_object
    # OIDC Core §5.5.1.1, besides acr_values (D-AREQ).
    assert sent["claims"]["id_token"]["acr"] == {"essential": True, "values": [uri]}
    assert sent["acr_values"] == uri


def test_a_service_without_acr_asks_for_no_acr(
    acr_client: ItsmeClient, simulator: Simulator
) -> None:
    follow(acr_client.build_authentication_request("login"))
    sent = simulator.authorizations[-1].request_object
    assert "acr_values" not in sent
    assert "claims" not in sent


# ----------------------------------------------------------------------------- no acr
def test_no_acr_refused_for_advanced_by_default(
    acr_client: ItsmeClient, simulator: Simulator
) -> None:
    simulator.faults.id_token_drop_acr = True
    refused(acr_client, "advanced")


def test_no_acr_accepted_for_advanced_when_assumed(
    acr_client: ItsmeClient, simulator: Simulator
) -> None:
    simulator.faults.id_token_drop_acr = True
    details = log_in(acr_client, "advanced_trusting")
    # What itsme asserted is recorded, not what was assumed.
    assert details.acr is None
    assert "acr" not in details.claims


@pytest.mark.parametrize("service", ["login", "basic"])
def test_no_acr_accepted_for_basic_by_default(
    acr_client: ItsmeClient, simulator: Simulator, service: str
) -> None:
    simulator.faults.id_token_drop_acr = True
    assert log_in(acr_client, service).acr is None


def test_no_acr_refused_for_basic_when_asked(acr_client: ItsmeClient, simulator: Simulator) -> None:
    simulator.faults.id_token_drop_acr = True
    refused(acr_client, "basic_strict")


def test_with_acr_every_service_records_it(acr_client: ItsmeClient, simulator: Simulator) -> None:
    assert log_in(acr_client, "advanced_trusting").acr == "advanced"
    assert log_in(acr_client, "basic_strict").acr == "basic"
    assert log_in(acr_client, "login").acr == "basic"


# ----------------------------------------------------------------------------- unknown acr
@pytest.mark.parametrize("service", ["login", "basic", "basic_strict"])
def test_unknown_acr_never_fails_a_basic_service(
    acr_client: ItsmeClient, simulator: Simulator, service: str
) -> None:
    simulator.faults.id_token_acr = UNKNOWN_ACR
    details = log_in(acr_client, service)
    assert details.acr is None
    assert details.claims["acr"] == UNKNOWN_ACR


@pytest.mark.parametrize("service", ["advanced", "advanced_trusting"])
@pytest.mark.parametrize("acr", [UNKNOWN_ACR, ACR_BASIC, "tag:sixdots.be,2016-06:acr_advanced"])
def test_unknown_or_lower_acr_fails_an_advanced_service(
    acr_client: ItsmeClient, simulator: Simulator, service: str, acr: str
) -> None:
    simulator.faults.id_token_acr = acr
    refused(acr_client, service)


def test_capital_v2_acr_counts(acr_client: ItsmeClient, simulator: Simulator) -> None:
    simulator.faults.id_token_acr = "http://itsme.services/V2/claim/acr_advanced"
    assert log_in(acr_client, "advanced").acr == "advanced"


# ----------------------------------------------------------------------------- settings
@pytest.mark.parametrize("value", ["accept", "REFUSE", True, None, 1])
def test_bad_acr_missing_is_e014(simulator: Simulator, value: Any) -> None:
    services = {"s": {"CODE": "X", "ACR": "advanced", "ACR_MISSING": value}}
    with pytest.raises(ConfigurationError, match=r"E014"):
        make_client(simulator, services=services)
