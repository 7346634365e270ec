"""The exception tree: shape, codes, and messages that never carry secrets."""

from __future__ import annotations

import pytest

from django_itsme.core import errors


@pytest.mark.parametrize(
    ("cls", "parent"),
    [
        (errors.ConfigurationError, errors.ItsmeError),
        (errors.TemplateError, errors.ConfigurationError),
        (errors.TransportError, errors.ItsmeError),
        (errors.TransportTimeout, errors.TransportError),
        (errors.ProviderError, errors.ItsmeError),
        (errors.DiscoveryError, errors.ProviderError),
        (errors.ProviderKeysError, errors.ProviderError),
        (errors.TokenEndpointError, errors.ProviderError),
        (errors.UserinfoError, errors.ProviderError),
        (errors.AuthorizationDenied, errors.ItsmeError),
        (errors.TokenValidationError, errors.ItsmeError),
        (errors.TokenDecryptionError, errors.TokenValidationError),
        (errors.SignatureError, errors.TokenValidationError),
        (errors.ClaimValidationError, errors.TokenValidationError),
    ],
)
def test_tree(cls: type[Exception], parent: type[Exception]) -> None:
    assert issubclass(cls, parent)
    assert cls.__bases__ == (parent,)


def test_codes_are_unique_per_class() -> None:
    classes = [getattr(errors, name) for name in errors.__all__]
    codes = [cls.code for cls in classes]
    assert len(codes) == len(set(codes))


def test_code_can_be_specialised_and_repr_is_safe() -> None:
    exc = errors.ClaimValidationError("The ID token has expired.", claim="exp")
    assert exc.code == "invalid_exp"
    assert exc.claim == "exp"
    assert str(exc) == "The ID token has expired."
    assert (
        repr(exc) == "ClaimValidationError(code='invalid_exp', message='The ID token has expired.')"
    )


def test_authorization_denied_keeps_only_printable_bounded_text() -> None:
    exc = errors.AuthorizationDenied("access_denied\n<script>", "x" * 500 + "\x00")
    assert exc.error == "access_denied<script>"
    assert "\n" not in str(exc)
    assert exc.description is not None
    assert len(exc.description) == 200
    assert "\x00" not in exc.description


def test_authorization_denied_without_error_text() -> None:
    exc = errors.AuthorizationDenied("\n\n")
    assert exc.code == "unknown_error"
    assert exc.description is None


def test_provider_errors_carry_status() -> None:
    exc = errors.TokenEndpointError("refused", status=400, error="invalid_grant")
    assert (exc.status, exc.error, exc.code) == (400, "invalid_grant", "token_endpoint_error")
