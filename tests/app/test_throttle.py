"""What an anonymous visitor can make the site store is bounded: flow starts per client address
per minute (``FLOW_START_LIMIT``), counted in the shared ``CACHE`` alias (issue 9)."""

from __future__ import annotations

import time
import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.test import Client, RequestFactory
from pytest_django.fixtures import Settings as SettingsWrapper

from django_itsme.throttle import (
    DEFAULT_FLOW_START_LIMIT,
    FLOW_START_WINDOW,
    client_address,
    count_flow_start,
)
from tests.app.conftest import Browser, set_itsme

pytestmark = pytest.mark.simulator

ATTACKER = "203.0.113.9"
USER = "198.51.100.7"


@pytest.fixture
def reference_mode(settings: SettingsWrapper, itsme: dict[str, Any]) -> str:
    """``REQUEST_BY = "reference"`` on a fresh local-memory alias of its own; returns the alias."""
    alias = "itsme-throttle"
    settings.CACHES = {
        **settings.CACHES,
        alias: {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"throttle-{uuid.uuid4()}",
        },
    }
    set_itsme(settings, REQUEST_BY="reference", CACHE=alias)
    return alias


def start(browser: Browser, address: str, service: str = "login") -> Any:
    """A cookie-less visitor from ``address`` opens ``/itsme/login/``."""
    visitor = Client(REMOTE_ADDR=address)
    return visitor.get("/itsme/login/", {"service": service}, HTTP_HOST=browser.host)


def request_object_path(authorization_url: str) -> str:
    request_uri = parse_qs(urlsplit(authorization_url).query)["request_uri"][0]
    return urlsplit(request_uri).path


def stored_request_objects(alias: str) -> int:
    # The local-memory cache's own dict: the one way to count what it holds.
    keys = caches[alias]._cache  # type: ignore[attr-defined]
    return sum("request-object" in key for key in keys)


# ------------------------------------------------------------------ the attack


@pytest.mark.attack
def test_anonymous_starts_cannot_evict_a_waiting_users_request_object(
    browser: Browser, reference_mode: str
) -> None:
    """LocMemCache culls at 300 entries: 400 anonymous starts used to push out the request
    object itsme was about to fetch for a real user."""
    browser.client.defaults["REMOTE_ADDR"] = USER
    path = request_object_path(browser.start())
    statuses = [start(browser, ATTACKER).status_code for _ in range(400)]
    assert statuses.count(302) == DEFAULT_FLOW_START_LIMIT
    assert statuses.count(429) == 400 - DEFAULT_FLOW_START_LIMIT
    fetched = browser.get(path)  # itsme fetches the user's request object
    assert fetched.status_code == 200
    assert fetched["Content-Type"] == "application/jwt"


@pytest.mark.attack
def test_the_start_over_the_limit_stores_nothing(
    browser: Browser, settings: SettingsWrapper, reference_mode: str
) -> None:
    set_itsme(settings, FLOW_START_LIMIT=3)
    for _ in range(3):
        assert start(browser, ATTACKER).status_code == 302
    sessions, objects = Session.objects.count(), stored_request_objects(reference_mode)
    assert (sessions, objects) == (3, 3)

    refused = start(browser, ATTACKER)
    assert refused.status_code == 429
    assert refused["Retry-After"] == str(FLOW_START_WINDOW)
    assert b"Error code: too_many_flows" in refused.content
    assert "sessionid" not in refused.cookies
    assert Session.objects.count() == sessions
    assert stored_request_objects(reference_mode) == objects

    # Someone else, from another address, is not affected.
    assert start(browser, USER).status_code == 302
    assert stored_request_objects(reference_mode) == objects + 1


def test_the_refusal_is_one_failure_log_line(
    browser: Browser, settings: SettingsWrapper, caplog: pytest.LogCaptureFixture
) -> None:
    set_itsme(settings, FLOW_START_LIMIT=1)
    assert start(browser, ATTACKER).status_code == 302
    assert start(browser, ATTACKER, service="share").status_code == 429
    lines = [r.getMessage() for r in caplog.records if r.name == "django_itsme"]
    assert lines == ["itsme flow failed: code=too_many_flows service=share status=429 error=-"]


@pytest.mark.parametrize("off", [None, 0])
def test_the_limit_can_be_switched_off(
    browser: Browser, settings: SettingsWrapper, off: int | None
) -> None:
    set_itsme(settings, FLOW_START_LIMIT=off)
    assert all(start(browser, ATTACKER).status_code == 302 for _ in range(25))


def test_the_default_limit_is_never_reached_by_a_person(browser: Browser) -> None:
    """Twenty starts in a minute: far more than anyone clicking, far fewer than a script."""
    statuses = [start(browser, ATTACKER).status_code for _ in range(DEFAULT_FLOW_START_LIMIT + 1)]
    assert statuses == [302] * DEFAULT_FLOW_START_LIMIT + [429]


