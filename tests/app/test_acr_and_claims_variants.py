"""acr and claim-location variants of itsme through the whole site: Django's test client, the
live server and the simulator over real HTTP (protocol notes §4.2, §5, §11 #5, #21)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
from pytest_django.fixtures import Settings as SettingsWrapper

from django_itsme.models import ItsmeIdentity
from django_itsme.signals import identity_verified
from django_itsme.simulator import PHOTO_JPEG, Simulator
from tests.app.conftest import Browser, received_by, set_itsme, sub_of

pytestmark = pytest.mark.simulator

UNKNOWN_ACR = "http://itsme.services/v2/claim/acr_something_new"


@pytest.fixture
def verified() -> Iterator[list[dict[str, Any]]]:
    yield from received_by(identity_verified)


def share_service(settings: SettingsWrapper, **changes: Any) -> None:
    services = copy.deepcopy(settings.ITSME["SERVICES"])
    services["share"].pop("CLAIMS_IN", None)  # the default
    services["share"].update(changes)
    set_itsme(settings, SERVICES=services)


def test_share_data_in_the_id_token_costs_one_call(
    browser: Browser,
    simulator: Simulator,
    settings: SettingsWrapper,
    verified: list[dict[str, Any]],
) -> None:
    share_service(settings)
    response = browser.flow("share")
    assert response.status_code == 302
    (event,) = verified
    details = event["details"]
    assert details.userinfo is None
    assert details.identity.family_name == "Peeters"
    assert details.identity.photo.data == PHOTO_JPEG
    assert details.identity.eid.national_number == "85031424673"
    assert simulator.count("/token") == 1
    assert simulator.count("/userinfo") == 0
    sent = simulator.authorizations[-1].request_object["claims"]
    assert set(sent) == {"id_token"}


def test_scope_claims_only_from_userinfo_still_reach_the_site(
    browser: Browser,
    simulator: Simulator,
    settings: SettingsWrapper,
    verified: list[dict[str, Any]],
) -> None:
    share_service(settings)
    simulator.faults.scope_claims_only_in_userinfo = True
    assert browser.flow("share").status_code == 302
    (event,) = verified
    assert event["details"].identity.address.locality == "GENT"
    assert simulator.count("/userinfo") == 1


def test_advanced_without_acr_is_refused_by_default(
    browser: Browser, simulator: Simulator, settings: SettingsWrapper
) -> None:
    share_service(settings)
    simulator.faults.id_token_drop_acr = True
    response = browser.flow("share")
    assert response.status_code == 403
    assert not ItsmeIdentity.objects.exists()


def test_advanced_without_acr_when_assumed_records_no_level(
    browser: Browser, simulator: Simulator, settings: SettingsWrapper
) -> None:
    share_service(settings, ACR_MISSING="assume_requested")
    simulator.faults.id_token_drop_acr = True
    assert browser.flow("share").status_code == 302
    identity = ItsmeIdentity.objects.get()
    assert identity.sub == sub_of("alice")
    assert identity.last_acr == ""  # what itsme asserted: nothing


@pytest.mark.parametrize("fault", [("id_token_drop_acr", True), ("id_token_acr", UNKNOWN_ACR)])
def test_plain_login_survives_a_missing_or_unknown_acr(
    browser: Browser, simulator: Simulator, fault: tuple[str, Any]
) -> None:
    setattr(simulator.faults, *fault)
    assert browser.flow("login").status_code == 302
    assert ItsmeIdentity.objects.get().last_acr == ""


def test_advanced_with_an_unknown_acr_is_refused(
    browser: Browser, simulator: Simulator, settings: SettingsWrapper
) -> None:
    share_service(settings, ACR_MISSING="assume_requested")
    simulator.faults.id_token_acr = UNKNOWN_ACR
    assert browser.flow("share").status_code == 403
    assert not ItsmeIdentity.objects.exists()
