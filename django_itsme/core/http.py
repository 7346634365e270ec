"""One HTTP session for every call to itsme, with a deadline, a User-Agent and a size cap.

Every request failure becomes a :class:`~.errors.TransportError`; every HTTP error status becomes
the :class:`~.errors.ProviderError` subclass the caller names. Messages carry the URL's host and
path and the status, never a response body, a header value or a query string (they can hold codes
and tokens).

The timeout is a *total* deadline per call: connecting, the TLS handshake, the status line and
headers, and the body together. Socket timeouts alone bound each read, so a provider sending one
byte every few seconds would hold a worker forever (security review, issue 9). A timer shuts the
call's connection down when the deadline passes; the connection classes below tell it which
socket belongs to the call.

Proxies come from the environment (``HTTPS_PROXY``, ``HTTP_PROXY``, ``ALL_PROXY``, ``NO_PROXY``,
upper or lower case, and ``REQUESTS_CA_BUNDLE`` / ``CURL_CA_BUNDLE``), read once, when the
:class:`HttpClient` is made: requests would otherwise read and parse the whole environment
again on every call (issue 12). A change of these variables takes effect at the next start of
the process.

Calls go from a prepared request straight to requests' transport adapter: no cookie jar (one
client serves every user of the site, so a cookie set on one user's call must never be sent
with another's), no redirect machinery (redirects are answers, never followed), and none of
the per-call merging of session settings, which cost a login more than the call itself.
"""

from __future__ import annotations

import contextlib
import functools
import heapq
import ipaddress
import itertools
import os
import socket
import threading
import time
import urllib.request
from collections.abc import Mapping
from types import TracebackType
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from django_itsme import __version__

from .environments import connection_host
from .errors import ProviderError, TransportError, TransportTimeout

__all__ = ["DEFAULT_TIMEOUT", "MAX_RESPONSE_BYTES", "HttpClient", "Response"]

#: Seconds a whole call to itsme may take (connect, headers and body). Logins are interactive: a
#: user waiting more than a few seconds on the callback page retries anyway, and workers must
#: not hang.
DEFAULT_TIMEOUT = 10.0
#: The largest body we read. A nested ID token with a photo is tens of kilobytes; anything near
#: this size is not an itsme answer.
MAX_RESPONSE_BYTES = 1024 * 1024
USER_AGENT = f"django-itsme/{__version__} (+https://pypi.org/project/django-itsme/)"
#: Bytes read at a time; the deadline is also checked between reads.
_CHUNK_BYTES = 16 * 1024


class _Deadline:
    """One call's time budget: when it runs out, every socket of the call is shut down, which
    wakes a read blocked in the calling thread (it then fails or sees the end of the stream)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self.finished = False
        self._lock = threading.Lock()
        # Duplicated descriptors of the call's sockets: shutting one down stops the connection
        # even after TLS wrapping detached the original socket object; closed when the call ends.
        self._sockets: list[socket.socket] = []

    def watch(self, sock: socket.socket | None) -> None:
        if sock is None:
            return
        try:
            duplicate = socket.socket(fileno=os.dup(sock.fileno()))
        except OSError:
            return
        with self._lock:
            self._sockets.append(duplicate)
            if self.expired:
                _shut_down(duplicate)

    def expire(self) -> None:
        """Called by the watchdog when the time is up (never after the call has finished)."""
        with self._lock:
            if self.finished:
                return
            self.expired = True
            for sock in self._sockets:
                _shut_down(sock)

    def __enter__(self) -> _Deadline:
        _current.deadline = self
        _WATCHDOG.watch(self, time.monotonic() + self.seconds)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        _current.deadline = None
        with self._lock:
            self.finished = True
            for sock in self._sockets:
                sock.close()
            self._sockets.clear()


class _Watchdog:
    """One thread per process that expires the deadlines of calls still running when their time
    is up (a ``threading.Timer`` per call started and stopped a thread for every call to itsme).

    Started on first use, and again in a forked worker, which inherits the structure but not the
    thread. Finished calls leave their entry behind; it is dropped when its time comes, so the
    heap holds at most the calls of one timeout's worth of time.
    """

    def __init__(self) -> None:
        self._condition = threading.Condition(threading.Lock())
        self._heap: list[tuple[float, int, _Deadline]] = []
        self._order = itertools.count()
        self._pid: int | None = None

    def after_fork_in_child(self) -> None:
        """A fresh lock and no thread: the parent's thread may have held the lock at the fork."""
        self._condition = threading.Condition(threading.Lock())
        self._heap = []
        self._pid = None

    def watch(self, deadline: _Deadline, when: float) -> None:
        with self._condition:
            if self._pid != os.getpid():
                self._start()
            heapq.heappush(self._heap, (when, next(self._order), deadline))
            if self._heap[0][2] is deadline:
                self._condition.notify()  # the earliest now: the thread must wake sooner

    def _start(self) -> None:
        self._pid = os.getpid()
        thread = threading.Thread(target=self._run, name="django-itsme-http-deadlines")
        thread.daemon = True
        thread.start()

    def _run(self) -> None:
        pid = os.getpid()
        with self._condition:
            while self._pid == pid:
                now = time.monotonic()
                while self._heap and self._heap[0][0] <= now:
                    heapq.heappop(self._heap)[2].expire()
                wait = self._heap[0][0] - now if self._heap else None
                self._condition.wait(wait)


