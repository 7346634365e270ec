"""Watching it run: ``flow_finished`` is sent once per callback that consumed a flow, and the
optional Prometheus exporter counts it (issue 12, "Watching it run")."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from django_itsme import metrics
from django_itsme.signals import flow_finished
from django_itsme.simulator import Simulator
from tests.app.conftest import Browser

pytestmark = pytest.mark.simulator


@pytest.fixture
def finished() -> Iterator[list[dict[str, Any]]]:
    seen: list[dict[str, Any]] = []

    def receiver(sender: Any, **kwargs: Any) -> None:
        seen.append(kwargs)

    flow_finished.connect(receiver, dispatch_uid="test_flow_finished")
    yield seen
    flow_finished.disconnect(dispatch_uid="test_flow_finished")


def test_a_login_is_announced_once_as_ok(browser: Browser, finished: list[dict[str, Any]]) -> None:
    assert browser.flow("login").status_code == 302
    assert len(finished) == 1
    event = finished[0]
    assert (event["service"], event["outcome"], event["kind"]) == ("login", "ok", "login")
    assert 0 <= event["duration"] < 60
    assert event["request"] is not None


def test_a_denial_is_announced_with_its_code(
    browser: Browser, simulator: Simulator, finished: list[dict[str, Any]]
) -> None:
    simulator.faults.authorization_error = "access_denied"
    assert browser.flow("login").status_code == 403
    assert [(e["outcome"], e["kind"]) for e in finished] == [("access_denied", "login")]


def test_a_token_error_is_announced_with_its_code(
    browser: Browser, simulator: Simulator, finished: list[dict[str, Any]]
) -> None:
    simulator.faults.token_error = "invalid_grant"
    browser.flow("share")
    assert [(e["service"], e["outcome"]) for e in finished] == [("share", "invalid_grant")]


def test_a_callback_that_consumed_no_flow_is_not_a_finished_flow(
    browser: Browser, finished: list[dict[str, Any]]
) -> None:
    params = browser.at_itsme(browser.start("login"))
    assert browser.finish(params).status_code == 302
    assert browser.finish(params).status_code == 400  # replayed: no flow left to consume
    assert [e["outcome"] for e in finished] == ["ok"]


def test_the_exporter_counts_flows_by_service_and_outcome(
    browser: Browser, simulator: Simulator
) -> None:
    registry = CollectorRegistry()
    exporter = metrics.install(registry=registry)
    try:
        browser.flow("login")
        simulator.faults.authorization_error = "access_denied"
        browser.flow("login")
        labels = {"service": "login", "kind": "login"}
        ok = {**labels, "outcome": "ok"}
        assert registry.get_sample_value("itsme_flows_total", ok) == 1
        denied = {**labels, "outcome": "access_denied"}
        assert registry.get_sample_value("itsme_flows_total", denied) == 1
        assert registry.get_sample_value("itsme_flow_duration_seconds_count", labels) == 2
        names = {sample.name for family in registry.collect() for sample in family.samples}
        assert "itsme_flow_duration_seconds_bucket" in names
        # No high-cardinality label: never a sub, a user or free text.
        label_names = {
            name
            for family in registry.collect()
            for sample in family.samples
            for name in sample.labels
        }
        assert label_names <= {"service", "kind", "outcome", "le"}
    finally:
        exporter.uninstall()
    # Uninstalled: the series left the registry and nothing moves any more.
    assert registry.get_sample_value("itsme_flows_total", ok) is None
    simulator.faults.authorization_error = None
    browser.flow("login")
    counted = {
        tuple(sorted(sample.labels.items())): sample.value
        for family in exporter.flows.collect()
        for sample in family.samples
        if sample.name == "itsme_flows_total"
    }
    assert counted[tuple(sorted(ok.items()))] == 1


def test_an_odd_outcome_is_never_a_label_of_its_own() -> None:
    assert metrics.outcome_label("access_denied") == "access_denied"
    assert metrics.outcome_label("Bad Text with spaces") == "other"
    assert metrics.outcome_label("x" * 200) == "other"
