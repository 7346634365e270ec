"""Rotating the site's keys with ``manage.py itsme_keys`` while logins keep working against the
simulator, which caches our JWKS like itsme (30 min to 24 h, no refetch for an unknown kid).

Time passes in the private set, not on the clock: the test moves every lifecycle date back by the
rotation delay (the same as the clock moving forward), and the running site re-reads the changed
file. "itsme's copy of our JWKS expires" is ``forget_client_keys``. Nothing sleeps.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.core.management import call_command
from pytest_django.fixtures import Settings as SettingsWrapper

from django_itsme.core.key_rotation import (
    DEFAULT_ROTATION_DELAY,
    RETIRED_SIGNING_KEY_GRACE,
    format_time,
)
from django_itsme.core.keys import LIFECYCLE_MEMBERS, parse_time
from django_itsme.simulator import Simulator
from tests import keyfiles
from tests.app.conftest import Browser, Capture, set_itsme

PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi"}
PUBLIC_MEMBERS = {"kty", "kid", "use", "alg", "n", "e"}


@pytest.fixture
def key_file(
    tmp_path: Path, settings: SettingsWrapper, itsme: dict[str, Any], simulator: Simulator
) -> Iterator[Path]:
    """The site's keys in a file of their own; the simulator caching them like itsme."""
    path = tmp_path / "jwks_private.json"
    path.write_text(keyfiles.RP_PRIVATE.read_text())
    path.chmod(0o600)
    set_itsme(settings, PRIVATE_JWKS=str(path))
    simulator.cache_client_keys_like_itsme()
    yield path
    simulator.cache_client_keys_like_itsme(enabled=False)


def run_command(*args: str) -> tuple[str, str]:
    out, err = Capture(), Capture()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def time_passes(path: Path, seconds: float) -> None:
    """Move every lifecycle date of the file ``seconds`` into the past (the clock moving on)."""
    data = json.loads(path.read_text())
    for key in data["keys"]:
        for member in LIFECYCLE_MEMBERS:
            if member in key:
                moment = parse_time(key[member])
                assert moment is not None
                key[member] = format_time(moment - seconds)
    temporary = path.with_name(path.name + ".new")
    temporary.write_text(json.dumps(data))
    os.replace(temporary, path)


def logs_in(browser: Browser) -> bool:
    """One whole login flow; True when it ends logged in, on LOGIN_REDIRECT_URL."""
    browser.client.logout()
    answer = requests.get(browser.start("login"), allow_redirects=False, timeout=10)
    if answer.status_code != 302:
        return False
    query = {k: v[0] for k, v in parse_qs(urlsplit(answer.headers["Location"]).query).items()}
    response = browser.finish(query)
    return response.status_code == 302 and response["Location"] == "/"


def published(browser: Browser) -> list[dict[str, Any]]:
    response = browser.get("/itsme/jwks.json")
    assert response.status_code == 200
    keys: list[dict[str, Any]] = json.loads(response.content)["keys"]
    for key in keys:
        assert set(key) <= PUBLIC_MEMBERS, key.keys()
        assert not PRIVATE_MEMBERS & set(key)
    assert b"x-itsme" not in response.content
    return keys


def kids(keys: list[dict[str, Any]], use: str) -> list[str]:
    return [k["kid"] for k in keys if k["use"] == use]


def test_rotating_both_keys_keeps_logins_working(
    browser: Browser, key_file: Path, simulator: Simulator
) -> None:
    assert logs_in(browser)  # before: itsme has cached the old set
    out, _err = run_command("itsme_keys", "rotate", "--sig", "--enc", "--bits", "2048")
    assert "next" in out
    assert "retiring" in out
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    new_sig = next(
        k["kid"] for k in json.loads(key_file.read_text())["keys"][2:] if k["use"] == "sig"
    )
    new_enc = next(
        k["kid"] for k in json.loads(key_file.read_text())["keys"][2:] if k["use"] == "enc"
    )
    keys = published(browser)
    assert kids(keys, "sig") == ["rp-sig-1", new_sig]
    assert kids(keys, "enc") == [new_enc]

    # During, itsme's copy is stale: it knows neither new key and encrypts to the old enc key.
    # The site still signs with rp-sig-1 (the new key is "next") and decrypts with the retiring
    # enc key, so the login works.
    assert logs_in(browser)
    # itsme's copy expires: it now encrypts to the new key; the site still signs with the old one.
    simulator.forget_client_keys()
    assert logs_in(browser)

    # The delay has passed: the new signing key signs; itsme's copy (fetched during) has it.
    time_passes(key_file, DEFAULT_ROTATION_DELAY)
    assert logs_in(browser)
    keys = published(browser)
    assert kids(keys, "sig") == ["rp-sig-1", new_sig]  # the old one for a grace period

    # After: the old signing key leaves the set; prune removes both old keys from the file.
    time_passes(key_file, RETIRED_SIGNING_KEY_GRACE)
    out, _err = run_command("itsme_keys", "prune")
    assert "Removed 2 retired key(s)" in out
    assert [k["kid"] for k in json.loads(key_file.read_text())["keys"]] == [new_sig, new_enc]
    simulator.forget_client_keys()
    assert logs_in(browser)
    keys = published(browser)
    assert (kids(keys, "sig"), kids(keys, "enc")) == ([new_sig], [new_enc])


def test_signing_with_a_new_key_before_itsme_has_it_fails(
    browser: Browser, key_file: Path, settings: SettingsWrapper
) -> None:
    """The simulator catches early signing: what the "next" state protects against."""
    assert logs_in(browser)
    run_command("itsme_keys", "rotate", "--sig", "--bits", "2048")
    assert logs_in(browser)  # the next key does not sign yet
    data = json.loads(key_file.read_text())
    for key in data["keys"]:
        key.pop("x-itsme-not-before", None)  # a site that signs with the new key at once
    data["keys"].insert(0, data["keys"].pop())
    key_file.write_text(json.dumps(data))
    assert not logs_in(browser)


def test_an_old_encryption_key_decrypts_during_the_window_and_not_after(
    browser: Browser, key_file: Path
) -> None:
    assert logs_in(browser)
    run_command("itsme_keys", "rotate", "--enc", "--bits", "2048")
    assert "rp-enc-1" not in kids(published(browser), "enc")
    # itsme's stale copy still has only rp-enc-1: the site decrypts with it, unpublished.
    assert logs_in(browser)
    time_passes(key_file, DEFAULT_ROTATION_DELAY - 60)
    assert logs_in(browser)
    # Past the window the old key is dropped: a token still encrypted to it fails.
    time_passes(key_file, 60)
    assert not logs_in(browser)


def test_rotate_refuses_a_second_rotation_and_a_short_delay(key_file: Path) -> None:
    run_command("itsme_keys", "rotate", "--sig", "--bits", "2048")
    before = key_file.read_text()
    with pytest.raises(Exception, match="already under way"):
        run_command("itsme_keys", "rotate", "--sig", "--bits", "2048")
    with pytest.raises(Exception, match="at least 1800"):
        run_command("itsme_keys", "rotate", "--enc", "--delay", "60", "--bits", "2048")
    assert key_file.read_text() == before
