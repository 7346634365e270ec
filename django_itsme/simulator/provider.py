"""The OpenID Provider's endpoints as plain functions of a request, returning a
:class:`~django_itsme.simulator.responses.Response`. No sockets here; see ``transport``."""

from __future__ import annotations

import secrets
import threading
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .authorization import AuthorizationError, AuthorizationRequest, AuthorizationValidator
from .context import Decision, ProviderContext, ProviderState
from .discovery import discovery_document, endpoint_urls
from .expiring import ExpiringMap
from .grants import AccessTokenStore, CodeStore, Grant
from .identities import IDENTITIES, Identity, identity_by_key
from .issuing import TokenIssuer
from .keys import ProviderKeys
from .page_texts import choose_language, language_from_accept
from .pages import ApprovalView, IndexView, approval_page, error_page, index_page
from .protocol import TOKEN_LIFETIME
from .registry import ClientKeyStore, ClientRegistry, KeyFetchError
from .responses import (
    Response,
    error_json,
    html_response,
    json_response,
    redirect,
    text_response,
)
from .tokens import ClientAuthenticator, TokenError, check_grant_type, redeem_code

#: How long an approval page stays usable, in seconds.
TRANSACTION_LIFETIME = 600.0
#: How many accepted authorization requests :meth:`Provider.records` keeps (the newest): enough
#: for any test to look back at, bounded for a long load run.
MAX_RECORDS = 10_000
_FORM_TYPE = "application/x-www-form-urlencoded"
#: In auto-approve mode, the request header naming the test identity that approves (the phone
#: that answers); a simulator convenience for load runs, never part of itsme's protocol.
IDENTITY_HEADER = "X-Simulator-Identity"


@dataclass
class AuthorizationRecord:
    """An accepted authorization request and what became of it.

    :param request_object: the decrypted and verified request object claims.
    :param jws_header: the request object's JWS header.
    :param jwe_header: the request object's JWE header.
    :param query: the query parameters (first value of each).
    :param request: the full validated request.
    :param identity: key of the identity that decided, once known.
    :param decision: ``"approve"``, ``"refuse"``, or ``None`` while pending.
    :param code: the issued authorization code, after approval.
    """

    request_object: dict[str, Any]
    jws_header: dict[str, Any]
    jwe_header: dict[str, Any]
    query: dict[str, str]
    request: AuthorizationRequest
    identity: str | None = None
    decision: Decision | None = None
    code: str | None = None

    @property
    def client_id(self) -> str:
        """Return the client's id.

        :returns: the partner code.
        """
        return self.request.client.client_id


@dataclass
class _Transaction:
    """An approval page waiting for the user's decision.

    :param record: the record to complete.
    :param expires: clock time after which the decision is refused.
    """

    record: AuthorizationRecord
    expires: float


def single_values(parsed: Mapping[str, list[str]]) -> tuple[dict[str, str], list[str]]:
    """Flatten ``parse_qs`` output and report duplicated names.

    :param parsed: name -> values.
    :returns: name -> first value, and the names given more than once.
    """
    flat = {name: values[0] for name, values in parsed.items() if values}
    duplicated = [name for name, values in parsed.items() if len(values) > 1]
    return flat, duplicated


def _header(headers: Mapping[str, str], name: str) -> str:
    """Read a request header whatever its case.

    :param headers: the headers.
    :param name: the header name.
    :returns: its value, or ``""``.
    """
    wanted = name.lower()
    return next((value for key, value in headers.items() if key.lower() == wanted), "")


