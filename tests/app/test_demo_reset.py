"""``./scripts/demo --reset`` removes the demo's database and keys (and nothing else), then exits
without starting anything. The files are pointed at a temporary directory, as the settings allow."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "demo"


def free_port() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return str(probe.getsockname()[1])


def test_reset_removes_the_database_and_the_keys(tmp_path: Path) -> None:
    database, keys, other = tmp_path / "db.sqlite3", tmp_path / "jwks.json", tmp_path / "notes"
    for path in (database, keys, other):
        path.write_text("state", encoding="ascii")
    done = subprocess.run(  # noqa: S603 - our own script
        [str(SCRIPT), "--reset"],
        env={
            **os.environ,
            "DEMO_PORT": free_port(),
            "ITSME_DEMO_DATABASE": str(database),
            "ITSME_DEMO_JWKS": str(keys),
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert not database.exists()
    assert not keys.exists()
    assert other.exists()
    assert f"Removed {database}" in done.stdout
    assert "Start it afresh with ./scripts/demo" in done.stdout
    # Nothing was started: no virtualenv step, no server.
    assert "Starting" not in done.stdout


def test_reset_of_a_fresh_checkout_is_harmless(tmp_path: Path) -> None:
    done = subprocess.run(  # noqa: S603 - our own script
        [str(SCRIPT), "--reset"],
        env={
            **os.environ,
            "DEMO_PORT": free_port(),
            "ITSME_DEMO_DATABASE": str(tmp_path / "missing.sqlite3"),
            "ITSME_DEMO_JWKS": str(tmp_path / "missing.json"),
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Removed" not in done.stdout


def test_unknown_option_is_refused() -> None:
    done = subprocess.run(  # noqa: S603 - our own script
        [str(SCRIPT), "--start-twice"], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 1
    assert "unknown option --start-twice" in done.stderr
