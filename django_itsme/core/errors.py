"""The one exception tree of django-itsme, grouped by who has to act.

::

    ItsmeError                      every error this package raises
    ├── ConfigurationError          the operator: bad settings, unusable keys, bad template
    │   ├── TemplateError           a Confirm template breaks the protocol's rules
    │   ├── KeyArchiveError         the archive of itsme's keys is unreadable or holds a private key
    │   ├── KeyStoreError           the key store (HSM, KMS) cannot sign or decrypt now
    │   └── UnsupportedBackendPath  (django_itsme.errors) a mozilla-django-oidc path we never use
    ├── TransportError              the network: connection refused, TLS, timeout
    │   └── TransportTimeout
    ├── ProviderError               itsme answered outside the protocol
    │   ├── DiscoveryError          .well-known/openid-configuration unusable
    │   ├── ProviderKeysError       the provider's JWKS unusable, or no key for a kid
    │   ├── TokenEndpointError      the token endpoint refused or answered garbage
    │   └── UserinfoError           the userinfo endpoint refused or answered garbage
    ├── AuthorizationDenied         itsme's redirect carried an error: the user cancelled, itsme
    │                               refused our request (.kind says who must act), or is down
    ├── AccountError                the site's accounts refuse the identity itsme vouched for
    │   ├── NoAccount               (django_itsme.errors) unknown sub and CREATE_USERS off
    │   ├── AlreadyLinked           (django_itsme.errors) the sub belongs to another account
    │   ├── InactiveUser            (django_itsme.errors) the linked user may not log in
    │   ├── NotLinked               (django_itsme.errors) Confirm without a linked user
    │   └── LinkUserChanged         (django_itsme.errors) a link flow's owner is not logged in
    └── TokenValidationError        we refuse a token itsme (or someone) sent us
        ├── TokenDecryptionError    not a JWE for our keys, or a disallowed JWE algorithm
        │   └── KeyUnwrapError      a key store: the JWE key does not decrypt with the key named
        ├── SignatureError          bad or missing signature, disallowed JWS algorithm
        ├── ClaimValidationError    iss, aud, exp, iat, nonce, acr, sub, ...
        │   └── StateMismatch       the callback's state is not the flow's (or is missing)
        └── EvidenceError           stored Confirm evidence does not prove what it claims
            └── UnanchoredKeyError  it verifies, but with a key no trust anchor knows

Every class carries a stable machine-readable ``code``, given in its class statement
(``class TransportTimeout(TransportError, code="timeout")``) and used in log lines, signals and
the troubleshooting table of README.rst. Messages are written for operators and never contain a
token, a key, a code, a response body or any other secret: foreign exceptions are converted at
the core boundary with ``raise ... from`` so their text stays in the chained ``__cause__`` only
when it is known to be harmless.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .oauth_errors import (
    AUTHORIZATION_ERRORS,
    ErrorKind,
    authorization_error_kind,
    read_error_text,
)

__all__ = [
    "AccountError",
    "AuthorizationDenied",
    "ClaimValidationError",
    "ConfigurationError",
    "DiscoveryError",
    "EvidenceError",
    "ItsmeError",
    "KeyArchiveError",
    "KeyStoreError",
    "KeyUnwrapError",
    "ProviderError",
    "ProviderKeysError",
    "SignatureError",
    "StateMismatch",
    "TemplateError",
    "TokenDecryptionError",
    "TokenEndpointError",
    "TokenValidationError",
    "TransportError",
    "TransportTimeout",
    "UnanchoredKeyError",
    "UserinfoError",
]


class ItsmeError(Exception):
    """Base class of every error raised by django-itsme.

    :param message: a human-readable sentence, free of secrets.
    :param code: overrides the class's default ``code`` for a more specific one.
    """

    #: the class's stable code, set in each class statement (``class X(Base, code="...")``)
    code: str = "itsme_error"

    def __init_subclass__(cls, *, code: str | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if code is not None:
            cls.code = code

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r})"


# ----------------------------------------------------------------------------- operator
class ConfigurationError(ItsmeError, code="configuration_error"):
    """The settings, the keys or the arguments a site passed cannot work."""


class TemplateError(ConfigurationError, code="invalid_template"):
    """A Confirm template breaks the itsme rules (D-CONF "WYSIWYS template")."""


class KeyArchiveError(ConfigurationError, code="key_archive_error"):
    """The key archive cannot be read, is not an archive, or would hold a private key."""


class KeyStoreError(ConfigurationError, code="key_store_unavailable"):
    """The key store cannot sign or decrypt (HSM or KMS unreachable, login refused, key missing).

    The message names the store and what failed, never a PIN, a credential or key material.
    """


# ----------------------------------------------------------------------------- network
class TransportError(ItsmeError, code="transport_error"):
    """The provider could not be reached (DNS, connection, TLS, ...)."""


class TransportTimeout(TransportError, code="timeout"):
    """The provider did not answer within the configured timeout."""


# ----------------------------------------------------------------------------- provider
class ProviderError(ItsmeError, code="provider_error"):
    """itsme answered, but outside the protocol (HTTP error, malformed document).

    :param status: the HTTP status of the answer, if any.
    :param error: the OAuth ``error`` value itsme sent, if any (already checked with
        :func:`.oauth_errors.read_error_value`).
    :param description: itsme's ``detail`` / ``error_description``, if any (already made safe
        with :func:`.oauth_errors.read_error_text`): for the operator's log line and the page's
        detail for the site's administrator.
    """

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status: int | None = None,
        error: str | None = None,
        description: str | None = None,
    ) -> None:
        super().__init__(message, code=code)
        #: the HTTP status of the provider's answer, when there was one
        self.status = status
        #: the OAuth ``error`` value itsme returned (``invalid_grant``, ...), if any
        self.error = error
        #: itsme's explanation (``detail`` or ``error_description``), safe text, if any
        self.description = description


class DiscoveryError(ProviderError, code="discovery_error"):
    """The discovery document is missing, malformed or names another issuer."""


class ProviderKeysError(ProviderError, code="provider_keys_error"):
    """The provider's JWKS is missing, malformed or lacks the key a token names."""


