"""``manage.py itsme_keys status|rotate|prune`` and the ``JWKS_MAX_AGE`` setting (E038, W011)."""

from __future__ import annotations

import copy
import json
import stat
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client, override_settings

from django_itsme import checks
from django_itsme.core.key_rotation import format_time
from tests import keyfiles
from tests.app.conftest import Capture

PRIVATE_MEMBERS = ("d", "p", "q", "dp", "dq", "qi")


def run(*args: str) -> tuple[str, str]:
    out, err = Capture(), Capture()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def itsme(**changes: Any) -> dict[str, Any]:
    result: dict[str, Any] = copy.deepcopy(dict(settings.ITSME))
    result.update(changes)
    return result


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    path = tmp_path / "keys.json"
    path.write_text(keyfiles.RP_PRIVATE.read_text())
    path.chmod(0o600)
    return path


def test_status_lists_kids_states_and_next_steps_without_key_material(key_file: Path) -> None:
    out, _err = run("itsme_keys", "status", "--file", str(key_file))
    assert "rp-sig-1" in out
    assert "rp-enc-1" in out
    assert "active" in out
    secrets = [
        key[m] for key in keyfiles.load(keyfiles.RP_PRIVATE)["keys"] for m in PRIVATE_MEMBERS
    ]
    assert not [s for s in secrets if s[:12] in out]
    run("itsme_keys", "rotate", "--sig", "--enc", "--bits", "2048", "--file", str(key_file))
    out, _err = run("itsme_keys", "status", "--file", str(key_file))
    lines = {line.split()[0]: line for line in out.splitlines()[1:]}
    assert "signs; retired at" in lines["rp-sig-1"]
    assert "still decrypts; dropped at" in lines["rp-enc-1"]
    assert "not published" in lines["rp-enc-1"]
    new_sig = next(kid for kid in lines if kid.startswith("sig-"))
    assert "next" in lines[new_sig]
    assert "signs from" in lines[new_sig]
    assert "(in 25.0 h)" in lines[new_sig]


def test_status_follows_the_configured_file(key_file: Path) -> None:
    with override_settings(ITSME=itsme(PRIVATE_JWKS=str(key_file))):
        out, _err = run("itsme_keys", "status")
    assert "rp-sig-1" in out


def test_rotate_writes_atomically_with_mode_0600(key_file: Path) -> None:
    inode = key_file.stat().st_ino
    run("itsme_keys", "rotate", "--enc", "--bits", "2048", "--file", str(key_file))
    assert key_file.stat().st_ino != inode  # a new file renamed over the old one
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert not list(key_file.parent.glob(".itsme-keys-*"))
    data = json.loads(key_file.read_text())
    assert len(data["keys"]) == 3


def test_prune_removes_only_retired_keys(key_file: Path) -> None:
    data = json.loads(key_file.read_text())
    data["keys"].append(
        keyfiles.load(keyfiles.RP_ROTATED)["keys"][1] | {"x-itsme-retire-at": format_time(0)}
    )
    key_file.write_text(json.dumps(data))
    out, _err = run("itsme_keys", "prune", "--file", str(key_file))
    assert "Removed 1 retired key(s)" in out
    assert [k["kid"] for k in json.loads(key_file.read_text())["keys"]] == ["rp-sig-1", "rp-enc-1"]


def test_rotate_needs_a_file() -> None:
    config = itsme(PRIVATE_JWKS=keyfiles.RP_PRIVATE.read_text())
    with override_settings(ITSME=config), pytest.raises(CommandError, match="not a file"):
        run("itsme_keys", "rotate", "--sig")


@pytest.mark.parametrize(
    "args",
    [
        ["--sig"],
        ["--delay", "3600"],
        ["rotate"],
        ["status", "--sig"],
        ["prune", "--delay", "3600"],
        ["status", "--out", "x.json"],
        ["rotate", "--sig", "--public"],
        ["status", "--bits", "2048"],
    ],
)
def test_options_that_do_not_fit_the_action_are_refused(args: list[str], key_file: Path) -> None:
    before = key_file.read_text()
    with pytest.raises(CommandError):
        run("itsme_keys", *args, *(["--file", str(key_file)] if args[0] != "--sig" else []))
    assert key_file.read_text() == before


def test_rotate_refuses_a_broken_file(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    path.write_text('{"keys": []}')
    with pytest.raises(CommandError, match="JWK set"):
        run("itsme_keys", "rotate", "--sig", "--file", str(path))


# ------------------------------------------------------------------ JWKS_MAX_AGE


@pytest.mark.django_db
@pytest.mark.parametrize(("value", "header"), [(None, 3600), (7200, 7200), (86400, 86400)])
def test_jwks_max_age_setting(client: Client, value: int | None, header: int) -> None:
    changes = {} if value is None else {"JWKS_MAX_AGE": value}
    with override_settings(ITSME=itsme(**changes)):
        response = client.get("/itsme/jwks.json")
    assert response["Cache-Control"] == f"public, max-age={header}"


def check_ids(**changes: Any) -> list[str]:
    with override_settings(ITSME=itsme(**changes), DEBUG=True):
        return [m.id or "" for m in checks.run_checks() if "JWKS_MAX_AGE" in str(m.obj)]


@pytest.mark.parametrize("value", [0, -1, 86401, 3600.0, "3600", True, None])
def test_invalid_jwks_max_age_is_e038(value: Any) -> None:
    assert check_ids(JWKS_MAX_AGE=value) == ["django_itsme.E038"]


def test_jwks_max_age_under_itsme_floor_is_w011() -> None:
    assert check_ids(JWKS_MAX_AGE=1799) == ["django_itsme.W011"]
    assert check_ids(JWKS_MAX_AGE=1800) == []
    assert check_ids() == []
