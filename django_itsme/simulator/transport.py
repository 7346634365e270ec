"""The simulator's HTTP transport: a threaded loopback server that turns each request into one
:class:`~.provider.Provider` call.

Everything about sockets lives here: binding to loopback only, refusing requests whose ``Host``
header names another host (DNS rebinding), reading bodies, routing method and path to an
endpoint, the delay and raw-body faults, the request log and writing the answer. The
:class:`~.facade.Simulator` façade owns one :class:`LoopbackServer`.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .protocol import PICTURE_PATH
from .provider import Provider, single_values
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
_FORM_TYPE = "application/x-www-form-urlencoded"


def check_bind_host(host: str) -> None:
    """Refuse to bind beyond loopback.

    :param host: the bind host.
    :raises ValueError: when not one of :data:`LOOPBACK_BIND_HOSTS`.
    """
    if host not in LOOPBACK_BIND_HOSTS:
        msg = (
            f"the simulator binds to loopback only ({', '.join(LOOPBACK_BIND_HOSTS)}), not {host!r}"
        )
        raise ValueError(msg)


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
    provider: Provider,
    method: str,
    path: str,
    *,
    query: Mapping[str, list[str]],
    form: Mapping[str, list[str]],
    body: bytes,
    headers: Mapping[str, str],
) -> Response:
    """Answer one request with the provider endpoint :func:`route` names.

    :param provider: the endpoints.
    :param method: the HTTP method.
    :param path: the path.
    :param query: the parsed query string.
    :param form: the parsed form body (empty unless form-encoded).
    :param body: the raw body.
    :param headers: the request headers.
    :returns: the response (405 for a known path with another method, else 404 when unknown).
    """
    endpoint = route(method, path)
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


class LoopbackServer:
    """The provider served over HTTP on a loopback address from a daemon thread."""

    def __init__(
        self,
        provider: Provider,
        *,
        log: RequestLog,
        clock: Callable[[], float],
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        """Prepare the server (nothing listens before :meth:`start`).

        :param provider: the endpoints; its ``state.faults`` apply to every request.
        :param log: where each request is recorded before it is answered.
        :param clock: the time stamped on each logged request.
        :param host: one of :data:`LOOPBACK_BIND_HOSTS`.
        :param port: TCP port; ``0`` picks a free one at :meth:`start`.
        :raises ValueError: on a non-loopback host.
        """
        check_bind_host(host)
        self.provider = provider
        self.log = log
        self.clock = clock
        self._host = host
        self._requested_port = port
        self.port: int | None = port or None
        self._server: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Bind the port and serve from a daemon thread.

        :raises RuntimeError: when already running.
        :raises OSError: when the port cannot be bound.
        """
        if self._server is not None:
            msg = "the simulator is already running"
            raise RuntimeError(msg)
        server_class = _HTTPServerV6 if ":" in self._host else _HTTPServer
        server = server_class((self._host, self._requested_port), _Handler)
        server.transport = self
        self.port = int(server.server_address[1])
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": POLL_INTERVAL},
            name=f"itsme-simulator:{self.port}",
            daemon=True,
        )
        self._thread.start()

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

    @property
    def url(self) -> str:
        """Return the base URL, e.g. ``http://127.0.0.1:8123``.

        :returns: the URL.
        :raises RuntimeError: when the port is not known yet (port 0 before :meth:`start`).
        """
        if self.port is None:
            msg = "the simulator has no port yet: call start() first"
            raise RuntimeError(msg)
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"http://{host}:{self.port}"

    def accepts_host(self, host: str) -> bool:
        """Tell whether a request's ``Host`` header names this server.

        :param host: the header's value.
        :returns: ``True`` for 127.0.0.1, localhost or [::1] with the server's port (also
            without a port when that port is 80).
        """
        if self.port is None:
            return False
        names = {f"{name}:{self.port}" for name in OWN_HOST_NAMES}
        if self.port == 80:
            names.update(OWN_HOST_NAMES)
        return host.strip().lower() in names


class _HTTPServer(ThreadingHTTPServer):
    """Threaded server that does not wait for handler threads on close."""

    daemon_threads = True
    block_on_close = False
    transport: LoopbackServer

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

    def _handle(self) -> None:
        """Log, delay (fault), dispatch and answer one request, whatever its method (the
        provider refuses those it does not serve, and a HEAD answer has no body)."""
        method = self.command
        transport = self.server.transport
        hosts = self.headers.get_all("Host") or []
        if len(hosts) != 1 or not transport.accepts_host(hosts[0]):
            self._refuse_host(missing=len(hosts) != 1)
            return
        parts = urlsplit(self.path)
        body = self._read_body()
        content_type = self.headers.get("Content-Type", "")
        query = parse_qs(parts.query, keep_blank_values=True)
        form: dict[str, list[str]] = {}
        if content_type.split(";")[0].strip().lower() == _FORM_TYPE:
            form = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
        endpoint = route(method, parts.path)
        entry = LoggedRequest(
            method=method,
            path=parts.path,
            query=single_values(query)[0],
            headers=dict(self.headers.items()),
            body=body,
            form=single_values(form)[0],
            endpoint=endpoint,
            time=transport.clock(),
        )
        transport.log.append(entry)
        faults = transport.provider.state.faults
        delay = faults.delay_for(_DELAY_KEYS.get(endpoint or "", endpoint or ""))
        if delay > 0:
            time.sleep(delay)
        try:
            response = dispatch(
                transport.provider,
                method,
                parts.path,
                query=query,
                form=form,
                body=body,
                headers=entry.headers,
            )
        except Exception as exc:  # a bug in the simulator must not kill the thread silently
            logger.exception("simulator error on %s %s", method, parts.path)
            response = error_json("server_error", f"{type(exc).__name__}: {exc}", status=500)
        raw = faults.raw_body_for(endpoint or "")
        if raw is not None:
            kind = "application/jwt" if endpoint == "userinfo" else "application/json"
            response = Response(200, raw, [("Content-Type", kind)])
        entry.status = response.status
        self._send(response)

    # BaseHTTPRequestHandler calls do_<METHOD> (its naming); every method goes the same way.
    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _handle  # noqa: N815

    def _refuse_host(self, *, missing: bool) -> None:
        """Answer a request addressed to another host (421) or to none (400), in plain text.

        :param missing: no ``Host`` header, or several.
        """
        logger.warning("refused a request addressed to another host than the simulator")
        reason = "exactly one Host header is required" if missing else "wrong Host header"
        text = (
            f"{reason}: this is the itsme simulator, reachable as {self.server.transport.url} "
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
