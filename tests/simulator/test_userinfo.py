"""UserInfo endpoint: Bearer handling and the claims per scope (protocol notes §4, §8.4)."""

from __future__ import annotations

from typing import Any

import requests

from django_itsme.simulator import CLAIM_PREFIX, IDENTITIES, Simulator

from .conftest import CLIENT_ID, RP, TIMEOUT, FakeClock

C = CLAIM_PREFIX


def userinfo_claims(rp: RP, **options: Any) -> dict[str, Any]:
    _, tokens = rp.login(**options)
    answer = rp.userinfo(tokens["access_token"])
    assert answer.status_code == 200, answer.text
    assert answer.headers["Content-Type"] == "application/jwt"
    opened = rp.open(answer.text)
    assert opened[1]["alg"] == "RS256"
    assert opened[2]["kid"] == "rp-enc-1"
    claims: dict[str, Any] = opened[0]
    return claims


def test_token_members(rp: RP, sim: Simulator) -> None:
    claims = userinfo_claims(rp)
    assert claims["iss"] == sim.issuer
    assert claims["aud"] == CLIENT_ID
    assert claims["sub"] == IDENTITIES["alice"].sub_for(CLIENT_ID)
    assert claims["nbf"] == claims["iat"]
    assert claims["exp"] == claims["iat"] + 300
    assert set(claims) == {"iss", "aud", "sub", "iat", "nbf", "exp"}


def test_scopes(rp: RP) -> None:
    claims = userinfo_claims(rp, scope="openid service:TEST_SHARE profile email address phone eid")
    assert claims["family_name"] == "Peeters"
    assert claims["given_name"] == "Alice"
    assert claims["name"] == "Alice Peeters"
    assert claims["gender"] == "female"
    assert claims["locale"] == "NL"
    assert claims["birthdate"] == "1985-03-14"
    assert claims["email"] == "alice.peeters@example.be"
    assert claims["email_verified"] is False
    assert claims["phone_number"] == "+32 470123456"
    assert claims["phone_number_verified"] is True
    assert claims["address"] == {
        "formatted": "Veldstraat 12 9000 GENT",
        "street_address": "Veldstraat 12",
        "postal_code": "9000",
        "locality": "GENT",
    }
    assert claims[C + "BENationalNumber"] == "85031424673"
    assert claims[C + "BEeidSn"] == "591234567829"


def test_id_document_scope_and_metadata(rp: RP) -> None:
    claims = userinfo_claims(rp, scope="openid service:TEST_SHARE idDocument")
    assert claims[C + "IDDocumentSN"] == "591234567829"
    assert claims[C + "IDDocumentType"] == "I"
    assert claims[C + "IDIssuingCountry"] == {C + "IDDocumentSN": "BEL"}
    assert claims[C + "validityFrom"] == {C + "IDDocumentSN": "2021-05-31T00:00:00Z"}
    assert claims[C + "validityTo"] == {C + "IDDocumentSN": "2031-05-30T00:00:00Z"}


def test_claims_userinfo(rp: RP) -> None:
    wanted = {
        C + "claim_device": None,
        C + "physical_person_photo": None,
        C + "place_of_birth": None,
        C + "birthdate_as_string": None,
        C + "BEeidSn": None,
        C + "issuance_locality": None,
        C + "verificationDate": None,
        "unknown_claim": None,
    }
    claims = userinfo_claims(rp, service="TEST_SHARE", claims={"userinfo": wanted})
    device = claims[C + "claim_device"]
    assert isinstance(device, dict)
    assert device["deviceID"]
    assert device["os"] == "ANDROID"
    photo = claims[C + "physical_person_photo"]
    assert isinstance(photo, dict)
    assert photo["format"] == "image/jpeg"
    assert claims[C + "place_of_birth"] == {"formatted": "Gent", "city": "Gent", "country": "BEL"}
    assert claims[C + "birthdate_as_string"] == "14.03.1985"
    assert claims[C + "issuance_locality"] == {C + "BEeidSn": "GENT"}
    verification = claims[C + "verificationDate"]
    assert isinstance(verification, dict)
    assert set(verification) == {
        C + "physical_person_photo",
        C + "place_of_birth",
        C + "birthdate_as_string",
        C + "BEeidSn",
    }
    assert "unknown_claim" not in claims


def test_metadata_without_its_attribute_is_left_out(rp: RP) -> None:
    claims = userinfo_claims(
        rp, service="TEST_SHARE", claims={"userinfo": {C + "validityTo": None}}
    )
    assert C + "validityTo" not in claims


def test_bruno_has_no_email(rp: RP, sim: Simulator) -> None:
    sim.auto_approve = "bruno"
    claims = userinfo_claims(rp, scope="openid service:TEST_SHARE profile email eid")
    assert "email" not in claims
    assert "email_verified" not in claims
    assert claims[C + "BEeidSn"] == "592-7654321-35"
    assert claims["locale"] == "FR"


def test_claire_has_no_address_nor_eid(rp: RP, sim: Simulator) -> None:
    sim.auto_approve = "claire"
    claims = userinfo_claims(
        rp,
        scope="openid service:TEST_SHARE profile address eid idDocument",
        claims={"userinfo": {C + "claim_citizenship": None}},
    )
    assert "address" not in claims
    assert C + "BENationalNumber" not in claims
    assert C + "BEeidSn" not in claims
    assert C + "validityFrom" not in claims
    assert claims[C + "IDDocumentType"] == "P"
    country = claims[C + "IDIssuingCountry"]
    assert isinstance(country, dict)
    assert country[C + "IDDocumentSN"] == "NLD"
    assert country["family_name"] == "NLD"  # one entry per requested document attribute
    assert set(country.values()) == {"NLD"}
    assert claims[C + "claim_citizenship"] == "NLD"


def test_missing_bearer(sim: Simulator) -> None:
    answer = requests.get(sim.issuer + "/userinfo", timeout=TIMEOUT)
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    assert answer.json()["error"] == "invalid_request"


def test_unknown_token(rp: RP) -> None:
    answer = rp.userinfo("nope")
    assert answer.status_code == 401
    assert 'error="invalid_token"' in answer.headers["WWW-Authenticate"]
    assert answer.json()["error"] == "invalid_token"


def test_expired_token(rp: RP, clock: FakeClock) -> None:
    _, tokens = rp.login()
    clock.advance(3601)
    assert rp.userinfo(tokens["access_token"]).status_code == 401


def test_token_is_reusable_within_its_lifetime(rp: RP) -> None:
    _, tokens = rp.login()
    assert rp.userinfo(tokens["access_token"]).status_code == 200
    assert rp.userinfo(tokens["access_token"]).status_code == 200


def test_post_is_not_allowed(rp: RP) -> None:
    answer = requests.post(rp.sim.issuer + "/userinfo", timeout=TIMEOUT)
    assert answer.status_code == 405
