"""Time claims are finite NumericDates in a sane range (RFC 7519 §2, §4.1.4-6; OIDC Core §2).

Security review (issue 9 §3): a provider-signed ``exp`` of ``1e999`` parses to infinity and never
expired; NaN compares false with everything, so it passed every check. ``exp``, ``iat``, ``nbf``
and ``auth_time`` must be numbers (not booleans), finite and between 1970 and the year 3000.
Non-integral values are accepted: RFC 7519 §2 allows them ("seconds ... ignoring leap seconds",
a JSON numeric value that can be non-integer).
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from django_itsme.core import ItsmeClient
from django_itsme.core.errors import ClaimValidationError
from django_itsme.simulator import Simulator
from tests.core.conftest import log_in
from tests.core.test_id_token import NOW, claims, refused, validate

BAD_TIMES: list[Any] = [
    math.inf,
    -math.inf,
    math.nan,
    True,
    False,
    0,
    -1,
    32_503_680_000,  # 3000-01-01
    10**30,
    "1800000000",
    None,
    [NOW],
]


@pytest.mark.attack
@pytest.mark.parametrize("value", BAD_TIMES)
def test_exp(value: Any) -> None:
    assert refused(claims(exp=value), "invalid_exp").claim == "exp"


@pytest.mark.attack
@pytest.mark.parametrize("value", BAD_TIMES)
def test_iat(value: Any) -> None:
    assert refused(claims(iat=value), "invalid_iat").claim == "iat"


@pytest.mark.attack
@pytest.mark.parametrize("value", BAD_TIMES)
def test_nbf(value: Any) -> None:
    assert refused(claims(nbf=value), "invalid_nbf").claim == "nbf"


@pytest.mark.attack
@pytest.mark.parametrize("value", BAD_TIMES)
def test_auth_time(value: Any) -> None:
    assert refused(claims(auth_time=value), "invalid_auth_time").claim == "auth_time"


def test_auth_time_in_the_future() -> None:
    refused(claims(auth_time=NOW + 3600), "invalid_auth_time")
    validate(claims(auth_time=NOW - 30))


def test_non_integral_times_are_compared() -> None:
    validate(claims(exp=NOW + 0.5, iat=NOW - 0.25, nbf=NOW - 0.5, auth_time=NOW - 1.5))
    refused(claims(exp=NOW - 60.5), "expired_token")


@pytest.mark.parametrize(
    ("value", "expected"),
    [(1, 1.0), (NOW, NOW), (NOW + 0.5, NOW + 0.5), (32_503_679_999, 32_503_679_999.0)],
)
def test_numeric_date_accepts(value: float, expected: float) -> None:
    from django_itsme.core.id_token import numeric_date

    assert numeric_date(value) == expected


@pytest.mark.parametrize("value", BAD_TIMES)
def test_numeric_date_refuses(value: Any) -> None:
    from django_itsme.core.id_token import numeric_date

    assert numeric_date(value) is None


@pytest.mark.attack
@pytest.mark.simulator
@pytest.mark.parametrize("claim", ["exp", "iat", "auth_time"])
@pytest.mark.parametrize("value", [math.inf, math.nan])
def test_a_signed_infinite_time_is_refused_end_to_end(
    client: ItsmeClient, simulator: Simulator, claim: str, value: float
) -> None:
    # The simulator signs Infinity/NaN, which json.loads reads back as inf/nan (the same as 1e999).
    simulator.faults.id_token_extra_claims = {claim: value}
    with pytest.raises(ClaimValidationError) as caught:
        log_in(client, "login")
    assert caught.value.claim == claim


@pytest.fixture
def host() -> Any:
    from tests.partner_host import PartnerHost

    with PartnerHost() as partner:
        yield partner


@pytest.mark.attack
@pytest.mark.parametrize("claim", ["exp", "iat", "nbf", "auth_time"])
@pytest.mark.parametrize("value", [math.inf, math.nan, True, 32_503_680_000])
def test_userinfo_time_claims(host: Any, claim: str, value: Any) -> None:
    from tests.core.test_token_and_userinfo import read_userinfo, userinfo_jwt

    with pytest.raises(ClaimValidationError) as caught:
        read_userinfo(host, userinfo_jwt(**{claim: value}))
    assert caught.value.claim == claim
