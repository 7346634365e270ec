"""Redeem an authorization code at the token endpoint (D-AUTH "Token Request"/"Token Response").

Body (``application/x-www-form-urlencoded``): ``grant_type=authorization_code``, ``code``,
``redirect_uri`` (identical to the authorization request), ``code_verifier`` (PKCE) and the
``private_key_jwt`` client assertion, or for client-secret partners ``client_id`` and
``client_secret`` (D-AUTH secret tab, :func:`.client_auth.build_client_secret_fields`).
A 200 answer holds ``access_token``, ``token_type`` Bearer,
``id_token`` and ``expires_in``; errors are HTTP 400 JSON with ``error`` and, in v2, ``detail``
(``error_description`` in v1/2020: both are read, protocol notes §11 #9).

A refusal becomes a :class:`~.errors.TokenEndpointError` whose ``code`` is the documented
``error`` (:data:`.oauth_errors.TOKEN_ERRORS`: ``invalid_grant`` is an expired or used code, not
an outage; ``invalid_client`` and ``unauthorized_client`` a client-authentication problem) and
whose ``description`` is itsme's text, read size-capped and made safe, never the raw body.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from jwcrypto import jwk

from .client_auth import (
    CLIENT_ASSERTION_TYPE,
    build_client_assertion,
    build_client_secret_fields,
)
from .errors import ConfigurationError, TokenEndpointError
from .http import HttpClient
from .key_store import KeyStore
from .oauth_errors import TOKEN_ERRORS, read_error_body
from .provider_json import parse_json

__all__ = ["TokenResponse", "exchange_code"]


@dataclass(frozen=True, slots=True)
class TokenResponse:
    """A successful token response (always of type Bearer); ``repr`` hides the tokens."""

    access_token: str = field(repr=False)
    id_token: str = field(repr=False)
    expires_in: int | None = None


def exchange_code(
    token_endpoint: str,
    *,
    code: str,
    redirect_uri: str,
    code_verifier: str | None,
    client_id: str,
    signing_key: KeyStore | jwk.JWK | None,
    http: HttpClient,
    now: float,
    encrypt_assertion_to: jwk.JWK | None = None,
    assertion_encryption: tuple[str, str] | None = None,
    client_secret: str | None = None,
) -> TokenResponse:
    """Redeem ``code`` for tokens.

    :param encrypt_assertion_to: itsme's ``enc`` key when ``ENCRYPT_CLIENT_ASSERTION`` is set.
    :param assertion_encryption: the JWE ``(alg, enc)`` chosen from discovery for it.
    :param signing_key: what signs the client assertion (``private_key_jwt``); None with a
        ``client_secret``.
    :param client_secret: authenticate with this secret (``client_secret_post``) instead of a
        client assertion; ``signing_key`` is then unused. Never logged nor put in an error.
    :raises TransportError: itsme could not be reached in time.
    :raises TokenEndpointError: itsme refused (``.error`` holds its code) or answered garbage.
    """
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
    if client_secret is not None:
        data.update(build_client_secret_fields(client_id, client_secret))
    elif signing_key is None:
        raise ConfigurationError("A token request needs a client secret or a signing key.")
    else:
        data["client_assertion_type"] = CLIENT_ASSERTION_TYPE
        data["client_assertion"] = build_client_assertion(
            client_id,
            token_endpoint,
            signing_key,
            now=now,
            encrypt_to=encrypt_assertion_to,
            encryption=assertion_encryption,
        )
    if code_verifier:
        data["code_verifier"] = code_verifier
    response = http.post_form(
        token_endpoint, data, error=TokenEndpointError, accept_statuses=(200, 400, 401)
    )
    if response.status != 200:
        error, description = read_error_body(response.body)
        raise TokenEndpointError(
            f"The token endpoint refused the code: {error or 'no error value'} "
            f"(HTTP {response.status}).",
            code=error if error in TOKEN_ERRORS else None,
            status=response.status,
            error=error or "unknown_error",
            description=description,
        )
    document = parse_json(response.body, error=_answer_error, what="The token response")
    if not isinstance(document, dict):
        raise TokenEndpointError("The token endpoint did not answer a JSON object.", status=200)
    access_token = document.get("access_token")
    id_token = document.get("id_token")
    token_type = document.get("token_type")
    if not isinstance(access_token, str) or not access_token:
        raise TokenEndpointError("The token response has no access_token.", status=200)
    if not isinstance(id_token, str) or not id_token:
        raise TokenEndpointError("The token response has no id_token.", status=200)
    if not isinstance(token_type, str) or token_type.lower() != "bearer":
        # RFC 6749 §7.1: the type is case-insensitive; itsme issues Bearer tokens only.
        raise TokenEndpointError("The token response's token_type is not Bearer.", status=200)
    expires_in = document.get("expires_in")
    return TokenResponse(
        access_token=access_token,
        id_token=id_token,
        expires_in=expires_in if isinstance(expires_in, int) else None,
    )


def _answer_error(message: str) -> TokenEndpointError:
    return TokenEndpointError(message, status=200)
