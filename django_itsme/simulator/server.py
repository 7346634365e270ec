"""The :class:`Simulator`: the provider served over loopback HTTP from a background thread."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, get_args
from urllib.parse import parse_qs, urlsplit

from .faults import Faults
from .identities import IDENTITIES, MAX_NUMBERED_IDENTITIES, identity_by_key
from .keys import ProviderKeys
from .protocol import PICTURE_PATH
from .provider import AuthorizationRecord, Decision, Provider, ProviderState, single_values
from .registry import ClientRegistry, RegisteredClient
from .requestlog import LoggedRequest, RequestLog
from .responses import Response, error_json, text_response

logger = logging.getLogger("django_itsme.simulator")

#: Hosts the simulator may bind to: it is a test tool and never listens beyond loopback.
LOOPBACK_BIND_HOSTS = ("127.0.0.1", "localhost", "::1")
#: The names a request's ``Host`` header may give the simulator (with its port). Anything else is
#: refused before any endpoint runs: a web page that points its own DNS name at 127.0.0.1 (DNS
#: rebinding) must not be able to talk to the simulator from the visitor's browser.
OWN_HOST_NAMES = ("127.0.0.1", "localhost", "[::1]")
#: Path prefix of every endpoint, like itsme's ``/v2`` (D-AUTH).
BASE_PATH = "/v2"
#: How often the server thread checks for a stop request, in seconds.
POLL_INTERVAL = 0.01
#: Largest request body read, in bytes.
MAX_BODY = 1_000_000

#: (method, path below /v2) -> endpoint name. The delay fault for ``decision`` uses the
#: ``authorization`` entry.
ROUTES: dict[tuple[str, str], str] = {
    ("GET", "/.well-known/openid-configuration"): "discovery",
    ("GET", "/jwkSet"): "jwks",
    ("GET", "/authorization"): "authorization",
    ("POST", "/authorization/decision"): "decision",
    ("POST", "/token"): "token",
    ("GET", "/userinfo"): "userinfo",
    ("GET", ""): "index",
    ("GET", "/"): "index",
}
#: The simulator's own root, outside /v2: the index page too (the demo links to it).
ROOT_PATH = "/"
_DELAY_KEYS = {"decision": "authorization"}


class _HTTPServer(ThreadingHTTPServer):
    """Threaded server that does not wait for handler threads on close."""

    daemon_threads = True
    block_on_close = False
    simulator: Simulator

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Log a failed connection instead of printing a traceback to stderr.

        :param request: the socket.
        :param client_address: the peer address.
        """
        logger.debug("connection from %s failed", client_address, exc_info=True)


class _HTTPServerV6(_HTTPServer):
    """The same server on IPv6 loopback."""

    address_family = socket.AF_INET6


