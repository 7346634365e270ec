"""The authorization request (request object + URL) and the authorization response.

Sources: D-AREQ (parameters, request object, ``request_uri`` rules), D-JOSE (nesting), protocol
notes §3. Every parameter that matters for security (``state``, ``nonce``, PKCE, ``acr_values``,
``claims``, the Confirm template) travels inside the signed-then-encrypted request object, so it
cannot be altered on the way (S-HIST advice on ``acr_values``). The query string repeats only what
itsme needs to find the client and route the request: ``response_type``, ``client_id``, ``scope``
with ``openid`` (they must match the object, D-IG2020 / S-LOGIN §4.4) and ``redirect_uri``.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlencode, urlsplit

from jwcrypto import jwk

from . import jose
from .claim_names import build_claims_request
from .config import RequestBy
from .confirm import ConfirmTemplate
from .environments import connection_host, is_loopback_url
from .errors import (
    AuthorizationDenied,
    ClaimValidationError,
    ConfigurationError,
    StateMismatch,
)
from .pkce import code_challenge
from .services import Service

__all__ = [
    "MAX_AUTHORIZATION_URL_LENGTH",
    "REQUEST_OBJECT_LIFETIME",
    "SUPPORTED_UI_LOCALES",
    "build_authorization_parameters",
    "build_authorization_url",
    "build_request_object",
    "check_request_uri",
    "choose_request_uri",
    "choose_ui_locales",
    "generate_nonce",
    "generate_state",
    "parse_authorization_response",
    "read_authorization_error",
    "send_request_object",
]

#: Seconds a request object stays valid. ``exp``/``iat``/``jti`` are not documented for this flow
#: (protocol notes §3.2) but are standard JWT claims (the CIBA example carries all of them); they
#: stop a leaked object from being replayed later. Codes live 180 s, a user may take a few minutes.
REQUEST_OBJECT_LIFETIME = 600
#: 32 random bytes: "unguessable" state and "high entropy" nonce (D-IG2020, protocol notes §10).
RANDOM_BYTES = 32
#: D-AREQ ``ui_locales``: the languages of the itsme app; others are dropped from a request.
SUPPORTED_UI_LOCALES = ("fr", "nl", "de", "en")
#: Longest authorization URL sent with the request object by value; a longer one goes by
#: ``request_uri`` when the caller can serve it. RFC 9110 §4.1 only RECOMMENDS that senders and
#: recipients support 8000-octet URIs, and common front ends cap the request line near there
#: (nginx's default header buffer is 8 KB, Apache's LimitRequestLine 8190). itsme wants a GET that
#: also works as a universal / app link (S-LOGIN §2.4, D-IG2020); it documents no URL limit. A
#: login (about 2 KB) never comes near; a Confirm with a long free text does (16 KB for 7 350
#: French characters). QR codes are not the limit: itsme's sign-in page draws its own.
MAX_AUTHORIZATION_URL_LENGTH = 8000


def generate_state() -> str:
    """A fresh unguessable ``state`` (RFC 6749 §10.12)."""
    return secrets.token_urlsafe(RANDOM_BYTES)


def generate_nonce() -> str:
    """A fresh high-entropy ``nonce`` (OIDC Core §3.1.2.1, §15.5.2)."""
    return secrets.token_urlsafe(RANDOM_BYTES)


def check_request_uri(request_uri: str, *, issuer: str) -> None:
    """Apply D-AREQ's ``request_uri`` rules: https with an explicit ``:443``, not localhost.

    Against the loopback simulator, an http loopback URL is accepted instead.

    :raises ConfigurationError: the URL breaks the rules.
    """
    if connection_host(request_uri) is None:
        # itsme (or the simulator) would fetch another host than the one checked here.
        raise ConfigurationError(
            "request_uri must not hold a user name, backslash, space, control or non-ASCII "
            "character."
        )
    parts = urlsplit(request_uri)
    if is_loopback_url(issuer):
        if parts.scheme in ("http", "https") and is_loopback_url(request_uri):
            return
        raise ConfigurationError("Against the simulator, request_uri must be a loopback URL.")
    if parts.scheme != "https" or parts.port != 443 or is_loopback_url(request_uri):
        raise ConfigurationError(
            "request_uri must be an https URL with an explicit :443 port on a public host (D-AREQ)."
        )
    if parts.fragment:
        raise ConfigurationError("request_uri must not have a #fragment.")


def choose_request_uri(
    request_by: RequestBy, request_uri: str | None, *, issuer: str
) -> str | None:
    """The ``request_uri`` a request may use, checked with :func:`check_request_uri`.

    :param request_by: ``"reference"``: ``request_uri`` is required and must pass. ``"value"``:
        it is only the fallback for an oversized request (:func:`send_request_object`), so one
        itsme would refuse is dropped and the request goes by value as it would without.
    :param request_uri: where the caller can serve the request object, if anywhere.
    :param issuer: the issuer (loopback rules for the simulator).
    :returns: the URL to use, or None.
    :raises ConfigurationError: by reference without a usable ``request_uri``.
    """
    if request_by == "reference":
        if not request_uri:
            raise ConfigurationError("request_by='reference' needs the request_uri to use.")
        check_request_uri(request_uri, issuer=issuer)
        return request_uri
    if request_uri is None:
        return None
    try:
        check_request_uri(request_uri, issuer=issuer)
    except ConfigurationError:
        return None
    return request_uri


def choose_ui_locales(ui_locales: str | None) -> str | None:
    """The ``ui_locales`` to send: the tags itsme speaks (:data:`SUPPORTED_UI_LOCALES`), in order.

    :param ui_locales: space-separated language tags, or None.
    :returns: the supported ones, or None when none is left.
    """
    wanted = [tag for tag in (ui_locales or "").split() if tag in SUPPORTED_UI_LOCALES]
    return " ".join(wanted) or None


def build_authorization_parameters(
    service: Service,
    *,
    redirect_uri: str,
    state: str,
    nonce: str,
    code_verifier: str,
    template: ConfirmTemplate | None = None,
    sub: str | None = None,
    claims: Iterable[str] = (),
    ui_locales: str | None = None,
) -> dict[str, Any]:
    """The authorization parameters that travel in the request object (D-AREQ).

    User claims go to the member the service chose (``CLAIMS_IN``; D-AREQ claims); ``acr`` is
    always an ID-token claim (OIDC Core §5.5.1.1); the Confirm template and the known ``sub``
    stay under ``userinfo``, where every D-CONF example puts them (protocol notes §11 #13).

    :param service: the configured service.
    :param redirect_uri: where itsme sends the user back.
    :param state: this flow's ``state``.
    :param nonce: this flow's ``nonce``.
    :param code_verifier: this flow's PKCE verifier (its S256 challenge is sent, RFC 7636 §4.2).
    :param template: a Confirm template (D-CONF).
    :param sub: the user's known ``sub`` (D-AREQ, Confirmation row).
    :param claims: extra claims for this flow only, on top of the service's.
    :param ui_locales: the wanted languages (see :func:`choose_ui_locales`).
    :returns: the parameters; a None value is left out of the request object.
    """
    claims_request = build_claims_request(
        scopes=service.scopes, claims=(*service.claims, *claims), member=service.claims_in
    )
    id_token_member: dict[str, object] = dict(claims_request.get("id_token", {}))
    userinfo_member: dict[str, object] = dict(claims_request.get("userinfo", {}))
    acr_request = service.acr_claim_request
    if acr_request is not None:
        id_token_member["acr"] = acr_request
    if template is not None:
        userinfo_member.update(template.to_claims())
    if sub is not None:
        userinfo_member["sub"] = {"value": sub}
    members = {"id_token": id_token_member, "userinfo": userinfo_member}
    return {
        "response_type": "code",
        "scope": service.scope,
        "redirect_uri": redirect_uri,
        "state": state,
        "nonce": nonce,
        "code_challenge": code_challenge(code_verifier),
        "code_challenge_method": "S256",
        "acr_values": service.acr_values,
        "claims": {name: member for name, member in members.items() if member} or None,
        "ui_locales": choose_ui_locales(ui_locales),
    }


def build_request_object(
    parameters: Mapping[str, Any],
    *,
    client_id: str,
    audience: str,
    signing_key: jose.SigningKey,
    provider_encryption_key: jwk.JWK,
    now: float,
    alg: str | None = None,
    enc: str | None = None,
) -> str:
    """Sign our request parameters and encrypt them to itsme (D-AREQ "request", D-JOSE).

    :param parameters: the authorization parameters (``scope``, ``state``, ``claims``, ...).
    :param client_id: the partner code, used as ``iss`` and ``client_id``.
    :param audience: the ``aud``: the issuer by default (D-AREQ since 2024-03), the
        authorization endpoint before that and in D-FR (protocol notes §11 #3).
    :param signing_key: our key store (RS256 with its active ``sig`` key), or a client-secret
        partner's secret (HS256; see :meth:`.client.ItsmeClient.build_request_object`).
    :param provider_encryption_key: itsme's ``enc`` key from its JWKS.
    :param now: the current time.
    :param alg: the JWE key algorithm chosen from discovery (default: RSA-OAEP-256).
    :param enc: the JWE content encryption chosen from discovery (default: A128CBC-HS256).
    :returns: the compact JWE.
    """
    issued = int(now)
    claims: dict[str, Any] = {
        **{k: v for k, v in parameters.items() if v is not None},
        "iss": client_id,
        "aud": audience,
        "client_id": client_id,
        "iat": issued,
        "exp": issued + REQUEST_OBJECT_LIFETIME,
        "jti": secrets.token_urlsafe(16),
    }
    return jose.sign_then_encrypt(claims, signing_key, provider_encryption_key, alg=alg, enc=enc)


def build_authorization_url(
    authorization_endpoint: str,
    *,
    client_id: str,
    scope: str,
    redirect_uri: str,
    request: str | None = None,
    request_uri: str | None = None,
) -> str:
    """The URL that sends the browser to itsme.

    :param request: the request object by value, or
    :param request_uri: where itsme fetches it; exactly one of the two (D-AREQ).
    :raises ConfigurationError: neither or both were given.
    """
    if (request is None) == (request_uri is None):
        raise ConfigurationError("Pass exactly one of request and request_uri.")
    query: dict[str, str] = {
        "response_type": "code",
        "client_id": client_id,
        "scope": scope,
        "redirect_uri": redirect_uri,
    }
    if request is not None:
        query["request"] = request
    else:
        assert request_uri is not None
        query["request_uri"] = request_uri
    separator = "&" if urlsplit(authorization_endpoint).query else "?"
    return authorization_endpoint + separator + urlencode(query)


def send_request_object(
    authorization_endpoint: str,
    *,
    client_id: str,
    scope: str,
    redirect_uri: str,
    request_object: str,
    request_by: RequestBy,
    request_uri: str | None,
) -> tuple[str, RequestBy]:
    """The authorization URL, and how it sends the request object.

    By value, a URL longer than :data:`MAX_AUTHORIZATION_URL_LENGTH` goes by reference instead
    when a ``request_uri`` is available: it would not survive proxies and app links.

    :param request_object: the signed-then-encrypted request object.
    :param request_by: the configured way, ``"value"`` or ``"reference"``.
    :param request_uri: where the caller serves the request object (required by reference).
    :returns: the URL and the way it was sent (serve the object when ``"reference"``).
    :raises ConfigurationError: by reference without a ``request_uri``.
    """

    def url_for(by: RequestBy) -> str:
        return build_authorization_url(
            authorization_endpoint,
            client_id=client_id,
            scope=scope,
            redirect_uri=redirect_uri,
            request=request_object if by == "value" else None,
            request_uri=request_uri if by == "reference" else None,
        )

    url = url_for(request_by)
    if request_by == "value" and request_uri and len(url) > MAX_AUTHORIZATION_URL_LENGTH:
        return url_for("reference"), "reference"
    return url, request_by


def parse_authorization_response(params: Mapping[str, str], *, expected_state: str) -> str:
    """Read the redirect back from itsme and return the authorization ``code``.

    The ``state`` is compared first, in constant time: an answer that does not belong to the
    flow we started is refused before anything else is read (RFC 6749 §10.12; D-IG2020).

    :param params: the query parameters of the callback.
    :param expected_state: the ``state`` stored when the flow started.
    :returns: the code, to redeem at once (valid 180 s, single use: D-AREQ).
    :raises StateMismatch: ``state`` missing or different (code ``invalid_state``).
    :raises AuthorizationDenied: itsme returned ``error`` (user cancelled, refused, ...).
    :raises ClaimValidationError: neither a code nor an error (code ``invalid_code``).
    """
    state = params.get("state") or ""
    if not expected_state or not hmac.compare_digest(state.encode(), expected_state.encode()):
        raise StateMismatch("The state does not match the flow that was started.")
    denied = read_authorization_error(params)
    if denied is not None:
        raise denied
    code = params.get("code")
    if not code:
        raise ClaimValidationError(
            "The provider returned neither a code nor an error.", claim="code"
        )
    return code


def read_authorization_error(params: Mapping[str, str]) -> AuthorizationDenied | None:
    """The error an authorization redirect carries, if any, whatever its ``state``.

    itsme may send an error back *without* ``state`` (protocol notes §9.1): ours travels only
    inside the request object, which itsme cannot read when it refuses that object
    (``invalid_request_object``: wrong ``aud``, key or algorithm). Such an answer cannot be tied
    to a flow by itself; it can only ever end a flow, never yield a code.

    :param params: the query parameters of the callback.
    :returns: the error (its ``code``, ``kind`` and safe ``description``), or None when the
        redirect carries no ``error``.
    """
    error = params.get("error")
    if not error:
        return None
    return AuthorizationDenied(error, params.get("error_description"))
