"""Userinfo never overrides the ID token's protocol claims in the merged result.

Security review (issue 9 §3): ``UserDetails.claims`` merged userinfo over the ID token, so a
userinfo answer could show another ``acr``, ``nonce`` or ``auth_time`` than the ones the ID token
validation checked. Protocol claims now always come from the validated ID token (OIDC Core §2,
§5.3.2: userinfo carries user data, the ID token carries the authentication).
"""

from __future__ import annotations

from typing import Any

import pytest

from django_itsme.core import ItsmeClient
from django_itsme.simulator import Simulator
from tests.core.conftest import log_in

pytestmark = pytest.mark.simulator

FORGED: dict[str, Any] = {
    "acr": "http://itsme.services/v2/claim/acr_basic",  # the ID token says advanced
    "amr": ["forged"],
    "azp": "SOMEONE_ELSE",
    "nonce": "forged-nonce",
    "auth_time": 1_900_000_000,
    "at_hash": "forged",
    "c_hash": "forged",
    "sid": "forged",
    "jti": "forged",
}


def test_the_list_covers_the_review() -> None:
    from django_itsme.core.client import PROTOCOL_CLAIMS

    expected = {"iss", "aud", "azp", "acr", "amr", "sub", "nonce", "exp", "iat", "nbf"}
    expected |= {"auth_time", "at_hash", "c_hash", "sid", "jti"}
    assert expected <= PROTOCOL_CLAIMS


@pytest.mark.attack
def test_userinfo_cannot_override_protocol_claims(
    client: ItsmeClient, simulator: Simulator
) -> None:
    simulator.faults.userinfo_extra_claims = dict(FORGED)
    details = log_in(client, "share")
    assert details.userinfo is not None
    assert details.userinfo.claims["nonce"] == "forged-nonce"  # the attack did arrive
    id_claims = details.id_token.claims
    for name in FORGED:
        assert details.claims.get(name) == id_claims.get(name), name
    assert details.claims["acr"] == id_claims["acr"]
    assert details.identity.raw["nonce"] == id_claims["nonce"]
    # User data still comes from userinfo.
    assert details.claims["family_name"] == details.userinfo.claims["family_name"]
