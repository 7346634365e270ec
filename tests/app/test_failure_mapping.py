"""Every kind of error maps to the page and status documented in README.rst's troubleshooting."""

from __future__ import annotations

import pytest

from django_itsme.core import errors
from django_itsme.errors import InactiveUser, NoAccount
from django_itsme.failures import describe_failure


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (None, 400),
        (errors.AuthorizationDenied("access_denied"), 403),
        (errors.AuthorizationDenied("login_required"), 403),
        (errors.AuthorizationDenied("temporary_unavailable"), 502),
        (errors.AuthorizationDenied("temporarily_unavailable"), 502),
        (errors.AuthorizationDenied("server_error"), 502),
        (errors.AuthorizationDenied("invalid_request_object"), 503),
        (errors.AuthorizationDenied("request_uri_not_supported"), 503),
        (errors.AuthorizationDenied("invalid_grant"), 400),
        (errors.AuthorizationDenied("not_documented_anywhere"), 403),
        (errors.ClaimValidationError("x", claim="state"), 400),
        (errors.StateMismatch("x"), 400),
        (errors.ClaimValidationError("x", claim="nonce"), 403),
        (errors.SignatureError("x"), 403),
        (errors.TokenDecryptionError("x"), 403),
        (errors.TransportTimeout("x"), 504),
        (errors.TransportError("x"), 502),
        (errors.DiscoveryError("x"), 502),
        (errors.TokenEndpointError("x", status=400, error="invalid_grant"), 502),
        (errors.TokenEndpointError("x", code="invalid_grant", status=400), 400),
        (errors.TokenEndpointError("x", code="invalid_client", status=400), 503),
        (errors.TokenEndpointError("x", code="unauthorized_client", status=401), 503),
        (errors.UserinfoError("x"), 502),
        (errors.UserinfoError("x", code="userinfo_invalid_token", status=401), 502),
        (errors.ConfigurationError("x"), 503),
        (errors.ConfigurationError("x", code="unknown_service"), 404),
        (NoAccount("x"), 403),
        (InactiveUser("x"), 403),
        (errors.ItsmeError("x"), 403),
    ],
)
def test_status(error: errors.ItsmeError | None, status: int) -> None:
    code = error.code if error is not None else "unknown_state"
    assert describe_failure(error, code).status == status


def test_every_documented_authorization_error_has_a_page_of_its_kind() -> None:
    from django_itsme.core.oauth_errors import AUTHORIZATION_ERRORS
    from django_itsme.failures import BY_KIND

    for error, kind in AUTHORIZATION_ERRORS.items():
        denied = errors.AuthorizationDenied(error)
        assert denied.code == error
        assert describe_failure(denied, denied.code) is BY_KIND[kind]


def test_an_undocumented_error_never_becomes_a_code() -> None:
    denied = errors.AuthorizationDenied("made_up_by_someone")
    assert denied.code == "unknown_error"
    assert denied.error == "made_up_by_someone"
    assert denied.kind == "unknown"
