"""``scripts/demo`` next to a running demo: it recognises the demo (or its simulator) instead of
reporting a busy port, and refuses to reset a running demo. The demo is the real one the browser
tests use (conftest.py); the script stops before it would create a virtualenv."""

from __future__ import annotations

import os
import socket
import subprocess
from urllib.parse import urlsplit

import pytest

from tests.e2e.conftest import ROOT, DemoSite

pytestmark = pytest.mark.e2e

SCRIPT = ROOT / "scripts" / "demo"


def run_demo(*arguments: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own script
        [str(SCRIPT), *arguments],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def port_of(url: str) -> str:
    return str(urlsplit(url).port)


def free_port() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return str(probe.getsockname()[1])


def test_a_running_demo_is_recognised(demo_site: DemoSite) -> None:
    done = run_demo(
        DEMO_PORT=port_of(demo_site.url), SIMULATOR_PORT=port_of(demo_site.simulator_url)
    )
    assert done.returncode == 0, done.stderr
    assert f"The demo is already running at {demo_site.url}/" in done.stdout
    assert demo_site.issuer in done.stdout
    assert "in use" not in done.stdout + done.stderr


def test_a_running_simulator_is_named(demo_site: DemoSite) -> None:
    done = run_demo(DEMO_PORT=free_port(), SIMULATOR_PORT=port_of(demo_site.simulator_url))
    assert done.returncode == 1
    port = port_of(demo_site.simulator_url)
    assert f"an itsme simulator already runs on port {port}" in done.stderr


def test_another_program_on_the_port_is_still_a_busy_port() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = str(busy.getsockname()[1])
        done = run_demo(DEMO_PORT=port, SIMULATOR_PORT=free_port())
    assert done.returncode == 1
    assert f"port {port} is in use by another program" in done.stderr


def test_reset_refuses_while_the_demo_runs(demo_site: DemoSite, tmp_path: object) -> None:
    database = os.path.join(str(tmp_path), "db.sqlite3")
    with open(database, "w", encoding="ascii") as file:
        file.write("state")
    done = run_demo("--reset", DEMO_PORT=port_of(demo_site.url), ITSME_DEMO_DATABASE=database)
    assert done.returncode == 1
    assert "stop it first" in done.stderr
    assert os.path.exists(database)
