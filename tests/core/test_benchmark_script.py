"""The benchmark script's core part runs (without Django), and the HTTP-call counts it reports
are the minimum a flow needs. The site part is tested in tests/app/test_benchmark_site.py.

Times are measured by the script, never asserted here."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_benchmark_reports_minimal_http_calls() -> None:
    result = subprocess.run(  # noqa: S603 - our own interpreter and script
        [
            sys.executable,
            str(ROOT / "scripts" / "benchmark.py"),
            *("--only", "core", "--quick", "--json"),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    # discovery + JWKS + token for the first login; then only the token endpoint, for a login
    # and for a share-data flow too: its claims come in the ID token (CLAIMS_IN default, D-AREQ).
    assert report["server-side HTTP calls: first login of a process (cold cache)"] == 3
    assert report["server-side HTTP calls: login (warm)"] == 1
    assert report["server-side HTTP calls: share data (warm)"] == 1
    assert all(isinstance(value, int | float) for value in report.values())