class _Handler(BaseHTTPRequestHandler):
    """Turn HTTP requests into :class:`Provider` calls, logging every request first."""

    server: _HTTPServer
    server_version = "itsme-simulator/1"
    protocol_version = "HTTP/1.0"

    def do_GET(self) -> None:
        """Handle GET."""
        self._handle("GET")

    def do_POST(self) -> None:
        """Handle POST."""
        self._handle("POST")

    def do_PUT(self) -> None:
        """Handle PUT (always refused)."""
        self._handle("PUT")

    def do_DELETE(self) -> None:
        """Handle DELETE (always refused)."""
        self._handle("DELETE")

    def do_PATCH(self) -> None:
        """Handle PATCH (always refused)."""
        self._handle("PATCH")

    def do_HEAD(self) -> None:
        """Handle HEAD (always refused; answered without a body)."""
        self._handle("HEAD")

    def do_OPTIONS(self) -> None:
        """Handle OPTIONS (always refused)."""
        self._handle("OPTIONS")

    def log_message(self, format: str, *args: Any) -> None:
        """Send access-log lines to :data:`logger` instead of stderr.

        :param format: %-style format.
        :param args: its arguments.
        """
        logger.info("%s - %s", self.address_string(), format % args)

    def _read_body(self) -> bytes:
        """Read the request body announced by ``Content-Length``.

        :returns: the body, capped at :data:`MAX_BODY` bytes.
        """
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        return self.rfile.read(min(max(length, 0), MAX_BODY)) if length > 0 else b""

    def _handle(self, method: str) -> None:
        """Log, delay (fault), dispatch and answer one request.

        :param method: the HTTP method.
        """
        simulator = self.server.simulator
        hosts = self.headers.get_all("Host") or []
        if len(hosts) != 1 or not simulator.accepts_host(hosts[0]):
            self._refuse_host(missing=len(hosts) != 1)
            return
        parts = urlsplit(self.path)
        body = self._read_body()
        content_type = self.headers.get("Content-Type", "")
        query = parse_qs(parts.query, keep_blank_values=True)
        form: dict[str, list[str]] = {}
        if content_type.split(";")[0].strip().lower() == "application/x-www-form-urlencoded":
            form = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
        endpoint = simulator.route(method, parts.path)
        entry = LoggedRequest(
            method=method,
            path=parts.path,
            query=single_values(query)[0],
            headers=dict(self.headers.items()),
            body=body,
            form=single_values(form)[0],
            endpoint=endpoint,
            time=simulator.clock(),
        )
        simulator.log_request(entry)
        delay = simulator.faults.delay_for(_DELAY_KEYS.get(endpoint or "", endpoint or ""))
        if delay > 0:
            time.sleep(delay)
        try:
            response = simulator.dispatch(
                method, parts.path, query=query, form=form, body=body, headers=entry.headers
            )
        except Exception as exc:  # a bug in the simulator must not kill the thread silently
            logger.exception("simulator error on %s %s", method, parts.path)
            response = error_json("server_error", f"{type(exc).__name__}: {exc}", status=500)
        raw = simulator.faults.raw_body_for(endpoint or "")
        if raw is not None:
            kind = "application/jwt" if endpoint == "userinfo" else "application/json"
            response = Response(200, raw, [("Content-Type", kind)])
        entry.status = response.status
        self._send(response)

    def _refuse_host(self, *, missing: bool) -> None:
        """Answer a request addressed to another host (421) or to none (400), in plain text.

        :param missing: no ``Host`` header, or several.
        """
        logger.warning("refused a request addressed to another host than the simulator")
        simulator = self.server.simulator
        reason = "exactly one Host header is required" if missing else "wrong Host header"
        text = (
            f"{reason}: this is the itsme simulator, reachable as {simulator.url} "
            "(127.0.0.1, localhost or [::1] with its port) only.\n"
        )
        self._send(text_response(text, "text/plain; charset=utf-8", status=400 if missing else 421))

    def _send(self, response: Response) -> None:
        """Write a response.

        :param response: the response.
        """
        try:
            self.send_response(response.status)
            for name, value in response.headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(response.body)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up (e.g. its timeout fired during a delay fault).
            logger.debug("client went away before the answer to %s", self.path)


def _check_host(host: str) -> None:
    """Refuse to bind beyond loopback.

    :param host: the bind host.
    :raises ValueError: when not a loopback host.
    """
    if host not in LOOPBACK_BIND_HOSTS:
        msg = (
            f"the simulator binds to loopback only ({', '.join(LOOPBACK_BIND_HOSTS)}), not {host!r}"
        )
        raise ValueError(msg)


def _check_identity(key: str | None, numbered: int = 0) -> None:
    """Require a known identity key (or ``None``).

    :param key: identity key.
    :param numbered: how many numbered identities (``user1`` ...) exist.
    :raises ValueError: when unknown.
    """
    if key is not None and identity_by_key(key, numbered) is None:
        extra = f", user1 to user{numbered}" if numbered else ""
        msg = f"unknown identity {key!r}; known: {', '.join(IDENTITIES)}{extra}"
        raise ValueError(msg)


def _check_numbered(count: int) -> None:
    """Require a count of numbered identities within bounds.

    :param count: the count.
    :raises ValueError: when negative or above :data:`MAX_NUMBERED_IDENTITIES`.
    """
    if not 0 <= count <= MAX_NUMBERED_IDENTITIES:
        msg = f"numbered_identities must be 0 to {MAX_NUMBERED_IDENTITIES}, not {count}"
        raise ValueError(msg)


