"""A call to itsme has one total deadline, and redirects are never followed.

Security review (issue 9 §3): ``HTTP_TIMEOUT`` used to bound each socket read only, so a provider
trickling a byte at a time held a worker forever. The servers below trickle on loopback and stop
by themselves; pytest-timeout (120 s) is the hang guard, the assertion is the raised error.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from django_itsme.core.errors import ProviderError, TransportTimeout
from django_itsme.core.http import HttpClient
from tests.partner_host import PartnerHost

#: How many bytes the trickling servers send, one per :data:`DRIP` seconds: about 5 s in all,
#: five times the 1 s deadline under test, then they stop.
DRIPS = 50
DRIP = 0.1


class TrickleServer:
    """Answers every connection slowly: ``where`` is ``"body"`` or ``"headers"``."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(5)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/slow?code=SECRET"
        self.sent = 0
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        try:
            conn, _ = self.sock.accept()
        except OSError:
            return
        with conn:
            conn.settimeout(5)
            try:
                conn.recv(65536)
                if self.where == "body":
                    conn.sendall(f"HTTP/1.1 200 OK\r\nContent-Length: {DRIPS}\r\n\r\n".encode())
                    drip = b"x"
                else:
                    conn.sendall(b"HTTP/1.1 200 OK\r\nX-Pad: ")
                    drip = b"a"
                for _ in range(DRIPS):
                    conn.sendall(drip)
                    self.sent += 1
                    time.sleep(DRIP)
                if self.where == "headers":
                    conn.sendall(b"\r\nContent-Length: 0\r\n\r\n")
            except OSError:
                return  # the client hung up: what the deadline is for

    def close(self) -> None:
        self.sock.close()
        self._thread.join(timeout=DRIPS * DRIP + 5)


@pytest.fixture(params=["body", "headers"])
def trickle(request: pytest.FixtureRequest) -> Iterator[TrickleServer]:
    server = TrickleServer(request.param)
    yield server
    server.close()


@pytest.mark.attack
def test_a_trickling_provider_hits_the_total_deadline(trickle: TrickleServer) -> None:
    with pytest.raises(TransportTimeout) as caught:
        HttpClient(timeout=1).get(trickle.url, error=ProviderError)
    assert "SECRET" not in str(caught.value)
    assert trickle.sent < DRIPS


@pytest.mark.attack
def test_redirects_are_not_followed() -> None:
    with PartnerHost() as elsewhere, PartnerHost() as redirecting:
        target = elsewhere.publish("/stolen", "{}")
        url = redirecting.publish("/token", "", status=302, headers=[("Location", target)])
        with pytest.raises(ProviderError, match="HTTP 302") as caught:
            HttpClient(timeout=5).post_form(url, {"code": "SECRET"}, error=ProviderError)
        assert caught.value.status == 302
        assert redirecting.hits == ["/token"]
        assert elsewhere.hits == []


def _deadline_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "django-itsme-http-deadlines"]


def test_one_watchdog_thread_serves_every_call() -> None:
    """A thread per call cost each call more than the rest of our own code in it."""
    with PartnerHost() as host:
        url = host.publish("/doc", "{}")
        client = HttpClient(timeout=5)
        before = threading.active_count()
        for _ in range(20):
            client.get(url, error=ProviderError)
        assert len(_deadline_threads()) == 1
        assert threading.active_count() <= before + 1


def test_the_deadlines_of_concurrent_calls_are_each_kept() -> None:
    """A short deadline behind a long one, in another thread, still fires on time."""
    slow = TrickleServer("body")
    fast = TrickleServer("headers")
    outcome: dict[str, float] = {}

    def call(name: str, url: str, timeout: float) -> None:
        started = time.monotonic()
        with pytest.raises(TransportTimeout):
            HttpClient(timeout=timeout).get(url, error=ProviderError)
        outcome[name] = time.monotonic() - started

    try:
        long_call = threading.Thread(target=call, args=("long", slow.url, 3.0))
        long_call.start()
        time.sleep(0.2)
        call("short", fast.url, 0.5)
        long_call.join(10)
    finally:
        slow.close()
        fast.close()
    assert 0.5 <= outcome["short"] < 2.0
    assert 3.0 <= outcome["long"] < 4.5


def test_a_forked_worker_gets_its_own_watchdog(trickle: TrickleServer) -> None:
    """gunicorn forks workers from a master that may already have made calls: the child has no
    watchdog thread until it makes one, and its deadlines fire."""
    with PartnerHost() as host:
        HttpClient(timeout=5).get(host.publish("/doc", "{}"), error=ProviderError)
    assert len(_deadline_threads()) == 1
    pid = os.fork()
    if pid == 0:  # the child: exit 0 only if the deadline fired within bounds
        code = 1
        try:
            started = time.monotonic()
            HttpClient(timeout=1).get(trickle.url, error=ProviderError)
        except TransportTimeout:
            code = 0 if time.monotonic() - started < 3 else 2
        except BaseException:  # anything else is a failure, reported by the exit code
            code = 3
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
