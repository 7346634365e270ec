"""The simulator answers only requests addressed to itself (DNS rebinding).

Security review (issue 9 §3): a web page can point a DNS name it controls at 127.0.0.1 and make
the visitor's browser talk to the simulator, which answered whatever ``Host`` it was sent. It now
answers only ``127.0.0.1``, ``localhost`` or ``[::1]`` with its own port; anything else gets 421
(or 400 without a Host header) and a plain error, before any endpoint runs.
"""

from __future__ import annotations

import socket

import pytest
import requests

from django_itsme.simulator import Simulator

from .conftest import TIMEOUT


def port_of(sim: Simulator) -> int:
    return int(sim.url.rsplit(":", 1)[1])


@pytest.mark.attack
@pytest.mark.parametrize(
    "host",
    [
        "evil.example",
        "evil.example:{port}",
        "127.0.0.1.evil.example:{port}",
        "127.0.0.1:{other}",
        "127.0.0.1",
        "localhost.:{port}",
        "127.0.0.2:{port}",
        "127.0.0.1:{port}@evil.example",
        "",
    ],
)
def test_foreign_hosts_are_refused(sim: Simulator, host: str) -> None:
    port = port_of(sim)
    value = host.format(port=port, other=port + 1)
    answer = requests.get(sim.discovery_url, headers={"Host": value}, timeout=TIMEOUT)
    assert answer.status_code in (400, 421)
    assert answer.headers["Content-Type"].startswith("text/plain")
    assert sim.issuer not in answer.text
    assert "authorization_endpoint" not in answer.text


@pytest.mark.attack
def test_the_token_endpoint_is_not_reachable_under_another_name(sim: Simulator) -> None:
    answer = requests.post(
        sim.token_endpoint,
        data={"grant_type": "authorization_code"},
        headers={"Host": f"rebound.example:{port_of(sim)}"},
        timeout=TIMEOUT,
    )
    assert answer.status_code == 421


def test_a_request_without_host_is_refused(sim: Simulator) -> None:
    with socket.create_connection(("127.0.0.1", port_of(sim)), timeout=TIMEOUT) as conn:
        conn.sendall(b"GET /v2/.well-known/openid-configuration HTTP/1.0\r\n\r\n")
        status_line = conn.makefile("rb").readline()
    assert status_line.split()[1] == b"400"


@pytest.mark.parametrize("name", ["127.0.0.1", "localhost", "LOCALHOST", "[::1]"])
def test_its_own_names_are_answered(sim: Simulator, name: str) -> None:
    answer = requests.get(
        sim.discovery_url, headers={"Host": f"{name}:{port_of(sim)}"}, timeout=TIMEOUT
    )
    assert answer.status_code == 200
    assert answer.json()["issuer"] == sim.issuer