class Provider:
    """All endpoints of the simulated itsme® OpenID Provider."""

    def __init__(
        self,
        *,
        registry: ClientRegistry,
        keys: ProviderKeys,
        issuer: Callable[[], str],
        clock: Callable[[], float],
        state: ProviderState,
    ) -> None:
        """Wire the endpoint logic together.

        :param registry: registered clients.
        :param keys: the provider keys.
        :param issuer: returns the issuer URL.
        :param clock: returns the current time.
        :param state: faults and automatic-approval settings.
        """
        self.registry = registry
        self.keys = keys
        self.state = state
        self.key_store = ClientKeyStore(clock)
        self._issuer = issuer
        self._clock = clock
        context = ProviderContext(
            registry=registry,
            keys=keys,
            key_store=self.key_store,
            issuer=issuer,
            clock=clock,
            state=state,
        )
        self._validator = AuthorizationValidator(context)
        self._authenticator = ClientAuthenticator(context)
        self._issuing = TokenIssuer(context)
        self.codes = CodeStore(clock)
        self.tokens = AccessTokenStore(clock)
        self._lock = threading.Lock()
        # The last MAX_RECORDS accepted requests, for tests and the load run to inspect.
        self._records: deque[AuthorizationRecord] = deque(maxlen=MAX_RECORDS)
        self._transactions: ExpiringMap[str, _Transaction] = ExpiringMap(clock)

    # ------------------------------------------------------------------ records

    def records(self) -> list[AuthorizationRecord]:
        """Return the accepted authorization requests so far.

        :returns: the records, oldest first.
        """
        with self._lock:
            return list(self._records)

    # ------------------------------------------------------------------ metadata

    def discovery(self) -> Response:
        """Serve the discovery document (D-AUTH "itsme® Discovery Document").

        :returns: the response.
        """
        status = self.state.faults.discovery_status
        if status is not None:
            return error_json("temporary_unavailable", "injected fault", status=status)
        faults = self.state.faults
        return json_response(
            discovery_document(
                self._issuer(),
                encryption_algs=faults.request_object_encryption_algs,
                encryption_encs=faults.request_object_encryption_encs,
                client_secret=not faults.discovery_private_key_jwt_only,
            )
        )

    def jwks(self) -> Response:
        """Serve the provider's public keys.

        :returns: the response.
        """
        status = self.state.faults.jwks_status
        if status is not None:
            return error_json("temporary_unavailable", "injected fault", status=status)
        return json_response(self.keys.public_jwks())

    def index(self, query: Mapping[str, list[str]], headers: Mapping[str, str]) -> Response:
        """Serve the simulator's home page: what it is, its endpoints and test identities.

        :param query: the parsed query string (``ui_locales`` picks the language).
        :param headers: the request headers (``Accept-Language``; ``Accept`` asking for JSON
            and not HTML gets the same facts as JSON).
        :returns: the HTML page, or the JSON document.
        """
        issuer = self._issuer()
        urls = endpoint_urls(issuer)
        endpoints = {
            "endpoint_discovery": ("GET", issuer + "/.well-known/openid-configuration"),
            "endpoint_jwks": ("GET", urls["jwks_uri"]),
            "endpoint_authorization": ("GET", urls["authorization_endpoint"]),
            "endpoint_token": ("POST", urls["token_endpoint"]),
            "endpoint_userinfo": ("GET", urls["userinfo_endpoint"]),
        }
        accept = _header(headers, "Accept").lower()
        if "application/json" in accept and "text/html" not in accept:
            return json_response(
                {
                    "simulator": "itsme",
                    "issuer": issuer,
                    **{name.removeprefix("endpoint_"): url for name, (_, url) in endpoints.items()},
                    "identities": sorted(IDENTITIES),
                }
            )
        flat, _ = single_values(query)
        wanted = flat.get("ui_locales")
        language = (
            choose_language(wanted)
            if wanted
            else language_from_accept(_header(headers, "Accept-Language"))
        )
        view = IndexView(
            issuer=issuer,
            endpoints=endpoints,
            identities=list(IDENTITIES.values()),
            clients=self.registry.all(),
            language=language,
        )
        return html_response(index_page(view))

    # ------------------------------------------------------------------ authorization

    def authorization(
        self, query: Mapping[str, list[str]], headers: Mapping[str, str] | None = None
    ) -> Response:
        """Handle ``GET /v2/authorization`` (D-AREQ).

        :param query: the parsed query string.
        :param headers: the request headers; in auto-approve mode :data:`IDENTITY_HEADER`
            names the approving identity.
        :returns: a redirect (code or error), the approval page or an error page.
        """
        chosen = _header(headers or {}, IDENTITY_HEADER)
        numbered = self.state.numbered_identities
        if chosen and identity_by_key(chosen, numbered) is None:
            page = error_page("invalid_request", f"unknown test identity in {IDENTITY_HEADER}")
            return html_response(page, status=400)
        try:
            request = self._validator.validate(query)
        except AuthorizationError as exc:
            return self._authorization_error(exc)
        flat, _ = single_values(query)
        forced = self._forced_error(request, flat)
        if forced is not None:
            return self._authorization_error(forced)
        record = AuthorizationRecord(
            request_object=request.request_object,
            jws_header=request.jws_header,
            jwe_header=request.jwe_header,
            query=flat,
            request=request,
        )
        with self._lock:
            self._records.append(record)
        auto = self.state.auto_approve
        if auto is not None:
            identity = request.fixed_identity or identity_by_key(chosen or auto, numbered)
            if identity is None:
                page = error_page("server_error", f"auto_approve names no identity: {auto!r}")
                return html_response(page, status=500)
            return self._finish(record, identity, self.state.auto_decision)
        return self._approval(record)

    def _forced_error(
        self, request: AuthorizationRequest, query: Mapping[str, str]
    ) -> AuthorizationError | None:
        """The error the :attr:`~.faults.Faults.authorization_error` switch asks for, if any.

        :param request: the validated request.
        :param query: its query parameters.
        :returns: the error, ready to redirect, or None when the switch is off.
        """
        faults = self.state.faults
        if faults.authorization_error is None:
            return None
        description = faults.authorization_error_description
        forced = AuthorizationError(
            faults.authorization_error,
            "injected error" if description is None else description,
        )
        forced.redirect_uri = request.redirect_uri
        # itsme reads state from the request object; when it refuses that object, only a
        # state the query string carried can come back (protocol notes §9.1).
        about_object = forced.error in ("invalid_request_object", "invalid_request_uri")
        forced.state = query.get("state") if about_object else request.state
        return forced

    def _authorization_error(self, exc: AuthorizationError) -> Response:
        """Turn a refused request into a redirect or an error page (D-AUTH errors).

        :param exc: the error.
        :returns: the response.
        """
        if exc.redirect_uri is None:
            return html_response(error_page(exc.error, exc.description), status=400)
        return self._error_redirect(exc.redirect_uri, exc.error, exc.description, exc.state)

    def _error_redirect(
        self, redirect_uri: str, error: str, description: str, state: str | None
    ) -> Response:
        """Redirect an ``error`` back to the client (D-AUTH: ``error``, optional
        ``error_description``, and ``state`` when known and not switched off).

        :param redirect_uri: the validated redirect URI.
        :param error: the OAuth error code.
        :param description: the text; empty sends none.
        :param state: the ``state`` to echo, if known.
        :returns: the redirect.
        """
        if self.state.faults.error_redirect_without_state:
            state = None
        return redirect(
            redirect_uri,
            {"error": error, "error_description": description or None, "state": state},
        )

    def _approval(self, record: AuthorizationRecord) -> Response:
        """Show the approval page and remember the transaction.

        :param record: the accepted request.
        :returns: the HTML page.
        """
        transaction = secrets.token_urlsafe(24)
        with self._lock:
            expires = self._clock() + TRANSACTION_LIFETIME
            self._transactions.put(transaction, _Transaction(record, expires), forget_at=expires)
        request = record.request
        view = ApprovalView(
            transaction=transaction,
            action=urlsplit(self._issuer()).path + "/authorization/decision",
            client_id=request.client.client_id,
            service_code=request.service_code,
            service_type=request.service_type,
            acr=request.acr,
            requested=request.requested_claim_names(),
            template=request.template,
            identities=list(IDENTITIES.values()),
            fixed_identity=request.fixed_identity,
            language=choose_language(request.params.get("ui_locales")),
        )
        return html_response(approval_page(view))

    def decision(self, form: Mapping[str, list[str]]) -> Response:
        """Handle the approval form (``POST /v2/authorization/decision``).

        :param form: the parsed form body: ``transaction``, ``decision``, ``identity``.
        :returns: the redirect to the client, or an error page.
        """
        flat, _ = single_values(form)
        with self._lock:
            transaction = self._transactions.pop(flat.get("transaction", ""))
        if transaction is None or transaction.expires <= self._clock():
            page = error_page("invalid_request", "unknown, used or expired transaction")
            return html_response(page, status=400)
        language = choose_language(transaction.record.request.params.get("ui_locales"))
        decision: Decision
        if flat.get("decision") == "approve":
            decision = "approve"
        elif flat.get("decision") == "refuse":
            decision = "refuse"
        else:
            page = error_page("invalid_request", "decision must be approve or refuse", language)
            return html_response(page, status=400)
        record = transaction.record
        identity = record.request.fixed_identity or identity_by_key(
            flat.get("identity", ""), self.state.numbered_identities
        )
        if identity is None and decision == "approve":
            page = error_page("invalid_request", "choose one of the test identities", language)
            return html_response(page, status=400)
        return self._finish(record, identity, decision)

    def _finish(
        self, record: AuthorizationRecord, identity: Identity | None, decision: Decision
    ) -> Response:
        """Complete an authorization: issue a code or refuse (D-AREQ "Response"; D-AUTH).

        :param record: the accepted request.
        :param identity: who decided (may be ``None`` for a refusal).
        :param decision: approve or refuse.
        :returns: the redirect to the client.
        """
        request = record.request
        record.identity = identity.key if identity is not None else None
        record.decision = decision
        if decision == "refuse" or identity is None:
            return self._error_redirect(
                request.redirect_uri, "access_denied", "the user refused the request", request.state
            )
        grant = Grant(
            request=request, identity=identity, acr=request.acr, auth_time=int(self._clock())
        )
        record.code = self.codes.issue(grant)
        return redirect(request.redirect_uri, {"code": record.code, "state": request.state})

    # ------------------------------------------------------------------ token

    def token(self, content_type: str, body: bytes) -> Response:
        """Handle ``POST /v2/token`` (D-AUTH "Token Request").

        :param content_type: the request's ``Content-Type``.
        :param body: the raw body.
        :returns: the token response or a JSON error.
        """
        faults = self.state.faults
        if faults.token_status is not None:
            error = "temporary_unavailable" if faults.token_status >= 500 else "invalid_request"
            return error_json(error, "injected fault", status=faults.token_status)
        if faults.token_error is not None:
            member = "error_description" if faults.token_error_in_error_description else "detail"
            return json_response(
                {"error": faults.token_error, member: f"injected {faults.token_error}"},
                status=400,
                headers=[("Cache-Control", "no-store")],
            )
        try:
            payload = self._token(content_type, body)
        except TokenError as exc:
            return error_json(exc.error, exc.detail, status=exc.status)
        if faults.token_malformed_json:
            return text_response('{"access_token": "', "application/json")
        return json_response(
            payload, headers=[("Cache-Control", "no-store"), ("Pragma", "no-cache")]
        )

    def _token(self, content_type: str, body: bytes) -> dict[str, Any]:
        """Validate a token request and issue the tokens.

        :param content_type: the request's ``Content-Type``.
        :param body: the raw body.
        :returns: the JSON token response.
        :raises TokenError: on any violation.
        """
        if content_type.split(";", maxsplit=1)[0].strip().lower() != _FORM_TYPE:
            raise TokenError("invalid_request", f"the body must be {_FORM_TYPE}")
        try:
            parsed = parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
        except UnicodeDecodeError:
            raise TokenError("invalid_request", "the body is not UTF-8") from None
        form, duplicated = single_values(parsed)
        if duplicated:
            raise TokenError("invalid_request", f"parameter {duplicated[0]} is duplicated")
        check_grant_type(form)
        client = self._authenticator.authenticate(form)
        grant = redeem_code(self.codes, client, form)
        try:
            id_token = self._issuing.id_token(grant)
        except KeyFetchError as exc:
            raise TokenError("invalid_client", str(exc)) from None
        return {
            "access_token": self.tokens.issue(grant),
            "token_type": "Bearer",
            "id_token": id_token,
            "expires_in": TOKEN_LIFETIME,
        }

    # ------------------------------------------------------------------ userinfo

    def userinfo(self, authorization: str | None) -> Response:
        """Handle ``GET /v2/userinfo`` (D-AUTH "UserInfo Request").

        :param authorization: the ``Authorization`` header, if any.
        :returns: the nested JWT, or an error (protocol notes §9.3).
        """
        faults = self.state.faults
        if faults.userinfo_status is not None:
            return error_json("invalid_request", "injected fault", status=faults.userinfo_status)
        if faults.userinfo_invalid_token is not None:
            return _invalid_token(faults.userinfo_invalid_token)
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return error_json(
                "invalid_request",
                "send the access token as Authorization: Bearer <token>",
                status=401,
                headers=[("WWW-Authenticate", 'Bearer realm="itsme-simulator"')],
            )
        grant = self.tokens.lookup(token.strip())
        if grant is None:
            challenge = (
                'Bearer realm="itsme-simulator", error="invalid_token", '
                'error_description="unknown or expired access token"'
            )
            return error_json(
                "invalid_token",
                "unknown or expired access token",
                status=401,
                headers=[("WWW-Authenticate", challenge)],
            )
        content_type = faults.userinfo_content_type or "application/jwt"
        if faults.userinfo_malformed:
            return text_response("this is not a JWT", content_type)
        try:
            document = self._issuing.userinfo(grant)
        except KeyFetchError as exc:
            return error_json("invalid_request", str(exc))
        return text_response(document, content_type)

    def picture(self, authorization: str | None, path: str) -> Response:
        """Handle ``GET /v2/picture/<sub>``: the ID photo behind a ``picture`` URL, for the
        access token of that user's grant only (D-AREQ ``picture``; protocol notes §4.3).

        :param authorization: the ``Authorization`` header, if any.
        :param path: the request path (it ends with the user's ``sub``).
        :returns: the JPEG, or a 401/404 JSON error.
        """
        scheme, _, token = (authorization or "").partition(" ")
        grant = self.tokens.lookup(token.strip()) if scheme.lower() == "bearer" else None
        if grant is None:
            return error_json(
                "invalid_token",
                "send a valid access token as Authorization: Bearer <token>",
                status=401,
                headers=[("WWW-Authenticate", 'Bearer realm="itsme-simulator"')],
            )
        photo = self._issuing.picture(grant, path.rsplit("/", 1)[-1])
        if photo is None:
            return error_json("not_found", "no picture for this user", status=404)
        return Response(200, photo, [("Content-Type", "image/jpeg"), ("Cache-Control", "no-store")])


def _invalid_token(where: str) -> Response:
    """A userinfo 401 ``invalid_token`` (RFC 6750 §3.1), told in the header, the body or both.

    :param where: ``"header"``, ``"body"`` or ``"both"`` (see ``Faults.userinfo_invalid_token``).
    :returns: the response.
    """
    in_header = where in ("header", "both")
    challenge = 'Bearer realm="itsme-simulator"'
    if in_header:
        challenge += ', error="invalid_token", error_description="injected invalid_token"'
    headers = [("WWW-Authenticate", challenge)]
    if where in ("body", "both"):
        return error_json("invalid_token", "injected invalid_token", status=401, headers=headers)
    return Response(401, b"", [("Cache-Control", "no-store"), *headers])
