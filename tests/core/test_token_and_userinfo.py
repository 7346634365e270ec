"""The token endpoint's and userinfo's answers, one rule at a time, against crafted answers
served on loopback (D-AUTH "Token Response", "UserInfo"; OIDC Core §5.3.2)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs

import pytest
from jwcrypto import jwk

from django_itsme.core import jose
from django_itsme.core.client_auth import CLIENT_ASSERTION_TYPE
from django_itsme.core.errors import (
    ClaimValidationError,
    TokenEndpointError,
    TokenValidationError,
    UserinfoError,
)
from django_itsme.core.http import HttpClient
from django_itsme.core.keys import load_private_keys
from django_itsme.core.token import exchange_code
from django_itsme.core.userinfo import fetch_userinfo
from tests import keyfiles
from tests.partner_host import PartnerHost

RP = load_private_keys(keyfiles.RP_PRIVATE)
OP = load_private_keys(keyfiles.PROVIDER_PRIVATE)
OP_SIG = jwk.JWK(**OP.public_jwks()["keys"][0])
RP_ENC = jwk.JWK(**RP.public_jwks()["keys"][1])
ISSUER = "https://idp.example.test/v2"
SUB = "s" * 36
NOW = 1_800_000_000.0


@pytest.fixture(scope="module")
def host() -> Iterator[PartnerHost]:
    with PartnerHost() as server:
        yield server


def redeem(host: PartnerHost, body: Any, status: int = 200) -> Any:
    text = body if isinstance(body, str) else json.dumps(body)
    url = host.publish("/token", text, status=status)
    return exchange_code(
        url,
        code="the-code",
        redirect_uri="https://site.test/cb",
        code_verifier="v" * 43,
        client_id="OIDC_TEST",
        signing_key=RP.signing_key,
        http=HttpClient(),
        now=NOW,
    )


GOOD = {"access_token": "at", "id_token": "a.b.c.d.e", "token_type": "Bearer", "expires_in": 3600}


def test_token_request_and_answer(host: PartnerHost) -> None:
    tokens = redeem(host, GOOD)
    assert (tokens.access_token, tokens.id_token, tokens.expires_in) == ("at", "a.b.c.d.e", 3600)
    assert "at" not in repr(tokens)
    form = {k: v[0] for k, v in parse_qs(host.bodies[-1].decode()).items()}
    assert form["grant_type"] == "authorization_code"
    assert form["code"] == "the-code"
    assert form["redirect_uri"] == "https://site.test/cb"
    assert form["code_verifier"] == "v" * 43
    assert form["client_assertion_type"] == CLIENT_ASSERTION_TYPE
    assertion = jose.verify(
        form["client_assertion"], lambda kid: jwk.JWK(**RP.public_jwks()["keys"][0])
    )
    assert assertion.claims["aud"] == host.url + "/token"
    assert "client_secret" not in form


def test_token_type_is_case_insensitive(host: PartnerHost) -> None:
    assert redeem(host, {**GOOD, "token_type": "bearer"}).access_token == "at"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({**GOOD, "access_token": ""}, "no access_token"),
        ({k: v for k, v in GOOD.items() if k != "id_token"}, "no id_token"),
        ({**GOOD, "token_type": "mac"}, "not Bearer"),
        ({**GOOD, "token_type": None}, "not Bearer"),
        ([GOOD], "not answer a JSON object"),
        ("{oops", "not valid JSON"),
    ],
)
def test_bad_token_answers(host: PartnerHost, body: Any, message: str) -> None:
    with pytest.raises(TokenEndpointError, match=message):
        redeem(host, body)


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        ({"error": "invalid_grant", "detail": "code expired"}, 400, "invalid_grant"),
        (
            {"error": "unauthorized_client", "error_description": "bad assertion"},
            400,
            "unauthorized_client",
        ),
        ({"error": "invalid_client"}, 401, "invalid_client"),
        ({"error": "<script>"}, 400, "unknown_error"),
        ("not json", 400, "unknown_error"),
    ],
)
def test_token_errors(host: PartnerHost, body: Any, status: int, error: str) -> None:
    with pytest.raises(TokenEndpointError) as caught:
        redeem(host, body, status)
    assert (caught.value.error, caught.value.status) == (error, status)
    assert "code expired" not in str(caught.value)  # provider text never reaches the message
    assert "<script>" not in str(caught.value)


def userinfo_jwt(**changes: Any) -> str:
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "aud": "OIDC_TEST",
        "sub": SUB,
        "iat": NOW,
        "exp": NOW + 300,
        "family_name": "Peeters",
    }
    for key, value in changes.items():
        if value is ...:
            claims.pop(key)
        else:
            claims[key] = value
    return jose.sign_then_encrypt(claims, OP.signing_key, RP_ENC)


def read_userinfo(host: PartnerHost, body: str, content_type: str = "application/jwt") -> Any:
    url = host.publish("/userinfo", body, content_type)
    return fetch_userinfo(
        url,
        access_token="the-access-token",
        http=HttpClient(),
        decryption_keys=RP.decryption_keys,
        key_for=lambda kid: OP_SIG,
        expected_sub=SUB,
        issuer=ISSUER,
        client_id="OIDC_TEST",
        now=NOW,
        leeway=60,
    )


def test_userinfo_answer(host: PartnerHost) -> None:
    decoded = read_userinfo(host, userinfo_jwt())
    assert decoded.claims["family_name"] == "Peeters"
    assert host.headers[-1]["Authorization"] == "Bearer the-access-token"


@pytest.mark.parametrize(
    "changes",
    [{"iss": ...}, {"aud": ...}, {"exp": ...}, {"aud": ["OTHER", "OIDC_TEST"]}],
)
def test_userinfo_optional_claims(host: PartnerHost, changes: dict[str, Any]) -> None:
    assert read_userinfo(host, userinfo_jwt(**changes)).claims["sub"] == SUB


def test_userinfo_is_read_by_content_not_content_type(host: PartnerHost) -> None:
    assert read_userinfo(host, userinfo_jwt(), "application/json").claims["sub"] == SUB


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"iss": "https://evil.example/v2"}, "invalid_iss"),
        ({"aud": "OTHER"}, "invalid_aud"),
        ({"aud": 7}, "invalid_aud"),
        ({"exp": NOW - 61}, "expired_token"),
        ({"sub": "someone-else"}, "userinfo_sub_mismatch"),
        ({"sub": ...}, "userinfo_sub_mismatch"),
    ],
)
def test_userinfo_claim_rules(host: PartnerHost, changes: dict[str, Any], code: str) -> None:
    with pytest.raises(ClaimValidationError) as caught:
        read_userinfo(host, userinfo_jwt(**changes))
    assert caught.value.code == code


def test_plain_json_userinfo_is_refused(host: PartnerHost) -> None:
    with pytest.raises(TokenValidationError) as caught:
        read_userinfo(host, json.dumps({"sub": SUB}), "application/json")
    assert caught.value.code == "unsigned_userinfo"


def test_userinfo_that_is_no_jwt(host: PartnerHost) -> None:
    with pytest.raises(UserinfoError, match="not a JWT"):
        read_userinfo(host, "hello")
