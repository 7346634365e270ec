"""The benchmark's site part: whole flows through Django, with the counts that make a login cheap
(issue 12, "A login near its floor"). Times are printed by the script, never asserted here."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.simulator


@pytest.fixture(scope="module")
def report() -> dict[str, object]:
    result = subprocess.run(  # noqa: S603 - our own interpreter and script
        [
            sys.executable,
            str(ROOT / "scripts" / "benchmark.py"),
            *("--only", "site", "--quick", "--json", "--identities", "5000"),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    parsed: dict[str, object] = json.loads(result.stdout)
    return parsed


def test_a_steady_login_makes_only_the_token_call(report: dict[str, object]) -> None:
    # discovery + itsme's keys + token for the first login of a process; then the token call
    # alone, for a login and for a share-data flow whose claims come in the ID token.
    assert report["site: HTTP calls to itsme, first login (cold)"] == 3
    assert report["site: HTTP calls to itsme per login (warm)"] == 1
    assert report["site: HTTP calls to itsme per share (warm)"] == 1


def test_a_login_writes_no_more_than_django_itself(report: dict[str, object]) -> None:
    commits = report["site: database commits per login"]
    assert isinstance(commits, int)
    # the start's new session, the login's transaction, Django's save of the new session: the
    # one-time state is claimed in the cache, not by a session save of its own
    assert commits <= 3
    baseline = report["baseline: database commits"]
    assert isinstance(baseline, int)
    assert commits <= baseline
    statements = report["site: SQL statements per login"]
    assert isinstance(statements, int)
    assert statements <= 18


def test_the_identity_lookup_uses_the_unique_index_on_sub(report: dict[str, object]) -> None:
    assert report["identities added before measuring"] == 5000
    plan = str(report["site: plan of the identity lookup"])
    assert "USING INDEX" in plan
    assert "(sub=?)" in plan
    assert "SCAN" not in plan


def test_the_figures_are_printed(report: dict[str, object]) -> None:
    for label in ("login", "share-data flow"):
        for name in (
            f"site CPU per {label}",
            f"floor: jwcrypto only, {label}",
            f"baseline: session write + login(), {label} round",
            f"ratio site / (floor + baseline), {label}",
        ):
            value = report[name]
            assert isinstance(value, float)
            assert value > 0
        p25, median, p75 = map(
            float, str(report[f"ratio per round, {label}: p25 / median / p75"]).split(" / ")
        )
        assert 0 < p25 <= median <= p75