class TokenEndpointError(ProviderError, code="token_endpoint_error"):
    """The token endpoint refused the code exchange or answered garbage.

    Its ``code`` is itsme's ``error`` when itsme documents it (``invalid_grant``,
    ``invalid_client``, ...: :data:`.oauth_errors.TOKEN_ERRORS`), else ``token_endpoint_error``.
    """


class UserinfoError(ProviderError, code="userinfo_error"):
    """The userinfo endpoint refused the access token or answered garbage.

    Code ``userinfo_invalid_token`` when itsme said ``invalid_token`` (RFC 6750 §3; protocol
    notes §9.3), else ``userinfo_error``.
    """


# ----------------------------------------------------------------------------- user / itsme said no
class AuthorizationDenied(ItsmeError, code="authorization_denied"):
    """The authorization response carried an ``error`` (D-AUTH "Authorization Endpoint errors").

    Its ``code`` is the ``error`` itself when itsme documents it
    (:data:`.oauth_errors.AUTHORIZATION_ERRORS`), else ``unknown_error``: provider text never
    becomes a code. ``kind`` says who must act (``configuration``, ``user``, ``unavailable``,
    ``expired`` or ``unknown``): an ``invalid_request_object`` is the operator's to fix, not a
    user's refusal and not tampering.

    :param error: the OAuth ``error`` value, e.g. ``access_denied``.
    :param description: ``error_description`` as sent by the provider, made safe by
        :func:`.oauth_errors.read_error_text`: for the operator's log line and, when the answer
        belongs to a flow of the visitor's session, the page's detail for the site's
        administrator (escaped there).
    """

    def __init__(self, error: str, description: str | None = None) -> None:
        safe_error = _printable(error, 64) or "unknown_error"
        known = safe_error in AUTHORIZATION_ERRORS
        super().__init__(
            f"The provider returned error {safe_error!r}.",
            code=safe_error if known else "unknown_error",
        )
        self.error = safe_error
        self.kind: ErrorKind = authorization_error_kind(safe_error)
        self.description = read_error_text(description)


# ----------------------------------------------------------------------------- the site's accounts
class AccountError(ItsmeError, code="account_error"):
    """itsme vouched for an identity, but the site's accounts refuse it: no account for it, an
    inactive one, another account's identity, or not the user who started the flow. The Django
    app's classes (:mod:`django_itsme.errors`) say which."""


# ----------------------------------------------------------------------------- we refuse a token
class TokenValidationError(ItsmeError, code="invalid_token"):
    """A token (ID token, userinfo, request object, client assertion) failed validation."""


class TokenDecryptionError(TokenValidationError, code="token_decryption_failed"):
    """The token is not a JWE we can decrypt with our keys and allowed algorithms."""


class KeyUnwrapError(TokenDecryptionError, code="key_unwrap_failed"):
    """A key store's answer: the JWE's encrypted key does not decrypt with the key named (a token
    not meant for us, or tampered with). Deliberately without detail: RFC 7516 §11.5 (no padding
    oracle).

    :param message: defaults to a sentence without detail.
    """

    def __init__(self, message: str = "The encrypted key does not decrypt with this key.") -> None:
        super().__init__(message)


class SignatureError(TokenValidationError, code="invalid_signature"):
    """The signature is missing, invalid, made with a disallowed algorithm or an unknown key."""


class ClaimValidationError(TokenValidationError, code="invalid_claim"):
    """A claim is missing or has a value we must refuse.

    :param claim: the name of the offending claim (never its value).
    """

    def __init__(self, message: str, *, claim: str, code: str | None = None) -> None:
        super().__init__(message, code=code or f"invalid_{claim}")
        self.claim = claim


class StateMismatch(ClaimValidationError, code="invalid_state"):
    """The callback's ``state`` is missing or is not the one of the flow it should finish
    (RFC 6749 §10.12): an answer that is not ours, refused before anything else is read."""

    def __init__(self, message: str) -> None:
        super().__init__(message, claim="state")


class EvidenceError(TokenValidationError, code="evidence_mismatch"):
    """Stored evidence does not prove what it claims (content, salt, token or key tampered,
    or recorded for another environment or client)."""


class UnanchoredKeyError(EvidenceError, code="evidence_unanchored"):
    """The signature verifies with the key stored in the evidence, but no trust anchor knows
    that key: the evidence proves nothing until the key is shown to be itsme's.

    :ivar kid: the key's ``kid``.
    :ivar thumbprint: the key's RFC 7638 thumbprint (a hash of public values, safe to show).
    :ivar notes: why anchors could not answer (e.g. itsme unreachable), one sentence each.
    """

    def __init__(self, message: str, *, kid: str, thumbprint: str, notes: Sequence[str]) -> None:
        super().__init__(message)
        self.kid = kid
        self.thumbprint = thumbprint
        self.notes = tuple(notes)


def _printable(text: str, limit: int) -> str:
    """Keep only printable characters of provider-supplied text and cut it to ``limit``."""
    cleaned = "".join(ch for ch in text if ch.isprintable())
    return cleaned[:limit]
