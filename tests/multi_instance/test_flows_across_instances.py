"""Flows whose legs land on different site instances: started on one, request object fetched
by itsme from another, finished on a third. Three gunicorn instances of two workers each share
only PostgreSQL and Redis; a proxy is the one address the simulator knows, and the test steers
each leg to the instance it names, then checks which instance served it (the X-Served-By
header, and the instance's access log for the simulator's request-object fetch)."""

from __future__ import annotations

import itertools
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from django_itsme.simulator import IDENTITY_HEADER, Simulator, pairwise_sub

from .cluster import Cluster, Instance, Proxy
from .conftest import CLIENT_ID

pytestmark = pytest.mark.simulator

ORDERS = list(itertools.permutations("ABC"))
PAYMENT = {"amount": "1250", "currency": "EUR", "iban": "BE68 5390 0754 7034"}


class SteeredBrowser:
    """A browser whose every request opens a new connection, sent to the instance named."""

    def __init__(self, proxy: Proxy) -> None:
        self.proxy = proxy
        self.session = requests.Session()
        self.session.headers["Connection"] = "close"

    def get(self, on: str, path: str, **params: str) -> requests.Response:
        with self.proxy.steer(on):
            return self.session.get(
                self.proxy.url + path, params=params, allow_redirects=False, timeout=30
            )

    def at_itsme(self, on: str, url: str, identity: str) -> dict[str, str]:
        """Visit itsme; its request-object fetch (and any JWKS fetch) goes to ``on``."""
        with self.proxy.steer(on):
            answer = requests.get(
                url, headers={IDENTITY_HEADER: identity}, allow_redirects=False, timeout=30
            )
        assert answer.status_code == 302, answer.text[:500]
        query = parse_qs(urlsplit(answer.headers["Location"]).query)
        return {name: values[0] for name, values in query.items()}


def served_by(response: requests.Response) -> str:
    return response.headers["X-Served-By"].split("/")[0]


def wait_for_line(instance: Instance, needle: str) -> bool:
    """Whether the instance's access log shows ``needle`` (gunicorn writes the line just after
    the response, so allow it a moment)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if any(needle in line for line in instance.access_lines()):
            return True
        time.sleep(0.05)
    return False


def run_flow(
    browser: SteeredBrowser,
    cluster: Cluster,
    order: tuple[str, ...],
    identity: str,
    path: str,
    **params: str,
) -> requests.Response:
    """Start on order[0], let itsme fetch the request object from order[1], finish on
    order[2]; check that each leg was served where it was sent."""
    start_on, fetch_on, finish_on = order
    start = browser.get(start_on, path, **params)
    assert start.status_code == 302, start.text[:500]
    assert served_by(start) == start_on
    authorization = parse_qs(urlsplit(start.headers["Location"]).query)
    assert "request" not in authorization  # REQUEST_BY = "reference"
    request_path = urlsplit(authorization["request_uri"][0]).path
    assert request_path.startswith("/itsme/request/")
    callback = browser.at_itsme(fetch_on, start.headers["Location"], identity)
    assert "code" in callback, callback
    assert wait_for_line(cluster.instances[fetch_on], f"GET {request_path}")
    for other in set("ABC") - {fetch_on}:
        assert not any(request_path in line for line in cluster.instances[other].access_lines())
    finish = browser.get(finish_on, "/itsme/callback/", **callback)
    assert served_by(finish) == finish_on
    return finish


@pytest.mark.parametrize("order", ORDERS, ids=["".join(order) for order in ORDERS])
def test_login_share_and_confirm_across_three_instances(
    deployment: tuple[Cluster, Proxy], simulator: Simulator, order: tuple[str, ...]
) -> None:
    cluster, proxy = deployment
    number = ORDERS.index(order) + 1
    identity = f"user{number}"
    sub = pairwise_sub(CLIENT_ID, identity)
    browser = SteeredBrowser(proxy)

    login = run_flow(browser, cluster, order, identity, "/itsme/login/", service="login")
    assert login.status_code == 302, login.text[:500]
    assert login.headers["Location"] == "/"
    # the session written by the finishing instance is the one every other instance reads
    for name in "ABC":
        home = browser.get(name, "/")
        assert served_by(home) == name
        assert home.text.startswith("home: ")
        assert home.text != "home: anonymous"
    username = home.text.removeprefix("home: ")
    assert cluster.query(
        "SELECT u.username FROM django_itsme_itsmeidentity i JOIN auth_user u ON u.id = i.user_id"
        " WHERE i.sub = %s",
        sub,
    ) == [(username,)]

    rotated = order[1:] + order[:1]
    share = run_flow(browser, cluster, rotated, identity, "/itsme/login/", service="share")
    assert share.status_code == 302, share.text[:500]
    assert browser.get(order[2], "/").text == f"home: {username}"

    rotated = rotated[1:] + rotated[:1]
    confirm = run_flow(browser, cluster, rotated, identity, "/confirm/", **PAYMENT)
    assert confirm.status_code == 302, confirm.text[:500]
    assert "confirmation=" in confirm.headers["Location"]
    rows = cluster.query("SELECT status, sub FROM django_itsme_confirmation WHERE sub = %s", sub)
    assert rows == [("approved", sub)]
    assert simulator.authorizations[-1].identity == identity

    identities = cluster.query(
        "SELECT count(*), count(DISTINCT sub) FROM django_itsme_itsmeidentity"
    )
    users = cluster.query("SELECT count(*) FROM auth_user")
    assert identities[0][0] == identities[0][1] == users[0][0]


def children(pid: int) -> list[int]:
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        fields = dict(line.split(":\t", 1) for line in text.splitlines() if ":\t" in line)
        if fields.get("PPid", "").strip() == str(pid):
            found.append(int(fields["Pid"]))
    return found


def test_each_instance_runs_two_workers(deployment: tuple[Cluster, Proxy]) -> None:
    cluster, _ = deployment
    assert sorted(cluster.instances) == ["A", "B", "C"]
    for instance in cluster.instances.values():
        assert instance.process is not None
        assert instance.process.poll() is None
        assert len(children(instance.process.pid)) == cluster.workers == 2


def test_a_request_object_is_served_by_every_instance(
    deployment: tuple[Cluster, Proxy],
) -> None:
    """The request object one instance stored (in Redis) is served, the same, by each."""
    _, proxy = deployment
    browser = SteeredBrowser(proxy)
    start = browser.get("A", "/itsme/login/", service="login")
    url = parse_qs(urlsplit(start.headers["Location"]).query)["request_uri"][0]
    path = urlsplit(url).path
    bodies: dict[str, set[Any]] = {}
    for name in "ABC":
        for _ in range(6):
            fetched = browser.get(name, path)
            assert fetched.status_code == 200
            assert fetched.headers["Content-Type"].startswith("application/jwt")
            bodies.setdefault(name, set()).add(fetched.content)
    assert len(set().union(*bodies.values())) == 1
