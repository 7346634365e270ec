"""ID token claim rules (OIDC Core §3.1.3.7; protocol notes §8.2, §10): each with a failing case."""

from __future__ import annotations

from typing import Any

import pytest

from django_itsme.core.errors import ClaimValidationError
from django_itsme.core.id_token import MAX_ID_TOKEN_AGE, validate_id_token_claims
from django_itsme.core.services import ACR_ADVANCED, ACR_BASIC

ISSUER = "https://idp.prd.itsme.services/v2"
NOW = 1_800_000_000.0
LEEWAY = 60
SUB = "6g2k9rgglem2dttw5d51ulkxpv24phwatiu6"


def claims(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "iss": ISSUER,
        "sub": SUB,
        "aud": "OIDC_TEST",
        "exp": NOW + 300,
        "iat": NOW,
        "nonce": "n-0S6_WzA2Mj",
        "acr": ACR_BASIC,
    }
    for key, value in changes.items():
        if value is ...:
            base.pop(key, None)
        else:
            base[key] = value
    return base


def validate(data: dict[str, Any], **kwargs: Any) -> Any:
    options: dict[str, Any] = {
        "issuer": ISSUER,
        "client_id": "OIDC_TEST",
        "nonce": "n-0S6_WzA2Mj",
        "now": NOW,
        "leeway": LEEWAY,
    }
    options.update(kwargs)
    return validate_id_token_claims(data, **options)


def refused(data: dict[str, Any], code: str, **kwargs: Any) -> ClaimValidationError:
    with pytest.raises(ClaimValidationError) as caught:
        validate(data, **kwargs)
    assert caught.value.code == code
    return caught.value


def test_valid() -> None:
    assert validate(claims()) == "basic"
    assert validate(claims(aud=["OIDC_TEST"])) == "basic"
    assert validate(claims(aud=["OIDC_TEST", "other"], azp="OIDC_TEST")) == "basic"
    assert validate(claims(acr=...)) is None


@pytest.mark.parametrize(
    "iss", [..., "https://idp.e2e.itsme.services/v2", ISSUER + "/", ISSUER.upper(), None]
)
def test_iss_must_match_exactly(iss: Any) -> None:
    refused(claims(iss=iss), "invalid_iss")


@pytest.mark.parametrize("aud", [..., "OTHER", ["OTHER"], [], 42, {"OIDC_TEST": 1}])
def test_aud_must_contain_client_id(aud: Any) -> None:
    refused(claims(aud=aud), "invalid_aud")


def test_several_audiences_need_azp() -> None:
    refused(claims(aud=["OIDC_TEST", "other"]), "invalid_azp")
    refused(claims(aud=["OIDC_TEST", "other"], azp="other"), "invalid_azp")


def test_exp() -> None:
    refused(claims(exp=...), "invalid_exp")
    refused(claims(exp="soon"), "invalid_exp")
    refused(claims(exp=True), "invalid_exp")
    refused(claims(exp=NOW - LEEWAY), "expired_token")
    assert validate(claims(exp=NOW - LEEWAY + 1)) == "basic"


def test_iat() -> None:
    refused(claims(iat=...), "invalid_iat")
    refused(claims(iat="now"), "invalid_iat")
    refused(claims(iat=NOW + LEEWAY + 1), "invalid_iat")
    assert validate(claims(iat=NOW + LEEWAY)) == "basic"
    refused(claims(iat=NOW - LEEWAY - MAX_ID_TOKEN_AGE - 1), "invalid_iat")


def test_nbf() -> None:
    assert validate(claims(nbf=NOW + LEEWAY)) == "basic"
    refused(claims(nbf=NOW + LEEWAY + 1), "invalid_nbf")
    refused(claims(nbf="later"), "invalid_nbf")


def test_nonce() -> None:
    refused(claims(nonce=...), "invalid_nonce")
    refused(claims(nonce="other"), "invalid_nonce")
    refused(claims(nonce=7), "invalid_nonce")
    assert validate(claims(nonce=...), nonce=None) == "basic"


@pytest.mark.parametrize("sub", [..., "", 42, "x" * 256])
def test_sub(sub: Any) -> None:
    refused(claims(sub=sub), "invalid_sub")


def test_expected_sub_for_confirm() -> None:
    assert validate(claims(), expected_sub=SUB) == "basic"
    refused(claims(), "sub_mismatch", expected_sub="someone-else")


def test_acr_levels() -> None:
    assert validate(claims(acr=ACR_ADVANCED), required_acr="advanced") == "advanced"
    assert validate(claims(acr=ACR_ADVANCED), required_acr="basic") == "advanced"
    assert validate(claims(acr=ACR_BASIC), required_acr="basic") == "basic"
    assert validate(claims(acr=...), required_acr="basic") is None
    refused(claims(acr=ACR_BASIC), "invalid_acr", required_acr="advanced")
    refused(claims(acr=...), "invalid_acr", required_acr="advanced")


def test_acr_capital_v2_is_accepted() -> None:
    # D-IG2020 / S-V2 print the returned value with "V2" (protocol notes §5, §11 #5).
    upper = "http://itsme.services/V2/claim/acr_advanced"
    assert validate(claims(acr=upper), required_acr="advanced") == "advanced"


@pytest.mark.parametrize("acr", ["tag:sixdots.be,2016-06:acr_advanced", "acr_advanced", 2, ""])
def test_unknown_acr_is_refused_only_for_advanced(acr: Any) -> None:
    refused(claims(acr=acr), "invalid_acr", required_acr="advanced")
    refused(claims(acr=acr), "invalid_acr", required_acr="advanced", acr_missing="assume_requested")
    # A basic service (or one with no level) never fails on an acr it does not recognise, and
    # records no level (protocol notes §5, §11 #5).
    assert validate(claims(acr=acr), required_acr="basic") is None
    assert validate(claims(acr=acr)) is None
    assert validate(claims(acr=acr), acr_missing="refuse") is None


@pytest.mark.parametrize("missing", [..., None])
def test_missing_acr_follows_acr_missing(missing: Any) -> None:
    token = claims(acr=missing)
    # Defaults: refuse for advanced, accept for basic and for no level.
    refused(token, "invalid_acr", required_acr="advanced")
    assert validate(token, required_acr="basic") is None
    assert validate(token) is None
    # Set explicitly; the level returned is what the token asserts (nothing), never the assumed.
    assert validate(token, required_acr="advanced", acr_missing="assume_requested") is None
    refused(token, "invalid_acr", required_acr="basic", acr_missing="refuse")
    refused(token, "invalid_acr", acr_missing="refuse")


def test_messages_never_carry_values() -> None:
    error = refused(claims(nonce="SECRET-NONCE-VALUE"), "invalid_nonce")
    assert "SECRET" not in str(error)
    error = refused(claims(aud="SECRET-AUD"), "invalid_aud")
    assert "SECRET" not in str(error)


@pytest.mark.parametrize(
    ("aud", "expected"),
    [
        ("OIDC_TEST", ["OIDC_TEST"]),
        (["a", "OIDC_TEST"], ["a", "OIDC_TEST"]),
        (None, []),
        (5, []),
        ({"OIDC_TEST": 1}, []),  # a dict has the client id as a key, never as an audience
    ],
)
def test_read_audiences(aud: object, expected: list[object]) -> None:
    from django_itsme.core.id_token import read_audiences

    claims = {} if aud is None else {"aud": aud}
    assert read_audiences(claims) == expected
