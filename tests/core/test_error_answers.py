"""How the core reads itsme's error answers (protocol notes §9): the authorization redirect's
``error`` with or without ``state``, the token endpoint's ``error`` and ``detail``, userinfo's
401 ``invalid_token``. Against the simulator's variants over HTTP, and the readers themselves."""

from __future__ import annotations

from typing import Any

import pytest

from django_itsme.core import ItsmeClient
from django_itsme.core.errors import (
    AuthorizationDenied,
    ClaimValidationError,
    TokenEndpointError,
    UserinfoError,
)
from django_itsme.core.flow import AuthenticationRequest
from django_itsme.core.oauth_errors import (
    ERROR_TEXT_LIMIT,
    MAX_ERROR_BODY_BYTES,
    parse_bearer_challenge,
    read_error_body,
    read_error_text,
    read_error_value,
)
from django_itsme.simulator import Simulator
from tests.core.conftest import follow


def redeem(client: ItsmeClient, auth: AuthenticationRequest, service: str = "login") -> Any:
    code = client.parse_callback(follow(auth).params, expected_state=auth.state)
    return client.get_user_details(
        code,
        redirect_uri=auth.redirect_uri,
        nonce=auth.nonce,
        code_verifier=auth.code_verifier,
        service=service,
    )


# ------------------------------------------------------------------ authorization redirect
@pytest.mark.simulator
def test_refused_request_object_has_no_state_but_is_read(
    client: ItsmeClient, simulator: Simulator
) -> None:
    auth = client.build_authentication_request("login")
    simulator.rotate_keys(keep_old_encryption_key=False)
    params = follow(auth).params
    assert "state" not in params
    # parse_callback refuses it (no state): nothing of it is redeemable ...
    with pytest.raises(ClaimValidationError) as caught:
        client.parse_callback(params, expected_state=auth.state)
    assert caught.value.code == "invalid_state"
    # ... but the error itself is read, for the page and the operator.
    denied = ItsmeClient.read_callback_error(params)
    assert denied is not None
    assert (denied.code, denied.kind) == ("invalid_request_object", "configuration")
    assert denied.description is not None
    assert "encryption key" in denied.description


@pytest.mark.simulator
def test_forced_error_with_state_is_raised_by_parse_callback(
    client: ItsmeClient, simulator: Simulator
) -> None:
    simulator.faults.authorization_error = "temporarily_unavailable"
    auth = client.build_authentication_request("login")
    with pytest.raises(AuthorizationDenied) as caught:
        client.parse_callback(follow(auth).params, expected_state=auth.state)
    assert (caught.value.code, caught.value.kind) == ("temporarily_unavailable", "unavailable")


def test_no_error_no_denial() -> None:
    assert ItsmeClient.read_callback_error({"code": "x"}) is None
    assert ItsmeClient.read_callback_error({"error": ""}) is None


# ------------------------------------------------------------------ token endpoint
@pytest.mark.simulator
@pytest.mark.parametrize("member", ["detail", "error_description"])
@pytest.mark.parametrize(
    ("error", "code"),
    [
        ("invalid_grant", "invalid_grant"),
        ("invalid_client", "invalid_client"),
        ("unauthorized_client", "unauthorized_client"),
        ("invalid_request", "invalid_request"),
        ("not_documented", "token_endpoint_error"),
    ],
)
def test_token_endpoint_errors(
    client: ItsmeClient, simulator: Simulator, member: str, error: str, code: str
) -> None:
    auth = client.build_authentication_request("login")
    simulator.faults.token_error = error
    simulator.faults.token_error_in_error_description = member == "error_description"
    with pytest.raises(TokenEndpointError) as caught:
        redeem(client, auth)
    assert (caught.value.code, caught.value.error, caught.value.status) == (code, error, 400)
    assert caught.value.description == f"injected {error}"
    assert "injected" not in str(caught.value)  # provider text stays out of the message


# ------------------------------------------------------------------ userinfo
@pytest.mark.simulator
@pytest.mark.parametrize("where", ["header", "body", "both"])
def test_userinfo_invalid_token(client: ItsmeClient, simulator: Simulator, where: str) -> None:
    auth = client.build_authentication_request("share")
    simulator.faults.userinfo_invalid_token = where
    with pytest.raises(UserinfoError) as caught:
        redeem(client, auth, "share")
    assert (caught.value.code, caught.value.error, caught.value.status) == (
        "userinfo_invalid_token",
        "invalid_token",
        401,
    )
    assert caught.value.description == "injected invalid_token"


@pytest.mark.simulator
def test_userinfo_other_refusal_keeps_the_general_code(
    client: ItsmeClient, simulator: Simulator
) -> None:
    auth = client.build_authentication_request("share")
    simulator.faults.userinfo_status = 403
    with pytest.raises(UserinfoError) as caught:
        redeem(client, auth, "share")
    assert (caught.value.code, caught.value.error, caught.value.status) == (
        "userinfo_error",
        "invalid_request",
        403,
    )


# ------------------------------------------------------------------ the readers
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("invalid_grant", "invalid_grant"),
        ("a" * 64, "a" * 64),
        ("a" * 65, None),
        ("<script>", None),
        ("access denied", None),
        ("line\nbreak", None),
        ("", None),
        (7, None),
        (None, None),
    ],
)
def test_read_error_value(value: Any, expected: str | None) -> None:
    assert read_error_value(value) == expected


def test_read_error_text_keeps_printable_cut_and_masked() -> None:
    assert read_error_text("ok\r\n\u202eforged\x00") == "okforged"
    assert read_error_text("y" * 500) == "y" * ERROR_TEXT_LIMIT
    jwt_like = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJl"
    assert read_error_text(f"token {jwt_like} refused") == "token [...] refused"
    assert read_error_text("   ") is None
    assert read_error_text(["a"]) is None


def test_read_error_body() -> None:
    assert read_error_body(b'{"error":"invalid_grant","detail":"d","error_description":"e"}') == (
        "invalid_grant",
        "d",
    )
    assert read_error_body(b'{"error":"invalid_grant","error_description":"e"}') == (
        "invalid_grant",
        "e",
    )
    assert read_error_body(b"[1]") == (None, None)
    assert read_error_body(b"\xff") == (None, None)
    assert read_error_body(b"[" * 100_000) == (None, None)
    big = b'{"error":"invalid_grant","detail":"' + b"x" * MAX_ERROR_BODY_BYTES + b'"}'
    assert read_error_body(big) == (None, None)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (
            'Bearer realm="x", error="invalid_token", error_description="expired \\"now\\""',
            {"realm": "x", "error": "invalid_token", "error_description": 'expired "now"'},
        ),
        ("bearer error=invalid_token", {"error": "invalid_token"}),
        ('Basic realm="x", error="invalid_token"', {}),
        ("Bearer", {}),
        (None, {}),
        ("Bearer error=" + "x" * 5000, {}),
    ],
)
def test_parse_bearer_challenge(header: str | None, expected: dict[str, str]) -> None:
    assert parse_bearer_challenge(header) == expected