class Simulator:
    """An itsme®-compatible OpenID Provider on ``http://127.0.0.1:<port>/v2``.

    Use it as a context manager, or call :meth:`start` and :meth:`stop`.
    """

    def __init__(
        self,
        clients: Iterable[RegisteredClient] = (),
        *,
        auto_approve: str | None = None,
        keys: Mapping[str, Any] | None = None,
        port: int = 0,
        host: str = "127.0.0.1",
        clock: Callable[[], float] = time.time,
        auto_decision: Decision = "approve",
        numbered_identities: int = 0,
    ) -> None:
        """Configure the simulator (nothing listens before :meth:`start`).

        :param clients: registered clients.
        :param auto_approve: identity key that approves at once (the authorization endpoint
            redirects with a code immediately), or ``None`` to show the approval page.
        :param keys: the provider's private JWK Set (one ``sig`` RS256 and one ``enc`` RSA
            key); ``None`` generates fresh 2048-bit keys.
        :param port: TCP port; ``0`` picks a free one.
        :param host: ``127.0.0.1`` (default), ``localhost`` or ``::1``.
        :param clock: returns the current time in seconds since the epoch; inject a fake
            clock to test expiry.
        :param auto_decision: what the automatic user answers: ``"approve"`` or ``"refuse"``.
        :param numbered_identities: how many numbered test people (``user1`` ... ``userN``,
            Belgian eID card holders with all data) exist besides alice, bruno and claire, for
            load runs that need many distinct users. In auto-approve mode a request to the
            authorization endpoint may name the identity that approves it in the
            :data:`~.provider.IDENTITY_HEADER` header (the phone that answers); the ``sub``
            of a Confirm request still decides.
        :raises ValueError: on a non-loopback host, an unknown identity, a count of numbered
            identities out of range or bad keys.
        """
        _check_host(host)
        _check_numbered(numbered_identities)
        _check_identity(auto_approve, numbered_identities)
        self._check_decision(auto_decision)
        self.clock = clock
        self._host = host
        self._requested_port = port
        self._port: int | None = port or None
        self._registry = ClientRegistry(clients)
        self._keys = ProviderKeys(keys)
        self._state = ProviderState(
            auto_approve=auto_approve,
            auto_decision=auto_decision,
            numbered_identities=numbered_identities,
        )
        self._initial_decisions = (auto_approve, auto_decision)
        self._log = RequestLog()
        self._provider = Provider(
            registry=self._registry,
            keys=self._keys,
            issuer=lambda: self.issuer,
            clock=clock,
            state=self._state,
        )
        self._server: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> Simulator:
        """Bind the port and serve from a daemon thread.

        :returns: ``self``.
        :raises RuntimeError: when already running.
        """
        if self._server is not None:
            msg = "the simulator is already running"
            raise RuntimeError(msg)
        server_class = _HTTPServerV6 if ":" in self._host else _HTTPServer
        server = server_class((self._host, self._requested_port), _Handler)
        server.simulator = self
        self._port = int(server.server_address[1])
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": POLL_INTERVAL},
            name=f"itsme-simulator:{self._port}",
            daemon=True,
        )
        self._thread.start()
        logger.info("itsme simulator listening on %s", self.issuer)
        return self

    def stop(self) -> None:
        """Stop serving and release the port. Safe to call twice."""
        server, thread = self._server, self._thread
        self._server = None
        self._thread = None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    @property
    def running(self) -> bool:
        """Tell whether the server thread is serving.

        :returns: ``True`` between :meth:`start` and :meth:`stop`.
        """
        return self._server is not None

    def __enter__(self) -> Simulator:
        """Start the simulator.

        :returns: ``self``.
        """
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Stop the simulator.

        :param exc_type: exception type, if any.
        :param exc: exception, if any.
        :param traceback: traceback, if any.
        """
        self.stop()

    # ------------------------------------------------------------------ addresses

    @property
    def url(self) -> str:
        """Return the base URL, e.g. ``http://127.0.0.1:8123``.

        :returns: the URL.
        :raises RuntimeError: when the port is not known yet (port 0 before :meth:`start`).
        """
        if self._port is None:
            msg = "the simulator has no port yet: call start() first"
            raise RuntimeError(msg)
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"http://{host}:{self._port}"

    def accepts_host(self, host: str) -> bool:
        """Tell whether a request's ``Host`` header names this simulator.

        :param host: the header's value.
        :returns: ``True`` for 127.0.0.1, localhost or [::1] with the simulator's port (also
            without a port when that port is 80).
        """
        if self._port is None:
            return False
        names = {f"{name}:{self._port}" for name in OWN_HOST_NAMES}
        if self._port == 80:
            names.update(OWN_HOST_NAMES)
        return host.strip().lower() in names

    @property
    def issuer(self) -> str:
        """Return the issuer, ``url + "/v2"`` (discovery at issuer +
        ``/.well-known/openid-configuration``).

        :returns: the issuer URL.
        """
        return self.url + BASE_PATH

    @property
    def discovery_url(self) -> str:
        """Return the discovery document URL.

        :returns: the URL.
        """
        return self.issuer + "/.well-known/openid-configuration"

    @property
    def jwks_uri(self) -> str:
        """Return the provider JWKS URL.

        :returns: the URL.
        """
        return self.issuer + "/jwkSet"

    @property
    def token_endpoint(self) -> str:
        """Return the token endpoint URL (the client assertion ``aud``, D-AUTH).

        :returns: the URL.
        """
        return self.issuer + "/token"

    # ------------------------------------------------------------------ settings

    @property
    def faults(self) -> Faults:
        """Return the fault switches (change attributes; :meth:`Faults.reset` clears them).

        :returns: the live :class:`Faults` instance.
        """
        return self._state.faults

    @faults.setter
    def faults(self, value: Faults) -> None:
        """Replace the fault switches.

        :param value: the new switches.
        """
        self._state.faults = value

    @property
    def auto_approve(self) -> str | None:
        """Return the identity key that approves automatically, or ``None``.

        :returns: the key.
        """
        return self._state.auto_approve

    @auto_approve.setter
    def auto_approve(self, value: str | None) -> None:
        """Set the automatic identity (``None`` shows the approval page).

        :param value: identity key or ``None``.
        :raises ValueError: on an unknown key.
        """
        _check_identity(value, self._state.numbered_identities)
        self._state.auto_approve = value

    @property
    def numbered_identities(self) -> int:
        """Return how many numbered identities (``user1`` ...) this simulator knows.

        :returns: the count.
        """
        return self._state.numbered_identities

    @property
    def auto_decision(self) -> Decision:
        """Return what the automatic user answers.

        :returns: ``"approve"`` or ``"refuse"``.
        """
        return self._state.auto_decision

    @auto_decision.setter
    def auto_decision(self, value: Decision) -> None:
        """Set what the automatic user answers.

        :param value: ``"approve"`` or ``"refuse"``.
        :raises ValueError: on any other value.
        """
        self._check_decision(value)
        self._state.auto_decision = value

    @staticmethod
    def _check_decision(value: str) -> None:
        """Require a known decision.

        :param value: candidate.
        :raises ValueError: when unknown.
        """
        if value not in get_args(Decision):
            msg = f"auto_decision must be 'approve' or 'refuse', not {value!r}"
            raise ValueError(msg)

    # ------------------------------------------------------------------ clients and keys

    def register(self, client: RegisteredClient) -> None:
        """Register a client at runtime (replaces one with the same ``client_id``).

        :param client: the client.
        """
        self._registry.register(client)

    @property
    def clients(self) -> list[RegisteredClient]:
        """Return the registered clients.

        :returns: the clients.
        """
        return self._registry.all()

    def reset(self) -> None:
        """Back to how it was made: no faults, the constructor's automatic decisions, an empty
        request log. Keys, clients and issued codes are kept (use between tests)."""
        self.faults.reset()
        self.auto_approve, self.auto_decision = self._initial_decisions
        self.clear_log()

    def forget_client_keys(self) -> None:
        """Drop the cached client JWK Sets: the next use fetches them again, as itsme does once
        its copy expires (kept up to 60 s, or as itsme: see :meth:`cache_client_keys_like_itsme`).
        """
        self._provider.key_store.clear()

    def cache_client_keys_like_itsme(self, enabled: bool = True) -> None:
        """Keep each client JWK Set 30 minutes to 24 hours, honouring ``max-age`` in between, and
        never refetch it for an unknown ``kid``, as itsme does (D-AUTH "Key rotation
        procedure"); ``False`` goes back to the short default. Either way the cache is emptied.

        :param enabled: itsme's caching (True) or the simulator's default (False).
        """
        self._provider.key_store.cache_like_itsme(enabled)

    def rotate_keys(self, *, keep_old_encryption_key: bool = True) -> None:
        """Replace the provider's signature and encryption keys with new ones (new ``kid``
        values). The old keys leave the JWKS at once; ID tokens are signed with the new key.

        :param keep_old_encryption_key: keep decrypting request objects (and encrypted client
            assertions) made for the retired encryption key, as a provider does during a
            rotation; ``False`` refuses them (``invalid_request_object``).
        """
        self._keys.rotate(keep_old_encryption_key=keep_old_encryption_key)

    def public_jwks(self) -> dict[str, Any]:
        """Return the JWK Set served at ``/v2/jwkSet``.

        :returns: public keys only.
        """
        return self._keys.public_jwks()

    def private_jwks(self) -> dict[str, Any]:
        """Return the provider's private keys (to reuse them in a later run).

        :returns: a private JWK Set.
        """
        return self._keys.private_jwks()

    @staticmethod
    def sub_for(identity_key: str, client_id: str) -> str:
        """Return the ``sub`` a client receives for a test identity.

        :param identity_key: key in :data:`IDENTITIES`, or of a numbered identity.
        :param client_id: the partner code.
        :returns: the pairwise subject.
        :raises KeyError: on an unknown identity.
        """
        identity = identity_by_key(identity_key, MAX_NUMBERED_IDENTITIES)
        if identity is None:
            raise KeyError(identity_key)
        return identity.sub_for(client_id)

    # ------------------------------------------------------------------ observation

    @property
    def requests(self) -> list[LoggedRequest]:
        """Return a snapshot of the request log (every HTTP request served).

        :returns: the entries, oldest first.
        """
        return self._log.entries()

    def clear_log(self) -> None:
        """Empty the request log."""
        self._log.clear()

    def count(self, path_suffix: str) -> int:
        """Count logged requests whose path ends with ``path_suffix``.

        :param path_suffix: e.g. ``"/token"``.
        :returns: the count.
        """
        return self._log.count(path_suffix)

    @property
    def authorizations(self) -> list[AuthorizationRecord]:
        """Return the accepted authorization requests and their outcome.

        :returns: the records, oldest first.
        """
        return self._provider.records()

    def log_request(self, entry: LoggedRequest) -> None:
        """Append to the request log (called by the HTTP handler).

        :param entry: the request.
        """
        self._log.append(entry)

    # ------------------------------------------------------------------ dispatch

    @staticmethod
    def route(method: str, path: str) -> str | None:
        """Name the endpoint a request is for.

        :param method: the HTTP method.
        :param path: the request path.
        :returns: the endpoint name, or ``None`` when no endpoint matches.
        """
        if path == ROOT_PATH:
            return ROUTES.get((method, ""))
        if path != BASE_PATH and not path.startswith(BASE_PATH + "/"):
            return None
        below = path[len(BASE_PATH) :]
        if method == "GET" and below.startswith(PICTURE_PATH) and len(below) > len(PICTURE_PATH):
            return "picture"  # D-AREQ ``picture``: one URL per user
        return ROUTES.get((method, below))

    def dispatch(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, list[str]],
        form: Mapping[str, list[str]],
        body: bytes,
        headers: Mapping[str, str],
    ) -> Response:
        """Answer one request.

        :param method: the HTTP method.
        :param path: the path.
        :param query: the parsed query string.
        :param form: the parsed form body (empty unless form-encoded).
        :param body: the raw body.
        :param headers: the request headers.
        :returns: the response.
        """
        endpoint = self.route(method, path)
        provider = self._provider
        if endpoint == "discovery":
            return provider.discovery()
        if endpoint == "jwks":
            return provider.jwks()
        if endpoint == "authorization":
            return provider.authorization(query, headers)
        if endpoint == "decision":
            return provider.decision(form)
        if endpoint == "token":
            return provider.token(headers.get("Content-Type", ""), body)
        if endpoint == "userinfo":
            return provider.userinfo(headers.get("Authorization"))
        if endpoint == "index":
            return provider.index(query, headers)
        if endpoint == "picture":
            return provider.picture(headers.get("Authorization"), path)
        allowed = sorted(m for (m, p) in ROUTES if BASE_PATH + p == path)
        if allowed:
            return error_json(
                "invalid_request",
                f"method {method} not allowed",
                status=405,
                headers=[("Allow", ", ".join(allowed))],
            )
        return error_json("not_found", f"no endpoint at {path}", status=404)
