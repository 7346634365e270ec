"""A small run of scripts/loadtest.py: concurrent simulated people doing login, share data and
Confirm across three instances end with no failed flow and no duplicate user or identity.
The script measures; this test asserts only counts."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from .cluster import ROOT

USERS = 10


def test_small_load_run(services: tuple[str, str]) -> None:
    postgres, redis = services
    result = subprocess.run(  # noqa: S603 - our interpreter and script
        [
            sys.executable,
            str(ROOT / "scripts" / "loadtest.py"),
            "--users",
            str(USERS),
            "--duration",
            "10",
            "--json",
            "--postgres",
            postgres,
            "--redis",
            redis,
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=110,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    report = json.loads(result.stdout)
    print(json.dumps(report, indent=2))  # the figures, in the test's captured output
    assert report["ok"] is True
    assert report["failed flows"] == 0
    assert report["errors"] == {}
    # every person logged in twice at once first, then at least one round of the three flows
    assert report["login"]["flows"] >= 3 * USERS
    assert report["share"]["flows"] >= USERS
    assert report["confirm"]["flows"] >= USERS
    assert report["database"] == {
        "users": USERS,
        "identities": USERS,
        "distinct subs": USERS,
        "unknown subs": 0,
        "users with two identities": 0,
        "approved confirmations": report["confirm"]["flows"],
    }
    # the simulator fetched each flow's request object once, from whichever instance
    assert sum(report["request-object fetches per instance"].values()) == report["flows"]
    assert report["flows finished on another instance than they started"] > 0
