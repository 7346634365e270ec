"""A ``state`` is redeemed once: a replayed callback, even one that races the first, or one that
comes back after a failure the session could not record, never reaches the token endpoint again.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

from django_itsme.models import Confirmation
from django_itsme.simulator import Simulator
from tests.app import racing_sessions
from tests.app.conftest import Browser, set_itsme

pytestmark = pytest.mark.simulator


@pytest.fixture(params=["default", "dummy"])
def spent_states_in(request: pytest.FixtureRequest, settings: SettingsWrapper, itsme: Any) -> str:
    """The ``CACHE`` alias: the test project's cache, or one that stores nothing (the session
    alone must then record the spent state, before anything is redeemed)."""
    alias = str(request.param)
    if alias == "dummy":
        dummy = {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
        settings.CACHES = {**settings.CACHES, "dummy": dummy}
        set_itsme(settings, CACHE="dummy")
    return alias


@pytest.fixture
def racing(settings: SettingsWrapper) -> Iterator[None]:
    settings.SESSION_ENGINE = "tests.app.racing_sessions"
    yield
    racing_sessions.disarm()


def replay_together(browser: Browser, params: dict[str, str], times: int) -> list[int]:
    """``times`` callbacks with the same cookie and query, each in its own thread, whose session
    loads wait for each other: every one of them reads the flow before any writes it back
    (then they run one at a time, see :mod:`tests.app.racing_sessions`)."""
    cookies = browser.client.cookies
    statuses: list[int] = []
    errors: list[BaseException] = []

    def one() -> None:
        try:
            client = Client()
            client.cookies = cookies
            statuses.append(
                client.get("/itsme/callback/", params, HTTP_HOST=browser.host).status_code
            )
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            racing_sessions.end_turn()
            connection.close()

    racing_sessions.arm(times)
    threads = [threading.Thread(target=one) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    return sorted(statuses)


@pytest.mark.attack
def test_a_callback_replayed_while_the_first_is_answered_redeems_nothing(
    browser: Browser,
    simulator: Simulator,
    spent_states_in: str,
    racing: None,
    failures: list[dict[str, Any]],
) -> None:
    params = browser.at_itsme(browser.start())
    assert replay_together(browser, params, 2) == [302, 400]
    assert simulator.count("/token") == 1
    assert [f["code"] for f in failures] == ["unknown_state"]


def test_a_confirm_callback_replayed_in_a_race_is_recorded_once(
    browser: Browser, simulator: Simulator, racing: None
) -> None:
    params = browser.at_itsme(browser.start())  # a login to own a session and a user
    assert browser.finish(params).status_code == 302
    confirm = browser.get("/confirm/", data={"text": "Pay 10 EUR to Bob"})
    assert confirm.status_code == 302, confirm.content[:300]
    params = browser.at_itsme(confirm["Location"])
    assert replay_together(browser, params, 2) == [302, 400]
    assert simulator.count("/token") == 2  # the login's, then the Confirm's once
    assert Confirmation.objects.exclude(status="pending").count() == 1


def test_a_state_stays_spent_when_the_session_could_not_record_it(
    browser: Browser, simulator: Simulator, spent_states_in: str, failures: list[dict[str, Any]]
) -> None:
    """A 5xx answer is not saved by Django's SessionMiddleware, and the cache that records spent
    states may be cleared or evicted: each must be enough on its own."""
    params = browser.at_itsme(browser.start())
    simulator.faults.token_status = 503
    assert browser.finish(params).status_code == 502
    simulator.faults.reset()
    caches[spent_states_in].clear()  # evicted, restarted, or another process's memory
    assert browser.finish(params).status_code == 400
    assert simulator.count("/token") == 1
    assert [f["code"] for f in failures] == ["token_endpoint_error", "unknown_state"]


def test_a_cache_that_cannot_claim_falls_back_to_the_session(
    browser: Browser,
    simulator: Simulator,
    settings: SettingsWrapper,
    failures: list[dict[str, Any]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An outage of the cache during the claim is no 500: the session records the spent
    state before anything is redeemed, as with a cache that stores nothing."""
    # Its own store: a LocMemCache without LOCATION shares the one of every other such alias,
    # where an earlier test may have left another simulator's keys.
    broken = {"BACKEND": "tests.app.broken_cache.AddFailsCache", "LOCATION": "state-replay"}
    settings.CACHES = {**settings.CACHES, "broken": broken}
    set_itsme(settings, CACHE="broken", FLOW_START_LIMIT=None)
    params = browser.at_itsme(browser.start())
    assert browser.finish(params).status_code == 302
    assert "_auth_user_id" in browser.client.session
    assert failures == []
    assert any("CacheUnreachable" in r.getMessage() for r in caplog.records)
