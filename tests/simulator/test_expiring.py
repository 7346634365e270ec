"""What the simulator remembers is bounded: codes, access tokens, approval pages and assertion
ids are forgotten once they can no longer matter, and the logs keep the newest entries only, so
a long load run (or a visitor sending a million requests) cannot grow it without end."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

import pytest

from django_itsme.simulator.expiring import MIN_SWEEP_SIZE, ExpiringMap
from django_itsme.simulator.grants import AccessTokenStore, CodeStore, Grant, GrantError
from django_itsme.simulator.protocol import CODE_LIFETIME, TOKEN_LIFETIME
from django_itsme.simulator.requestlog import MAX_LOGGED_REQUESTS, LoggedRequest, RequestLog


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def test_expired_entries_are_swept_and_live_ones_kept() -> None:
    clock = Clock()
    entries: ExpiringMap[int, str] = ExpiringMap(clock)
    entries.put(-1, "long-lived", forget_at=clock.now + 10**6)
    for number in range(50 * MIN_SWEEP_SIZE):
        entries.put(number, "short", forget_at=clock.now + 1)
        clock.now += 2  # each entry is already forgotten when the next one comes
    assert len(entries) <= 2 * MIN_SWEEP_SIZE
    assert entries.get(-1) == "long-lived"
    assert entries.get(0) is None
    assert -1 in entries
    assert entries.pop(-1) == "long-lived"
    assert entries.pop(-1) is None


def test_an_entry_is_gone_at_its_time_even_before_a_sweep() -> None:
    clock = Clock()
    entries: ExpiringMap[str, int] = ExpiringMap(clock)
    entries.put("a", 1, forget_at=clock.now + 5)
    assert entries.get("a") == 1
    clock.now += 5
    assert entries.get("a") is None
    assert "a" not in entries


def test_codes_are_forgotten_a_lifetime_after_they_expire() -> None:
    clock = Clock()
    codes = CodeStore(clock)
    # The store reads only the client a grant was issued to.
    grant = cast(
        Grant, SimpleNamespace(request=SimpleNamespace(client=SimpleNamespace(client_id="RP")))
    )
    for _ in range(20 * MIN_SWEEP_SIZE):
        codes.issue(grant)
        clock.now += CODE_LIFETIME  # a load run: a new flow every lifetime
    assert len(cast(Any, codes)._codes) <= 2 * MIN_SWEEP_SIZE + 2
    # A code just past its expiry is still known: a late replay reads "expired", not "unknown".
    code = codes.issue(grant)
    clock.now += CODE_LIFETIME + 1
    with pytest.raises(GrantError, match="expired"):
        codes.redeem(code, "RP")
    with pytest.raises(GrantError, match="already used"):
        codes.redeem(code, "RP")


def test_access_tokens_are_forgotten_when_they_expire() -> None:
    clock = Clock()
    tokens = AccessTokenStore(clock)
    grant = cast(Grant, object())
    for _ in range(20 * MIN_SWEEP_SIZE):
        tokens.issue(grant)
        clock.now += TOKEN_LIFETIME
    assert len(cast(Any, tokens)._tokens) <= 2 * MIN_SWEEP_SIZE + 1


def test_the_request_log_keeps_the_newest() -> None:
    log = RequestLog()
    for number in range(MAX_LOGGED_REQUESTS + 10):
        log.append(LoggedRequest(method="GET", path=f"/{number}", query={}))
    entries = log.entries()
    assert len(entries) == MAX_LOGGED_REQUESTS
    assert entries[-1].path == f"/{MAX_LOGGED_REQUESTS + 9}"
    assert entries[0].path == "/10"
