"""The simulator fetches ``request_uri`` only from the loopback host it checked.

Security review (issue 9 §3): ``urllib.parse`` saw 127.0.0.1 in ``http://other\\@127.0.0.1/``
while ``requests`` connected to ``other``. The listener on 127.0.0.2 stands for "another host";
nothing leaves 127.0.0.0/8.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from django_itsme.simulator.authorization import is_loopback_url
from tests.partner_host import PartnerHost

from .conftest import RP


@pytest.fixture
def elsewhere() -> Iterator[socket.socket]:
    listener = socket.socket()
    listener.bind(("127.0.0.2", 0))
    listener.listen(5)
    listener.settimeout(0.5)
    yield listener
    listener.close()


def connected(listener: socket.socket) -> bool:
    try:
        conn, _ = listener.accept()
    except TimeoutError:
        return False
    conn.close()
    return True


@pytest.mark.attack
@pytest.mark.parametrize(
    "url",
    [
        "http://evil.example\\@127.0.0.1/ro",
        "http://127.0.0.1\\@evil.example/ro",
        "http://user@127.0.0.1@evil.example/ro",
        "http://user@127.0.0.1/ro",
        "http://127.0.0.1/r o",
        "http://127.0.0.1/ro\r\n",
    ],
)
def test_ambiguous_urls_are_not_loopback(url: str) -> None:
    assert is_loopback_url(url) is False


@pytest.mark.attack
def test_request_uri_with_a_backslash_is_not_fetched(
    rp: RP, site: PartnerHost, elsewhere: socket.socket
) -> None:
    port = elsewhere.getsockname()[1]
    good = site.publish("/ro/x", "not fetched", content_type="application/jwt")
    url = f"http://127.0.0.2:{port}\\@{good[len('http://') :]}"
    attempt = rp.authorize(via=None, query={"request_uri": url})
    assert attempt.error == "invalid_request_uri"
    assert not connected(elsewhere)
    assert "/ro/x" not in site.hits


def test_plain_loopback_urls_are_fetched() -> None:
    assert is_loopback_url("http://127.0.0.1:8000/ro/x")
    assert is_loopback_url("https://localhost/ro/x")
    assert is_loopback_url("http://[::1]:8000/ro/x")
    assert not is_loopback_url("http://10.0.0.1/ro/x")