_WATCHDOG = _Watchdog()
os.register_at_fork(after_in_child=_WATCHDOG.after_fork_in_child)


def _shut_down(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed by its owner
        sock.shutdown(socket.SHUT_RDWR)


#: The deadline of the call the current thread is making (connections are opened and reused in
#: the thread that makes the call).
_current = threading.local()


def _watch(sock: socket.socket | None) -> None:
    deadline: _Deadline | None = getattr(_current, "deadline", None)
    if deadline is not None:
        deadline.watch(sock)


class _WatchedHTTPConnection(HTTPConnection):
    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        _watch(sock)
        return sock

    def request(self, *args: Any, **kwargs: Any) -> None:
        _watch(self.sock)  # a kept-alive connection reused by this call
        super().request(*args, **kwargs)


class _WatchedHTTPSConnection(HTTPSConnection):
    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        _watch(sock)  # before the TLS handshake, which the deadline covers too
        return sock

    def request(self, *args: Any, **kwargs: Any) -> None:
        _watch(self.sock)
        super().request(*args, **kwargs)


class _WatchedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


_WATCHED_POOLS: dict[str, type[HTTPConnectionPool]] = {
    "http": _WatchedHTTPConnectionPool,
    "https": _WatchedHTTPSConnectionPool,
}


class _DeadlineAdapter(HTTPAdapter):
    """requests' adapter with connection pools whose sockets the call's deadline can stop."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = dict(_WATCHED_POOLS)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if isinstance(manager, urllib3.ProxyManager):
            manager.pool_classes_by_scheme = dict(_WATCHED_POOLS)
        return manager


class Response:
    """The parts of an HTTP answer the core reads: status, content type, body."""

    __slots__ = ("body", "content_type", "headers", "status")

    def __init__(self, status: int, content_type: str, body: bytes, headers: Mapping[str, str]):
        self.status = status
        self.content_type = content_type
        self.body = body
        self.headers = headers

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


@functools.lru_cache(maxsize=256)  # a handful of itsme endpoints, described on every call
def describe_url(url: str) -> str:
    """The host and path of ``url``, without user name, query string or unprintable characters:
    safe to show in an error."""
    try:
        parts = urlsplit(url)
        netloc = parts.netloc.rpartition("@")[2]
        text = f"{parts.scheme}://{netloc}{parts.path}"
    except ValueError:
        text = "an unparsable URL"
    return "".join(ch if ch.isprintable() and ch.isascii() else "?" for ch in text)[:200]


class HttpClient:
    """The single place the core speaks HTTP.

    :param timeout: seconds a whole call may take (connect, headers and body).
    :param session: a ``requests.Session`` to reuse (connection pooling); one is made otherwise.
        Its ``http://`` and ``https://`` adapters are replaced by ones the deadline can stop,
        and it stops reading the environment on each call (``trust_env`` off): the proxy
        variables are read here, once (see the module's docstring). Calls go straight to its
        transport adapter with its ``headers``, ``verify`` and ``cert``; its cookie jar, hooks,
        ``auth`` and ``params`` are not used (a cookie itsme sets on one user's call must not
        ride along with the next user's, and nothing the core sends needs them).
    :ivar proxies: the proxies read from the environment, by URL scheme.
    """

    def __init__(
        self, *, timeout: float = DEFAULT_TIMEOUT, session: requests.Session | None = None
    ) -> None:
        self.timeout = timeout
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT
        adapter = _DeadlineAdapter()
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.proxies: dict[str, str] = {}
        self._no_proxy: tuple[str, ...] = ()
        if self.session.trust_env:
            self._read_environment()
            self.session.trust_env = False

    def _read_environment(self) -> None:
        """What requests would read from the environment on every call, read once."""
        found = urllib.request.getproxies()
        self._no_proxy = tuple(
            entry.strip().lower()
            for entry in found.pop("no", "").replace(" ", ",").split(",")
            if entry.strip()
        )
        self.proxies = {scheme: url for scheme, url in found.items() if url}
        bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
        if bundle and self.session.verify is True:
            self.session.verify = bundle

    def _proxies_for(self, url: str) -> dict[str, str] | None:
        """The proxies of a call to ``url``: none for a ``NO_PROXY`` host."""
        if not self.proxies:
            return None
        parts = urlsplit(url)
        if _bypasses_proxy(parts.hostname or "", parts.port, self._no_proxy):
            return None
        return self.proxies

    def get(
        self,
        url: str,
        *,
        error: type[ProviderError],
        headers: Mapping[str, str] | None = None,
        accept_statuses: tuple[int, ...] = (200,),
    ) -> Response:
        """GET ``url``.

        :param error: the ProviderError subclass raised for an unexpected status.
        :param accept_statuses: statuses returned to the caller instead of raising.
        :raises TransportError: on network failure or timeout.
        :raises ProviderError: (``error``) on any other status or an oversized body.
        """
        return self._send("GET", url, error=error, headers=headers, accept=accept_statuses)

    def post_form(
        self,
        url: str,
        data: Mapping[str, str],
        *,
        error: type[ProviderError],
        accept_statuses: tuple[int, ...] = (200,),
    ) -> Response:
        """POST ``data`` as ``application/x-www-form-urlencoded`` (D-AUTH "Token Request")."""
        return self._send("POST", url, error=error, data=data, accept=accept_statuses)

    def _send(
        self,
        method: str,
        url: str,
        *,
        error: type[ProviderError],
        accept: tuple[int, ...],
        headers: Mapping[str, str] | None = None,
        data: Mapping[str, str] | None = None,
    ) -> Response:
        where = describe_url(url)
        if connection_host(url) is None:
            # Userinfo, a backslash or a control character: requests would connect to another
            # host than the one every check looked at (security review, issue 9).
            raise error(f"{method} {where}: refusing a URL whose host is ambiguous.")
        prepared = requests.PreparedRequest()
        prepared.prepare(
            method=method,
            url=url,
            headers={**self.session.headers, **(headers or {})},
            data=urlencode(data).encode("ascii") if data is not None else None,
        )
        if data is not None:
            prepared.headers["Content-Type"] = "application/x-www-form-urlencoded"
        too_slow = f"{method} {where} did not answer within {self.timeout:g} s."
        with _Deadline(self.timeout) as deadline:
            try:
                # The transport adapter directly: no cookie jar (nothing one user's call received
                # is sent with another's), no redirects, no environment (read once, above).
                adapter = self.session.get_adapter(url)
                answer = adapter.send(
                    prepared,
                    stream=True,
                    timeout=self.timeout,
                    verify=True if self.session.verify is None else self.session.verify,
                    cert=self.session.cert,
                    proxies=self._proxies_for(url) or {},
                )
                with answer:
                    body = _read_capped(answer, deadline)
                    status = answer.status_code
                    content_type = answer.headers.get("Content-Type", "")
                    answer_headers = dict(answer.headers)
            except requests.Timeout as exc:
                raise TransportTimeout(too_slow) from exc
            except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
                if deadline.expired:
                    raise TransportTimeout(too_slow) from exc
                raise TransportError(f"{method} {where} failed: {type(exc).__name__}.") from exc
            if deadline.expired:
                # The shut-down connection may have looked like the end of a complete answer.
                raise TransportTimeout(too_slow)
        if body is None:
            raise error(f"{method} {where} answered more than {MAX_RESPONSE_BYTES} bytes.")
        if status not in accept:
            raise error(f"{method} {where} answered HTTP {status}.", status=status)
        return Response(status, content_type, body, answer_headers)


def _bypasses_proxy(host: str, port: int | None, no_proxy: tuple[str, ...]) -> bool:
    """Whether ``NO_PROXY`` sends a call to ``host`` direct, as requests and urllib read it:
    ``*`` for every host, a host name and its subdomains (a leading dot optional), an address,
    a CIDR network, each optionally with ``:port``."""
    host = host.lower()
    try:
        address: ipaddress.IPv4Address | ipaddress.IPv6Address | None = ipaddress.ip_address(host)
    except ValueError:
        address = None
    for entry in no_proxy:
        if entry == "*":
            return True
        name, _, entry_port = entry.rpartition(":") if entry.count(":") == 1 else (entry, "", "")
        if entry_port and entry_port != str(port):
            continue
        name = name.lstrip(".")
        if address is not None:
            try:
                if address in ipaddress.ip_network(name, strict=False):
                    return True
            except ValueError:
                continue
        elif host == name or host.endswith("." + name):
            return True
    return False


def _read_capped(answer: requests.Response, deadline: _Deadline) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    for chunk in answer.iter_content(chunk_size=_CHUNK_BYTES):
        if deadline.expired:
            break
        size += len(chunk)
        if size > MAX_RESPONSE_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)
