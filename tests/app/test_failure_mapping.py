"""Every kind of error maps to the page and status documented in README.rst's troubleshooting."""

from __future__ import annotations

import pytest

from django_itsme.backends import InactiveUser
from django_itsme.core import errors
from django_itsme.failures import describe_failure
from django_itsme.identity import NoAccount


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (None, 400),
        (errors.AuthorizationDenied("access_denied"), 403),
        (errors.AuthorizationDenied("temporary_unavailable"), 502),
        (errors.AuthorizationDenied("temporarily_unavailable"), 502),
        (errors.AuthorizationDenied("invalid_request_object"), 403),
        (errors.ClaimValidationError("x", claim="state"), 400),
        (errors.ClaimValidationError("x", claim="nonce"), 403),
        (errors.SignatureError("x"), 403),
        (errors.TokenDecryptionError("x"), 403),
        (errors.TransportTimeout("x"), 504),
        (errors.TransportError("x"), 502),
        (errors.DiscoveryError("x"), 502),
        (errors.TokenEndpointError("x", status=400, error="invalid_grant"), 502),
        (errors.UserinfoError("x"), 502),
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
