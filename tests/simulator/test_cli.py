"""``python -m django_itsme.simulator``: argument handling and a real foreground run."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from django_itsme.simulator.__main__ import build_simulator

from .conftest import KEYS_DIR, TIMEOUT

PROVIDER_KEYS = str(KEYS_DIR / "provider_private.json")


def test_single_client_arguments() -> None:
    sim = build_simulator(
        [
            "--client-id",
            "OIDC_TEST",
            "--jwks-uri",
            "http://127.0.0.1:8123/jwks.json",
            "--redirect-uri",
            "http://127.0.0.1:8000/a/",
            "--redirect-uri",
            "http://127.0.0.1:8000/b/",
            "--service",
            "TEST_LOGIN=login",
            "--service",
            "TEST_CONFIRM=confirm",
            "--auto-approve",
            "bruno",
            "--keys",
            PROVIDER_KEYS,
            "--port",
            "0",
            "--quiet",
        ]
    )
    (client,) = sim.clients
    assert client.client_id == "OIDC_TEST"
    assert client.redirect_uris == ["http://127.0.0.1:8000/a/", "http://127.0.0.1:8000/b/"]
    assert client.services == {"TEST_LOGIN": "login", "TEST_CONFIRM": "confirm"}
    assert client.require_pkce is True
    assert sim.auto_approve == "bruno"
    assert sim.public_jwks()["keys"][0]["kid"] == "op-sig-1"
    assert not sim.running


def test_config_file(tmp_path: Path) -> None:
    config = tmp_path / "clients.json"
    config.write_text(
        json.dumps(
            {
                "clients": [
                    {
                        "client_id": "A",
                        "jwks_uri": "http://127.0.0.1:1/jwks.json",
                        "redirect_uris": ["http://127.0.0.1:2/cb"],
                        "services": {"A_SHARE": "share"},
                        "require_pkce": False,
                    },
                    {"client_id": "B", "jwks_uri": "http://127.0.0.1:1/b.json"},
                ]
            }
        ),
        encoding="utf-8",
    )
    sim = build_simulator(
        ["--config", str(config), "--keys", PROVIDER_KEYS, "--no-pkce", "--quiet"]
    )
    first, second = sim.clients
    assert (first.client_id, first.require_pkce, first.services) == (
        "A",
        False,
        {"A_SHARE": "share"},
    )
    assert (second.client_id, second.redirect_uris) == ("B", [])
    assert sim.auto_approve is None


@pytest.mark.parametrize(
    "argv",
    [
        ["--host", "0.0.0.0"],  # noqa: S104 - refused: that is the point
        ["--client-id", "X"],
        ["--client-id", "X", "--jwks-uri", "u", "--redirect-uri", "r", "--service", "S=admin"],
        ["--service", "S=login"],
        ["--auto-approve", "mallory"],
        ["--config", "/nonexistent/clients.json"],
        ["--keys", "/nonexistent/keys.json"],
    ],
)
def test_bad_arguments(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        build_simulator([*argv, "--quiet"])
    assert raised.value.code == 2
    assert "error" in capsys.readouterr().err


def test_bad_config_content(tmp_path: Path) -> None:
    config = tmp_path / "clients.json"
    config.write_text(json.dumps([{"client_id": "A"}]), encoding="utf-8")
    with pytest.raises(SystemExit):
        build_simulator(["--config", str(config), "--quiet"])


def test_foreground_run() -> None:
    command = [
        sys.executable,
        "-m",
        "django_itsme.simulator",
        "--keys",
        PROVIDER_KEYS,
        "--quiet",
    ]
    root = Path(__file__).resolve().parents[2]
    with subprocess.Popen(  # noqa: S603 - fixed argument list
        command, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        try:
            assert process.stdout is not None
            first = process.stdout.readline().strip()
            assert first.startswith("itsme simulator issuer: http://127.0.0.1:")
            issuer = first.rsplit(" ", 1)[1]
            answer = requests.get(issuer + "/.well-known/openid-configuration", timeout=TIMEOUT)
            assert answer.json()["issuer"] == issuer
        finally:
            process.send_signal(signal.SIGTERM)
            _, errors = process.communicate(timeout=10)
        assert process.returncode == 0, errors
