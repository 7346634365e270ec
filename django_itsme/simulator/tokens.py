"""Token endpoint rules: client authentication with ``private_key_jwt`` or a client secret
(``client_secret_post``, D-AUTH "Token Request" secret tab), and code redemption.

Errors are HTTP 400 JSON bodies ``{"error": ..., "detail": ...}`` (D-AUTH token errors;
protocol notes §9.2).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import re
import threading
from collections.abc import Mapping
from typing import Any

from .authorization import check_listed_algorithms
from .context import ProviderContext
from .expiring import ExpiringMap
from .grants import CodeStore, Grant, GrantError
from .jose import JoseError, b64url_decode, decrypt, load_json_object, verify
from .protocol import (
    CLIENT_ASSERTION_TYPE,
    GRANT_TYPE,
    MAX_ASSERTION_LIFETIME,
    MAX_JTI_LENGTH,
)
from .registry import RegisteredClient

_VERIFIER = re.compile(r"[A-Za-z0-9\-._~]{43,128}")


class TokenError(Exception):
    """A token request was refused.

    :param error: the error code.
    :param detail: the explanation, sent in the ``detail`` member (D-AUTH).
    :param status: the HTTP status (400 unless told otherwise).
    """

    def __init__(self, error: str, detail: str, *, status: int = 400) -> None:
        super().__init__(f"{error}: {detail}")
        self.error = error
        self.detail = detail
        self.status = status


def s256(verifier: str) -> str:
    """Compute the PKCE S256 challenge of a verifier (D-AUTH "PKCE-enhanced flow").

    :param verifier: the ``code_verifier``.
    :returns: base64url(SHA-256(verifier)) without padding.
    """
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _peek_claims(token: str) -> dict[str, Any]:
    """Read a compact JWS payload without verifying it (to learn the claimed client).

    :param token: the compact JWS.
    :returns: the claims.
    :raises JoseError: when the payload is not a JSON object.
    """
    parts = token.split(".")
    if len(parts) != 3:
        msg = "client_assertion is not a compact JWS"
        raise JoseError(msg)
    return load_json_object(b64url_decode(parts[1]), "client_assertion payload")


class ClientAuthenticator:
    """Authenticate clients by ``private_key_jwt`` (D-AUTH "Token Request"; D-JOSE), or by the
    method they registered: ``client_id`` and ``client_secret`` in the body (D-AUTH secret tab)."""

    def __init__(self, context: ProviderContext) -> None:
        """Create the authenticator.

        :param context: the registered clients, the provider keys (for encrypted assertions),
            the client JWKS cache, the issuer (the token endpoint is issuer + ``/token``), the
            clock and the fault switches.
        """
        self._context = context
        self._lock = threading.Lock()
        # (client, jti) until the assertion's exp: a replay after it fails the exp check anyway.
        self._seen_jti: ExpiringMap[tuple[str, str], bool] = ExpiringMap(context.clock)

    def authenticate(self, form: Mapping[str, str]) -> RegisteredClient:
        """Check ``client_assertion_type`` and ``client_assertion``.

        The assertion is an RS256 JWS with a ``kid`` from the client's JWKS, optionally
        signed-then-encrypted to the provider (protocol notes §7, §11 #4). Claims: ``iss`` =
        ``sub`` = ``client_id``; ``aud`` = token endpoint (or issuer, or a list holding one);
        ``exp`` in the future but at most 10 minutes ahead; ``jti`` never seen before.

        :param form: the token request body.
        :returns: the authenticated client.
        :raises TokenError: ``invalid_request``, ``invalid_client`` or ``unauthorized_client``.
        """
        if "client_secret" in form:
            return self._authenticate_secret(form)
        assertion_type = form.get("client_assertion_type")
        assertion = form.get("client_assertion")
        if not assertion_type or not assertion:
            raise TokenError(
                "invalid_client", "client_assertion_type and client_assertion are required"
            )
        if assertion_type != CLIENT_ASSERTION_TYPE:
            raise TokenError(
                "invalid_client", f"client_assertion_type must be {CLIENT_ASSERTION_TYPE}"
            )
        token = assertion.strip()
        faults = self._context.faults
        if faults.require_encrypted_client_assertion and token.count(".") != 4:
            # D-IG2020 and v1: the assertion MUST be signed then encrypted (protocol notes §11 #4).
            raise TokenError(
                "unauthorized_client", "client_assertion must be signed, then encrypted"
            )
        try:
            if token.count(".") == 4:
                token, jwe_header = decrypt(token, self._context.keys.decryption_keys())
                check_listed_algorithms(jwe_header, faults)
            claimed = _peek_claims(token)
        except JoseError as exc:
            raise TokenError("unauthorized_client", str(exc)) from None
        client_id = claimed.get("iss")
        client = self._context.registry.get(client_id) if isinstance(client_id, str) else None
        if client is None:
            raise TokenError("invalid_client", f"unknown client {client_id!r}")
        if form.get("client_id") not in (None, client.client_id):
            raise TokenError("invalid_client", "client_id differs from the client_assertion iss")
        if client.token_endpoint_auth_method != "private_key_jwt":  # noqa: S105
            raise TokenError("invalid_client", "this client is registered for a client secret")
        try:
            claims, _ = verify(token, lambda kid: self._context.key_store.signing_key(client, kid))
        except JoseError as exc:
            raise TokenError("unauthorized_client", str(exc)) from None
        self._check_claims(client, claims)
        return client

    def _authenticate_secret(self, form: Mapping[str, str]) -> RegisteredClient:
        """Check ``client_id`` and ``client_secret`` (D-AUTH "Token Request", secret tab: both
        REQUIRED in the body), compared in constant time.

        :param form: the token request body.
        :returns: the authenticated client.
        :raises TokenError: ``invalid_client`` for an unknown client, a client registered for
            ``private_key_jwt``, a missing or wrong secret, or an assertion sent as well.
        """
        client_id = form.get("client_id")
        client = self._context.registry.get(client_id) if client_id else None
        if client is None:
            raise TokenError("invalid_client", "client_id is required with client_secret")
        if "client_assertion" in form or "client_assertion_type" in form:
            raise TokenError("invalid_client", "send a client_secret or a client_assertion")
        if client.token_endpoint_auth_method != "client_secret_post":  # noqa: S105
            raise TokenError("invalid_client", "this client is registered for private_key_jwt")
        expected = (client.client_secret or "").encode("utf-8")
        if not hmac.compare_digest(form.get("client_secret", "").encode("utf-8"), expected):
            raise TokenError("invalid_client", "wrong client_secret")
        return client

    def _check_claims(self, client: RegisteredClient, claims: Mapping[str, Any]) -> None:
        """Check the verified assertion claims and remember its ``jti``.

        :param client: the client.
        :param claims: verified claims.
        :raises TokenError: ``unauthorized_client``.
        """
        if claims.get("sub") != client.client_id:
            raise TokenError("unauthorized_client", "client_assertion sub must equal client_id")
        issuer = self._context.issuer()
        accepted = {issuer + "/token", issuer}
        aud = claims.get("aud")
        audiences = aud if isinstance(aud, list) else [aud]
        if not any(isinstance(item, str) and item in accepted for item in audiences):
            raise TokenError(
                "unauthorized_client", f"client_assertion aud must be {issuer + '/token'!r}"
            )
        exp = claims.get("exp")
        now = self._context.clock()
        if not isinstance(exp, int | float) or isinstance(exp, bool) or not math.isfinite(exp):
            raise TokenError("unauthorized_client", "client_assertion exp is required")
        if exp <= now:
            raise TokenError("unauthorized_client", "client_assertion has expired")
        if exp > now + MAX_ASSERTION_LIFETIME:
            raise TokenError(
                "unauthorized_client", "client_assertion exp is more than 10 minutes ahead"
            )
        jti = claims.get("jti")
        if not isinstance(jti, str) or not jti or len(jti) > MAX_JTI_LENGTH:
            raise TokenError("unauthorized_client", "client_assertion jti is required (≤ 255)")
        with self._lock:
            if (client.client_id, jti) in self._seen_jti:
                raise TokenError("unauthorized_client", "client_assertion jti was already used")
            self._seen_jti.put((client.client_id, jti), True, forget_at=float(exp))


def redeem_code(codes: CodeStore, client: RegisteredClient, form: Mapping[str, str]) -> Grant:
    """Redeem the authorization code of a token request (D-AUTH; D-AREQ; D-IG2020).

    :param codes: the code store.
    :param client: the authenticated client.
    :param form: the token request body.
    :returns: the grant.
    :raises TokenError: ``invalid_request`` for missing parameters, ``invalid_grant`` for a
        bad, used or expired code, a redirect URI mismatch or a failed PKCE check.
    """
    code = form.get("code")
    if not code:
        raise TokenError("invalid_request", "code is required")
    redirect_uri = form.get("redirect_uri")
    if not redirect_uri:
        raise TokenError("invalid_request", "redirect_uri is required")
    try:
        grant = codes.redeem(code, client.client_id)
    except GrantError as exc:
        raise TokenError("invalid_grant", str(exc)) from None
    if redirect_uri != grant.request.redirect_uri:
        raise TokenError("invalid_grant", "redirect_uri differs from the authorization request")
    challenge = grant.request.code_challenge
    if challenge is not None:
        verifier = form.get("code_verifier")
        if not verifier:
            raise TokenError("invalid_grant", "code_verifier is required (PKCE)")
        if not _VERIFIER.fullmatch(verifier):
            raise TokenError("invalid_grant", "code_verifier must be 43-128 unreserved characters")
        if not hmac.compare_digest(s256(verifier), challenge):
            raise TokenError("invalid_grant", "code_verifier does not match code_challenge")
    return grant


def check_grant_type(form: Mapping[str, str]) -> None:
    """Require ``grant_type=authorization_code`` (D-AUTH).

    :param form: the token request body.
    :raises TokenError: ``invalid_request`` when missing, ``unsupported_grant_type`` otherwise.
    """
    grant_type = form.get("grant_type")
    if not grant_type:
        raise TokenError("invalid_request", "grant_type is required")
    if grant_type != GRANT_TYPE:
        raise TokenError("unsupported_grant_type", f"grant_type must be {GRANT_TYPE}")
