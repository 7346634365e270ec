"""A flood of failures an anonymous visitor can cause writes a bounded number of log lines.

A callback with a forged ``state`` (``unknown_state``) or a flow start over the limit
(``too_many_flows``) costs a script nothing: one WARNING line each would let it fill the log's
disk, run up a log service's bill and bury the lines that matter. The ``login_failed`` signal
still fires for every failure, so counts and metrics stay exact.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.test import Client

from django_itsme.log_budget import FAILURE_LOG_BUDGET, LogBudget

pytestmark = pytest.mark.django_db


def itsme_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "django_itsme"]


@pytest.mark.attack
def test_a_flood_of_forged_callbacks_writes_a_bounded_log(
    caplog: pytest.LogCaptureFixture, failures: list[dict[str, Any]]
) -> None:
    caplog.set_level(logging.WARNING, logger="django_itsme")
    client = Client()
    for number in range(500):
        response = client.get("/itsme/callback/", {"state": f"forged-{number}", "code": "x"})
        assert response.status_code == 400
    lines = itsme_lines(caplog)
    assert len(lines) == FAILURE_LOG_BUDGET.lines
    assert all("code='unknown_state'" in line or "code=unknown_state" in line for line in lines)
    assert len(failures) == 500  # the signal is not budgeted


@pytest.mark.attack
def test_a_flood_of_refused_starts_writes_a_bounded_log(
    settings: Any, caplog: pytest.LogCaptureFixture, failures: list[dict[str, Any]]
) -> None:
    caplog.set_level(logging.WARNING, logger="django_itsme")
    client = Client(REMOTE_ADDR="192.0.2.7")
    statuses = [client.get("/itsme/login/").status_code for _ in range(300)]
    refused = statuses.count(429)
    assert refused >= 250
    lines = [line for line in itsme_lines(caplog) if "too_many_flows" in line]
    assert len(lines) == FAILURE_LOG_BUDGET.lines
    assert sum(f["code"] == "too_many_flows" for f in failures) == refused


def test_each_code_has_its_own_budget(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="django_itsme")
    client = Client()
    for number in range(FAILURE_LOG_BUDGET.lines + 10):
        client.get("/itsme/callback/", {"state": f"forged-{number}", "code": "x"})
    client.get("/itsme/callback/", {"error": "access_denied"})  # another code, still written
    assert "code=access_denied" in " ".join(itsme_lines(caplog)).replace("'", "")


def test_the_next_window_says_how_many_lines_were_left_out() -> None:
    now = [1000.0]
    budget = LogBudget(lines=3, window=60, clock=lambda: now[0])
    assert [budget.take("unknown_state") for _ in range(5)] == [0, 0, 0, None, None]
    assert budget.take("too_many_flows") == 0  # its own budget
    now[0] += 59.9
    assert budget.take("unknown_state") is None
    now[0] += 0.2
    assert budget.take("unknown_state") == 3  # written, and says three were left out
    assert budget.take("unknown_state") == 0


def test_the_budget_holds_a_bounded_number_of_codes() -> None:
    budget = LogBudget(lines=1, window=60, clock=lambda: 0.0)
    for number in range(10_000):
        budget.take(f"code-{number}")
    assert len(budget) <= LogBudget.MAX_KEYS