def test_behind_a_proxy_the_configured_header_names_the_client(
    browser: Browser, settings: SettingsWrapper
) -> None:
    set_itsme(settings, FLOW_START_LIMIT=1, CLIENT_ADDRESS_HEADER="HTTP_X_FORWARDED_FOR")
    proxy = Client(REMOTE_ADDR="10.0.0.2")  # every request arrives from the proxy

    def through_proxy(forwarded: str) -> int:
        answer = proxy.get("/itsme/login/", HTTP_HOST=browser.host, HTTP_X_FORWARDED_FOR=forwarded)
        proxy.cookies.clear()
        return int(answer.status_code)

    assert through_proxy(ATTACKER) == 302
    assert through_proxy(ATTACKER) == 429
    assert through_proxy(USER) == 302
    # A client's own X-Forwarded-For entries come first; the proxy appends the real address.
    assert through_proxy(f"192.0.2.1, {ATTACKER}") == 429


# ------------------------------------------------------------------ the counting, with a clock


@pytest.fixture
def cache() -> Any:
    alias_cache = caches["default"]
    alias_cache.clear()
    yield alias_cache
    alias_cache.clear()


T0 = 1_000_000 * FLOW_START_WINDOW  # the start of a window


def test_the_limit_is_per_client_and_forgets_after_the_window(cache: Any) -> None:
    for _ in range(4):
        assert count_flow_start(cache, ATTACKER, limit=4, now=T0 + 1)
    assert not count_flow_start(cache, ATTACKER, limit=4, now=T0 + 2)
    assert count_flow_start(cache, USER, limit=4, now=T0 + 2)
    # A minute later the last window still counts in full (a sliding window, not a reset) ...
    assert not count_flow_start(cache, ATTACKER, limit=4, now=T0 + FLOW_START_WINDOW + 1)
    # ... two minutes later it is forgotten.
    assert count_flow_start(cache, ATTACKER, limit=4, now=T0 + 2 * FLOW_START_WINDOW + 1)


def test_crossing_a_window_boundary_gives_no_second_budget(cache: Any) -> None:
    for _ in range(4):
        assert count_flow_start(cache, ATTACKER, limit=4, now=T0 + FLOW_START_WINDOW - 1)
    assert not count_flow_start(cache, ATTACKER, limit=4, now=T0 + FLOW_START_WINDOW + 1)


def test_the_previous_window_weighs_less_as_the_current_one_advances(cache: Any) -> None:
    for _ in range(4):
        assert count_flow_start(cache, ATTACKER, limit=4, now=T0)
    # Three quarters into the next window, a quarter of the previous four still counts.
    later = T0 + FLOW_START_WINDOW * 1.75
    assert [count_flow_start(cache, ATTACKER, limit=4, now=later) for _ in range(4)] == [
        True,
        True,
        True,
        False,
    ]


def test_counting_uses_the_entries_time_to_live() -> None:
    # A local-memory cache of its own, whose expiry times can be read (the suite's default alias
    # is Redis in the PostgreSQL run).
    cache = LocMemCache(f"ttl-{uuid.uuid4()}", {})
    assert count_flow_start(cache, ATTACKER, limit=1, now=T0)
    # Only a few small counters, each expiring on its own after two windows.
    counters = [key for key in cache._cache if "flow-starts" in key]
    assert len(counters) == 1
    assert 0 < cache._expire_info[counters[0]] - time.time() <= 2 * 60 + 1


# ------------------------------------------------------------------ which address


def meta(**values: str) -> Any:
    request = RequestFactory().get("/")
    request.META.update(values)
    return request


def test_default_is_remote_addr_and_headers_are_ignored() -> None:
    request = meta(REMOTE_ADDR=USER, HTTP_X_FORWARDED_FOR=ATTACKER)
    assert client_address(request, None) == USER


def test_the_header_takes_its_last_entry() -> None:
    request = meta(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=f"1.2.3.4, {USER}")
    assert client_address(request, "HTTP_X_FORWARDED_FOR") == USER


def test_a_missing_header_falls_back_to_remote_addr() -> None:
    assert client_address(meta(REMOTE_ADDR=USER), "HTTP_X_REAL_IP") == USER


def test_ipv6_clients_count_by_their_64_network() -> None:
    """One IPv6 subscriber holds a whole /64: each of its addresses is the same client."""
    first = client_address(meta(REMOTE_ADDR="2001:db8:1:2::1"), None)
    second = client_address(meta(REMOTE_ADDR="2001:db8:1:2:ffff::9"), None)
    other = client_address(meta(REMOTE_ADDR="2001:db8:1:3::1"), None)
    assert first == second == "2001:db8:1:2::/64"
    assert other != first


def test_ipv4_mapped_ipv6_is_the_ipv4_address() -> None:
    assert client_address(meta(REMOTE_ADDR="::ffff:198.51.100.7"), None) == USER


def test_garbage_in_the_header_is_a_bounded_client_name() -> None:
    request = meta(REMOTE_ADDR="10.0.0.2", HTTP_X_REAL_IP="x" * 10_000)
    assert len(client_address(request, "HTTP_X_REAL_IP")) <= 100
