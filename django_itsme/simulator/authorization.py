"""Validation of authorization requests, with itsme®'s rules and error codes.

Errors before the client and its redirect URI are known are shown on an error page without
a redirect; every later error is sent back to the redirect URI (D-AUTH "Authorization
Endpoint errors"; protocol notes §9.1).
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
from urllib3.exceptions import LocationParseError
from urllib3.util import parse_url

from .confirm import ConfirmTemplate, TemplateError, parse_template
from .context import ProviderContext
from .faults import Faults
from .identities import Identity, find_by_sub
from .jose import JoseError, decrypt, verify
from .protocol import (
    ACR_BASIC,
    ACR_LEVELS,
    APPROVAL_CLAIMS,
    DATA_SCOPES,
    DISPLAY_VALUES,
    JWT_MEMBERS,
    PKCE_METHOD,
    SCOPE_CLAIMS,
    SERVICE_SCOPE_PREFIX,
)
from .registry import FETCH_TIMEOUT, RegisteredClient, ServiceType

#: Hosts a ``request_uri`` may point at. Real itsme wants public https on :443 (D-AREQ);
#: the simulator only ever talks to loopback.
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
#: Request-object members that describe the object itself rather than request parameters.
#: Characters a fetched URL may hold: visible ASCII without the backslash (RFC 3986 §2).
_URL_CHARACTERS = re.compile(r"[!-\[\]-~]+")
_OBJECT_ONLY = frozenset({"iss", "aud", "exp", "iat", "nbf", "jti"})
_CODE_CHALLENGE = re.compile(r"[A-Za-z0-9_-]{43}")


class AuthorizationError(Exception):
    """An authorization request was refused.

    :param error: the OAuth error code (protocol notes §9.1).
    :param description: a human-readable explanation (``error_description``).
    :param fatal: ``True`` when no redirect is allowed (unknown client or redirect URI).
    """

    def __init__(self, error: str, description: str, *, fatal: bool = False) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.fatal = fatal
        #: Where to send the error; ``None`` means "show an error page".
        self.redirect_uri: str | None = None
        #: The ``state`` to echo, when known.
        self.state: str | None = None


@dataclass(frozen=True)
class AuthorizationRequest:
    """A validated authorization request, ready for the user's decision.

    :param client: the registered client.
    :param redirect_uri: the validated redirect URI.
    :param state: ``state`` to echo, if any.
    :param nonce: ``nonce`` to copy into the ID token, if any.
    :param scopes: the effective scopes.
    :param service_code: the service code from ``service:<CODE>``.
    :param service_type: ``login``, ``share`` or ``confirm``.
    :param claims: the normalised ``claims`` request (members ``id_token`` and ``userinfo``).
    :param acr: the requested level (the strongest known ``acr_values`` entry).
    :param code_challenge: the PKCE challenge, if any.
    :param template: the Confirm template, for Confirmation services.
    :param fixed_identity: the identity named by ``claims.userinfo.sub.value``, if any.
    :param request_object: the verified request object claims.
    :param jws_header: the request object's JWS header.
    :param jwe_header: the request object's JWE header.
    :param query: the query parameters (first value of each).
    :param request_uri: the ``request_uri`` used, if any.
    :param params: the effective parameters (query overridden by the request object).
    """

    client: RegisteredClient
    redirect_uri: str
    state: str | None
    nonce: str | None
    scopes: tuple[str, ...]
    service_code: str
    service_type: ServiceType
    claims: dict[str, dict[str, Any]]
    acr: str
    code_challenge: str | None
    template: ConfirmTemplate | None
    fixed_identity: Identity | None
    request_object: dict[str, Any]
    jws_header: dict[str, Any]
    jwe_header: dict[str, Any]
    query: dict[str, str]
    request_uri: str | None
    params: dict[str, Any] = field(default_factory=dict)

    def scope_claim_names(self) -> list[str]:
        """List the claims implied by the data scopes.

        :returns: claim names, in scope order (D-AREQ scope table).
        """
        return [name for scope in self.scopes for name in SCOPE_CLAIMS.get(scope, ())]

    def member_claim_names(self, member: str) -> list[str]:
        """List the user claims requested in one member of ``claims``.

        :param member: ``"id_token"`` or ``"userinfo"``.
        :returns: claim names other than JWT members and Confirm template claims.
        """
        return [name for name in self.claims.get(member, {}) if is_user_claim(name)]

    def requested_claim_names(self) -> list[str]:
        """List every requested user claim: scopes, ``claims.id_token``, ``claims.userinfo``.

        :returns: claim names without duplicates.
        """
        names = [
            *self.scope_claim_names(),
            *self.member_claim_names("id_token"),
            *self.member_claim_names("userinfo"),
        ]
        return list(dict.fromkeys(names))


def is_user_claim(name: str) -> bool:
    """Tell user-data claims from token members and Confirm template claims.

    :param name: a claim name.
    :returns: whether the name asks for data about the user.
    """
    return name not in JWT_MEMBERS and name not in APPROVAL_CLAIMS


def _single(query: Mapping[str, list[str]], name: str, *, fatal: bool = False) -> str | None:
    """Return a query parameter that may appear at most once.

    :param query: parsed query string.
    :param name: parameter name.
    :param fatal: whether a duplicate must be reported without a redirect.
    :returns: the value or ``None``.
    :raises AuthorizationError: ``invalid_request`` on duplicates (D-AUTH).
    """
    values = query.get(name, [])
    if len(values) > 1:
        raise AuthorizationError("invalid_request", f"parameter {name} is duplicated", fatal=fatal)
    return values[0] if values else None


def _text(params: Mapping[str, Any], name: str) -> str | None:
    """Return a parameter that must be a string when present.

    :param params: effective parameters.
    :param name: parameter name.
    :returns: the value or ``None``.
    :raises AuthorizationError: ``invalid_request`` when present but not a string.
    """
    value = params.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise AuthorizationError("invalid_request", f"parameter {name} must be a string")
    return value


def is_loopback_url(url: str) -> bool:
    """Tell whether a URL is http(s) on a loopback host, as ``requests`` will connect to it.

    ``urllib.parse`` and urllib3 (which ``requests`` uses) read a backslash or userinfo
    differently (``http://other\\@127.0.0.1/``: the first sees 127.0.0.1, the second connects
    to ``other``), so such URLs, and any with whitespace, control or non-ASCII characters, are
    refused, and both parsers must name the same host and port.

    :param url: the URL.
    :returns: whether the simulator may fetch it.
    """
    if not _URL_CHARACTERS.fullmatch(url):
        return False
    try:
        parts = urlsplit(url)
        host = parts.hostname
        port = parts.port
        seen = parse_url(url)
    except (ValueError, LocationParseError):
        return False
    if parts.scheme not in ("http", "https") or not host or "@" in parts.netloc or seen.auth:
        return False
    if (seen.host or "").lower().strip("[]") != host.lower() or seen.port != port:
        return False
    if host in LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_listed_algorithms(jwe_header: Mapping[str, Any], faults: Faults) -> None:
    """Refuse a JWE whose ``alg``/``enc`` the discovery document (as varied) does not list.

    :param jwe_header: the JWE protected header.
    :param faults: the switches holding the varied lists (None: the default lists apply).
    :raises JoseError: the algorithm is not listed.
    """
    algs = faults.request_object_encryption_algs
    encs = faults.request_object_encryption_encs
    if algs is not None and jwe_header.get("alg") not in algs:
        msg = f"JWE alg {jwe_header.get('alg')!r} is not in the discovery list {algs}"
        raise JoseError(msg)
    if encs is not None and jwe_header.get("enc") not in encs:
        msg = f"JWE enc {jwe_header.get('enc')!r} is not in the discovery list {encs}"
        raise JoseError(msg)


class AuthorizationValidator:
    """Apply the itsme rules to the query of ``GET /v2/authorization``."""

    def __init__(self, context: ProviderContext) -> None:
        """Create the validator.

        :param context: the registered clients, the provider keys (to decrypt request
            objects), the client JWKS cache (to verify them), issuer, clock, the fault
            switches and how many numbered identities exist (a Confirm ``sub`` may name one).
        """
        self._context = context

    def validate(self, query: Mapping[str, list[str]]) -> AuthorizationRequest:
        """Validate one authorization request.

        :param query: the parsed query string (``parse_qs`` shape).
        :returns: the validated request.
        :raises AuthorizationError: with ``redirect_uri``/``state`` filled in when the error
            may be redirected.
        """
        progress: dict[str, str | None] = {"redirect_uri": None, "state": None}
        try:
            return self._validate(query, progress)
        except AuthorizationError as exc:
            if not exc.fatal and progress["redirect_uri"] is not None:
                exc.redirect_uri = progress["redirect_uri"]
                exc.state = progress["state"]
            raise

    def _validate(
        self, query: Mapping[str, list[str]], progress: dict[str, str | None]
    ) -> AuthorizationRequest:
        """Do the work of :meth:`validate`, recording the redirect target as it becomes known.

        :param query: the parsed query string.
        :param progress: receives ``redirect_uri`` and ``state`` once trustworthy.
        :returns: the validated request.
        :raises AuthorizationError: on any violation.
        """
        client_id = _single(query, "client_id", fatal=True)
        client = self._context.registry.get(client_id) if client_id else None
        if client is None:
            # D-AUTH: a bad client_id is shown by itsme, without a redirect.
            raise AuthorizationError(
                "invalid_client_id", f"unknown client_id {client_id!r}", fatal=True
            )
        query_redirect = _single(query, "redirect_uri", fatal=True)
        if query_redirect is not None:
            self._check_redirect(client, query_redirect)
            progress["redirect_uri"] = query_redirect
        states = query.get("state") or []
        progress["state"] = states[0] if states else None
        flat = {name: values[0] for name, values in query.items() if values}
        for name, values in query.items():
            if len(values) > 1:
                raise AuthorizationError("invalid_request", f"parameter {name} is duplicated")

        request_object, jws_header, jwe_header, request_uri = self._request_object(client, flat)
        params: dict[str, Any] = dict(flat)
        params.update(
            {name: value for name, value in request_object.items() if name not in _OBJECT_ONLY}
        )
        redirect_uri = _text(params, "redirect_uri")
        if redirect_uri is None:
            raise AuthorizationError("invalid_redirect_uri", "redirect_uri is missing", fatal=True)
        self._check_redirect(client, redirect_uri)
        progress["redirect_uri"] = redirect_uri
        state = params.get("state")
        progress["state"] = state if isinstance(state, str) else None
        state = _text(params, "state")
        self._check_query_matches(flat, request_object)
        scopes, service_code = self._scopes(client, flat, params)
        service_type = client.services[service_code]
        display = _text(params, "display")
        if display is not None and display not in DISPLAY_VALUES:
            raise AuthorizationError("unsupported_display", f"display {display!r} is not supported")
        claims = self._claims(params.get("claims"))
        code_challenge = self._pkce(client, params)
        acr = self._acr(params.get("acr_values"))
        template = self._service_rules(service_type, scopes, claims)
        fixed_identity = self._fixed_identity(client, claims)
        return AuthorizationRequest(
            client=client,
            redirect_uri=redirect_uri,
            state=state,
            nonce=_text(params, "nonce"),
            scopes=scopes,
            service_code=service_code,
            service_type=service_type,
            claims=claims,
            acr=acr,
            code_challenge=code_challenge,
            template=template,
            fixed_identity=fixed_identity,
            request_object=request_object,
            jws_header=jws_header,
            jwe_header=jwe_header,
            query=flat,
            request_uri=request_uri,
            params=params,
        )

    @staticmethod
    def _check_redirect(client: RegisteredClient, redirect_uri: str) -> None:
        """Require an exactly registered redirect URI (D-AUTH "Onboarding"; D-AREQ).

        :param client: the client.
        :param redirect_uri: the candidate.
        :raises AuthorizationError: ``invalid_redirect_uri``, without redirect.
        """
        if redirect_uri not in client.redirect_uris:
            raise AuthorizationError(
                "invalid_redirect_uri",
                f"redirect_uri {redirect_uri!r} is not registered for {client.client_id}",
                fatal=True,
            )

    def _request_object(
        self, client: RegisteredClient, flat: Mapping[str, str]
    ) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any], str | None]:
        """Obtain, decrypt and verify the required request object (D-AREQ; D-JOSE).

        :param client: the client named in the query.
        :param flat: the query parameters.
        :returns: claims, JWS header, JWE header and the ``request_uri`` used.
        :raises AuthorizationError: ``invalid_request``, ``invalid_request_uri`` or
            ``invalid_request_object``.
        """
        value = flat.get("request")
        request_uri = flat.get("request_uri")
        if value is not None and request_uri is not None:
            raise AuthorizationError("invalid_request", "send request or request_uri, not both")
        if value is None:
            if request_uri is None:
                raise AuthorizationError(
                    "invalid_request", "a signed and encrypted request object is required"
                )
            # itsme may fetch the same request_uri more than once (its web front, then the
            # app): each fetch must still find the object (variant ``fetch_request_uri_twice``).
            value = self._fetch_request_uri(request_uri)
            if self._context.faults.fetch_request_uri_twice:
                value = self._fetch_request_uri(request_uri)
        try:
            inner, jwe_header = decrypt(value.strip(), self._context.keys.decryption_keys())
            check_listed_algorithms(jwe_header, self._context.faults)
            claims, jws_header = verify(
                inner, lambda kid: self._context.key_store.signing_key(client, kid)
            )
        except JoseError as exc:
            raise AuthorizationError("invalid_request_object", str(exc)) from None
        self._check_object_claims(client, claims)
        return claims, jws_header, jwe_header, request_uri

    @staticmethod
    def _fetch_request_uri(request_uri: str) -> str:
        """Download a request object by reference (D-AREQ ``request_uri``).

        :param request_uri: the URL; only http(s) on loopback hosts is accepted here.
        :returns: the response body.
        :raises AuthorizationError: ``invalid_request_uri``.
        """
        if not is_loopback_url(request_uri):
            raise AuthorizationError(
                "invalid_request_uri",
                "the simulator fetches request_uri only over http(s) from loopback hosts",
            )
        try:
            response = requests.get(request_uri, timeout=FETCH_TIMEOUT, allow_redirects=False)
        except requests.RequestException as exc:
            raise AuthorizationError(
                "invalid_request_uri", f"cannot fetch request_uri: {exc}"
            ) from None
        if response.status_code != 200 or not response.text.strip():
            raise AuthorizationError(
                "invalid_request_uri",
                f"request_uri answered HTTP {response.status_code} without a request object",
            )
        return response.text

    def _check_object_claims(self, client: RegisteredClient, claims: Mapping[str, Any]) -> None:
        """Check ``iss``, ``aud`` and, when present, ``exp`` of the request object (D-AREQ).

        :param client: the client.
        :param claims: the verified claims.
        :raises AuthorizationError: ``invalid_request_object``.
        """
        if claims.get("iss") != client.client_id:
            raise AuthorizationError(
                "invalid_request_object", "request object iss must equal client_id"
            )
        issuer = self._context.issuer()
        forms = {"issuer": issuer, "authorization_endpoint": issuer + "/authorization"}
        only = self._context.faults.request_object_audience
        accepted = {forms[only]} if only in forms else set(forms.values())
        aud = claims.get("aud")
        audiences = aud if isinstance(aud, list) else [aud]
        if not any(isinstance(item, str) and item in accepted for item in audiences):
            raise AuthorizationError(
                "invalid_request_object",
                f"request object aud must be {' or '.join(sorted(accepted))!r}",
            )
        exp = claims.get("exp")
        if exp is not None and (not isinstance(exp, int | float) or exp <= self._context.clock()):
            raise AuthorizationError("invalid_request_object", "request object has expired")

    @staticmethod
    def _check_query_matches(flat: Mapping[str, str], request_object: Mapping[str, Any]) -> None:
        """Require ``response_type``, ``client_id`` and ``scope`` (with ``openid``) in the query,
        matching the request object (D-IG2020; S-LOGIN §4.4; D-AUTH errors).

        :param flat: the query parameters.
        :param request_object: the verified request object.
        :raises AuthorizationError: ``invalid_request``, ``invalid_scope`` or
            ``unsupported_response_type``.
        """
        for name in ("response_type", "scope"):
            if not flat.get(name):
                raise AuthorizationError(
                    "invalid_request", f"{name} must also be sent in the query string"
                )
        for name in ("client_id", "response_type"):
            if name in request_object and request_object[name] != flat[name]:
                raise AuthorizationError(
                    "invalid_request", f"{name} in the query differs from the request object"
                )
        if flat["response_type"] != "code":
            raise AuthorizationError("unsupported_response_type", "response_type must be 'code'")
        if "openid" not in flat["scope"].split():
            raise AuthorizationError("invalid_scope", "the query scope must contain openid")

    @staticmethod
    def _scopes(
        client: RegisteredClient, flat: Mapping[str, str], params: Mapping[str, Any]
    ) -> tuple[tuple[str, ...], str]:
        """Check the effective scope: ``openid``, one registered service, known data scopes.

        :param client: the client.
        :param flat: the query parameters.
        :param params: the effective parameters.
        :returns: the scopes and the service code (D-AREQ ``scope``).
        :raises AuthorizationError: ``invalid_scope`` or ``invalid_request``.
        """
        scope = _text(params, "scope") or flat["scope"]
        scopes = tuple(dict.fromkeys(scope.split()))
        if "openid" not in scopes:
            raise AuthorizationError("invalid_scope", "scope must contain openid")
        services = [
            item[len(SERVICE_SCOPE_PREFIX) :]
            for item in scopes
            if item.startswith(SERVICE_SCOPE_PREFIX)
        ]
        if len(services) != 1:
            raise AuthorizationError(
                "invalid_scope", "scope must contain exactly one service:<CODE>"
            )
        if services[0] not in client.services:
            raise AuthorizationError(
                "invalid_scope",
                f"service {services[0]!r} is not registered for {client.client_id}",
            )
        unknown = [
            item
            for item in scopes
            if item != "openid"
            and not item.startswith(SERVICE_SCOPE_PREFIX)
            and item not in DATA_SCOPES
        ]
        if unknown:
            raise AuthorizationError("invalid_scope", f"unknown scope {unknown[0]!r}")
        return scopes, services[0]

    @staticmethod
    def _claims(value: Any) -> dict[str, dict[str, Any]]:
        """Parse and normalise the ``claims`` parameter (D-AREQ ``claims``).

        :param value: a JSON string (query) or an object (request object), or ``None``.
        :returns: ``{"id_token": {...}, "userinfo": {...}}`` (members may be absent).
        :raises AuthorizationError: ``invalid_request`` when malformed.
        """
        if value is None:
            return {}
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                raise AuthorizationError("invalid_request", "claims is not valid JSON") from None
        if not isinstance(value, dict):
            raise AuthorizationError("invalid_request", "claims must be a JSON object")
        normalised: dict[str, dict[str, Any]] = {}
        for member in ("id_token", "userinfo"):
            entries = value.get(member)
            if entries is None:
                continue
            if not isinstance(entries, dict) or not all(
                entry is None or isinstance(entry, dict) for entry in entries.values()
            ):
                raise AuthorizationError(
                    "invalid_request",
                    f"claims.{member} must map claim names to null or to an object",
                )
            normalised[member] = entries
        return normalised

    @staticmethod
    def _pkce(client: RegisteredClient, params: Mapping[str, Any]) -> str | None:
        """Check ``code_challenge`` and ``code_challenge_method`` (D-AREQ; D-AUTH PKCE).

        :param client: the client (``require_pkce``).
        :param params: the effective parameters.
        :returns: the challenge, or ``None`` when PKCE is not used.
        :raises AuthorizationError: ``invalid_request``.
        """
        challenge = _text(params, "code_challenge")
        method = _text(params, "code_challenge_method")
        if challenge is None:
            if client.require_pkce:
                raise AuthorizationError(
                    "invalid_request", "PKCE is enforced: send code_challenge (S256)"
                )
            if method is not None:
                raise AuthorizationError(
                    "invalid_request", "code_challenge_method without code_challenge"
                )
            return None
        if method != PKCE_METHOD:
            raise AuthorizationError(
                "invalid_request", f"code_challenge_method must be {PKCE_METHOD}"
            )
        if not _CODE_CHALLENGE.fullmatch(challenge):
            raise AuthorizationError(
                "invalid_request", "code_challenge must be 43 base64url characters"
            )
        return challenge

    @staticmethod
    def _acr(value: Any) -> str:
        """Pick the strongest known level from ``acr_values`` (D-AREQ ``acr_values``).

        :param value: the space-separated list, or ``None``.
        :returns: the level URI; basic when nothing known was asked.
        :raises AuthorizationError: ``invalid_request`` when not a string.
        """
        if value is None:
            return ACR_BASIC
        if not isinstance(value, str):
            raise AuthorizationError("invalid_request", "acr_values must be a string")
        known = [level for level in value.split() if level in ACR_LEVELS]
        if not known:
            return ACR_BASIC
        return max(known, key=ACR_LEVELS.index)

    @staticmethod
    def _service_rules(
        service_type: ServiceType,
        scopes: tuple[str, ...],
        claims: Mapping[str, Mapping[str, Any]],
    ) -> ConfirmTemplate | None:
        """Apply the per-service rules (D-CONF; D-AUTH identification/data sharing pages).

        :param service_type: the service type.
        :param scopes: the effective scopes.
        :param claims: the normalised ``claims`` request.
        :returns: the Confirm template for Confirmation services, else ``None``.
        :raises AuthorizationError: ``invalid_request``.
        """
        if service_type == "confirm":
            try:
                return parse_template(claims.get("userinfo", {}))
            except TemplateError as exc:
                raise AuthorizationError("invalid_request", str(exc)) from None
        if service_type == "share":
            asked = any(scope in DATA_SCOPES for scope in scopes) or any(
                is_user_claim(name) for member in claims.values() for name in member
            )
            if not asked:
                raise AuthorizationError(
                    "invalid_request", "a data sharing service must request at least one claim"
                )
        return None

    def _fixed_identity(
        self, client: RegisteredClient, claims: Mapping[str, Mapping[str, Any]]
    ) -> Identity | None:
        """Resolve ``claims.userinfo.sub.value`` to a known user (D-AREQ, Confirmation row).

        :param client: the client (``sub`` is pairwise).
        :param claims: the normalised ``claims`` request.
        :returns: the identity, or ``None`` when no ``sub`` was given.
        :raises AuthorizationError: ``access_denied`` when no user has that ``sub``.
        """
        entry = claims.get("userinfo", {}).get("sub")
        if not isinstance(entry, Mapping) or "value" not in entry:
            return None
        sub = entry["value"]
        numbered = self._context.state.numbered_identities
        identity = find_by_sub(client.client_id, sub, numbered) if isinstance(sub, str) else None
        if identity is None:
            raise AuthorizationError("access_denied", "no itsme user has the requested sub")
        return identity
