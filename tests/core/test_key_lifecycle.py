"""The site's key lifecycle (protocol notes §2.2): states follow the dates in the private set,
the published set never holds private or lifecycle members, and the file is re-read only when it
changes. Time is an injected clock; nothing sleeps."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

import pytest
from jwcrypto import jwk

from django_itsme.core import jose
from django_itsme.core.errors import ConfigurationError, TokenDecryptionError
from django_itsme.core.key_rotation import (
    RETIRED_SIGNING_KEY_GRACE,
    format_time,
    prune_retired_keys,
    rotate_encryption_key,
    rotate_signing_key,
)
from django_itsme.core.keys import inspect_private_jwks, load_private_keys
from tests import keyfiles

PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi"}
PUBLIC_MEMBERS = {"kty", "kid", "use", "alg", "n", "e"}
T0 = 1_800_000_000.0
DAY = 86_400.0
WINDOW = DAY + 3600


class Clock:
    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def keys_by_kid(path: Path) -> dict[str, dict[str, Any]]:
    return {k["kid"]: copy.deepcopy(k) for k in keyfiles.load(path)["keys"]}


OLD = keys_by_kid(keyfiles.RP_PRIVATE)
NEW = keys_by_kid(keyfiles.RP_ROTATED)


def signing_rotation_set() -> dict[str, Any]:
    """rp-sig-1 signs until rp2-sig-1's not-before, then stays published for the grace."""
    old_sig = OLD["rp-sig-1"] | {
        "x-itsme-retire-at": format_time(T0 + WINDOW + RETIRED_SIGNING_KEY_GRACE)
    }
    new_sig = NEW["rp2-sig-1"] | {"x-itsme-not-before": format_time(T0 + WINDOW)}
    return {"keys": [old_sig, new_sig, OLD["rp-enc-1"]]}


def encryption_rotation_set() -> dict[str, Any]:
    """rp-enc-1 is unpublished at T0 and decrypts until T0 + WINDOW; rp2-enc-1 is active."""
    old_enc = OLD["rp-enc-1"] | {
        "x-itsme-unpublish-at": format_time(T0),
        "x-itsme-retire-at": format_time(T0 + WINDOW),
    }
    return {"keys": [OLD["rp-sig-1"], NEW["rp2-enc-1"], old_enc]}


def published_kids(keys: Any) -> list[str]:
    return [k["kid"] for k in keys.public_jwks()["keys"]]


def test_next_signing_key_is_published_but_never_signs_before_its_time() -> None:
    clock = Clock()
    keys = load_private_keys(signing_rotation_set(), clock=clock)
    for now in (T0, T0 + DAY, T0 + WINDOW - 1):
        clock.now = now
        assert keys.signing_kid == "rp-sig-1"
        assert keys.signing_key.get("kid") == "rp-sig-1"
        assert published_kids(keys) == ["rp-sig-1", "rp2-sig-1", "rp-enc-1"]
        token = jose.sign({"iss": "x"}, keys.signing_key)
        assert jose.read_header(token)["kid"] == "rp-sig-1"
    clock.now = T0 + WINDOW
    assert keys.signing_kid == "rp2-sig-1"
    # The old key stays published a little longer (request objects signed just before the switch).
    assert published_kids(keys) == ["rp-sig-1", "rp2-sig-1", "rp-enc-1"]
    clock.now = T0 + WINDOW + RETIRED_SIGNING_KEY_GRACE
    assert keys.signing_kid == "rp2-sig-1"
    assert published_kids(keys) == ["rp2-sig-1", "rp-enc-1"]


def test_retired_encryption_key_decrypts_during_its_window_and_not_after() -> None:
    old_public = jwk.JWK(**jwk.JWK(**OLD["rp-enc-1"]).export_public(as_dict=True))
    token = jose.encrypt("a.b.c", old_public, alg="RSA-OAEP-256", enc="A128CBC-HS256")
    clock = Clock(T0 - 1)
    keys = load_private_keys(encryption_rotation_set(), clock=clock)
    assert published_kids(keys) == ["rp-sig-1", "rp2-enc-1", "rp-enc-1"]
    assert jose.decrypt(token, keys.decryption_keys) == "a.b.c"
    for now in (T0, T0 + DAY, T0 + WINDOW - 1):
        clock.now = now
        assert published_kids(keys) == ["rp-sig-1", "rp2-enc-1"]
        assert sorted(keys.decryption_keys) == ["rp-enc-1", "rp2-enc-1"]
        assert jose.decrypt(token, keys.decryption_keys) == "a.b.c"
    clock.now = T0 + WINDOW
    assert list(keys.decryption_keys) == ["rp2-enc-1"]
    with pytest.raises(TokenDecryptionError):
        jose.decrypt(token, keys.decryption_keys)


@pytest.mark.parametrize("now", [T0 - 1, T0, T0 + DAY, T0 + WINDOW, T0 + 2 * WINDOW])
def test_published_set_never_holds_private_or_lifecycle_members(now: float) -> None:
    data = signing_rotation_set()
    data["keys"] += [NEW["rp2-enc-1"] | {"x-itsme-unpublish-at": format_time(T0 + DAY)}]
    keys = load_private_keys(data, clock=Clock(now))
    text = json.dumps(keys.public_jwks())
    assert "x-itsme" not in text
    for key in keys.public_jwks()["keys"]:
        assert set(key) <= PUBLIC_MEMBERS
        assert not PRIVATE_MEMBERS & set(key)
    assert "x-itsme" not in repr(keys)


def test_lifecycle_members_never_reach_the_parsed_keys() -> None:
    keys = load_private_keys(signing_rotation_set(), clock=Clock(T0 + WINDOW))
    exported = keys.signing_key.export(private_key=True, as_dict=True)
    assert not [name for name in exported if name.startswith("x-itsme")]


@pytest.mark.parametrize(
    ("member", "value"),
    [
        ("x-itsme-not-before", "tomorrow"),
        ("x-itsme-retire-at", 12),
        ("x-itsme-unpublish-at", "2026-13-01T00:00:00Z"),
        ("x-itsme-retire-at", "2026-01-01T00:00:00"),  # no time zone
        ("x-itsme-state", "next"),  # unknown lifecycle member
    ],
)
def test_a_bad_lifecycle_member_makes_the_key_unusable(member: str, value: Any) -> None:
    data = {"keys": [OLD["rp-sig-1"] | {member: value}, OLD["rp-enc-1"]]}
    keys, problems = inspect_private_jwks(data)
    assert keys is None
    assert problems[0].kind == "unusable"
    assert "rp-sig-1" in problems[0].message
    assert OLD["rp-sig-1"]["d"][:12] not in problems[0].message


def test_not_before_on_an_encryption_key_is_refused() -> None:
    data = {"keys": [OLD["rp-sig-1"], OLD["rp-enc-1"] | {"x-itsme-not-before": format_time(T0)}]}
    _keys, problems = inspect_private_jwks(data)
    assert problems[0].kind == "unusable"
    assert "sig" in problems[0].message


def test_a_set_without_a_key_usable_now_is_refused() -> None:
    data = {
        "keys": [
            OLD["rp-sig-1"] | {"x-itsme-not-before": format_time(T0 + 10)},
            OLD["rp-enc-1"],
        ]
    }
    _keys, problems = inspect_private_jwks(data, clock=Clock())
    assert [p.kind for p in problems] == ["roles"]
    assert "sig" in problems[0].message
    data = {"keys": [OLD["rp-sig-1"], OLD["rp-enc-1"] | {"x-itsme-retire-at": format_time(T0)}]}
    _keys, problems = inspect_private_jwks(data, clock=Clock())
    assert [p.kind for p in problems] == ["roles"]
    assert "enc" in problems[0].message


def write_atomically(path: Path, data: dict[str, Any]) -> None:
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(data), encoding="utf-8")
    os.replace(temporary, path)


def test_the_file_is_re_read_when_it_changes(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    write_atomically(path, keyfiles.load(keyfiles.RP_PRIVATE))
    keys = load_private_keys(path)
    assert keys.signing_kid == "rp-sig-1"
    write_atomically(path, keyfiles.load(keyfiles.RP_ROTATED))
    assert keys.signing_kid == "rp2-sig-1"
    assert list(keys.decryption_keys) == ["rp2-enc-1"]
    assert published_kids(keys) == ["rp2-sig-1", "rp2-enc-1"]


def test_a_broken_rewrite_keeps_the_previous_keys(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "keys.json"
    write_atomically(path, keyfiles.load(keyfiles.RP_PRIVATE))
    keys = load_private_keys(path)
    write_atomically(path, {"keys": [OLD["rp-sig-1"]]})
    assert keys.signing_kid == "rp-sig-1"
    assert list(keys.decryption_keys) == ["rp-enc-1"]
    assert "no usable 'enc' key" in caplog.text
    assert OLD["rp-sig-1"]["d"][:12] not in caplog.text
    path.unlink()
    assert keys.signing_kid == "rp-sig-1"


def test_an_unchanged_file_is_not_parsed_again(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    write_atomically(path, keyfiles.load(keyfiles.RP_PRIVATE))
    keys = load_private_keys(path)
    before = os.stat(path)
    # Same inode, same size, same mtime: garbage of the same length is never read.
    size = before.st_size
    path.write_bytes(b" " * size)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert keys.signing_kid == "rp-sig-1"


# ------------------------------------------------------------------ planning a rotation


def test_rotate_signing_key_publishes_first_and_signs_after_the_delay() -> None:
    data = keyfiles.load(keyfiles.RP_PRIVATE)
    rotated = rotate_signing_key(data, now=T0, delay=WINDOW, bits=2048)
    new_kid = rotated["keys"][-1]["kid"]
    assert new_kid.startswith("sig-")
    clock = Clock(T0)
    keys = load_private_keys(rotated, clock=clock)
    assert keys.signing_kid == "rp-sig-1"
    assert new_kid in published_kids(keys)
    clock.now = T0 + WINDOW
    assert keys.signing_kid == new_kid
    clock.now = T0 + WINDOW + RETIRED_SIGNING_KEY_GRACE
    assert "rp-sig-1" not in published_kids(keys)
    # The input is not changed.
    assert data == keyfiles.load(keyfiles.RP_PRIVATE)
    with pytest.raises(ConfigurationError, match="already under way"):
        rotate_signing_key(rotated, now=T0 + 60, delay=WINDOW, bits=2048)
    # Once the new key signs, the next rotation may start.
    again = rotate_signing_key(
        prune_retired_keys(rotated, now=T0 + 2 * WINDOW),
        now=T0 + 2 * WINDOW,
        delay=WINDOW,
        bits=2048,
    )
    assert next(k["kid"] for k in again["keys"] if k["use"] == "sig") == new_kid


def test_rotate_encryption_key_swaps_and_keeps_decrypting_with_the_old_one() -> None:
    data = keyfiles.load(keyfiles.RP_PRIVATE)
    rotated = rotate_encryption_key(data, now=T0, delay=WINDOW, bits=2048)
    new_kid = next(k["kid"] for k in rotated["keys"] if k["kid"].startswith("enc-"))
    clock = Clock(T0)
    keys = load_private_keys(rotated, clock=clock)
    assert published_kids(keys) == ["rp-sig-1", new_kid]
    assert sorted(keys.decryption_keys) == sorted(["rp-enc-1", new_kid])
    clock.now = T0 + WINDOW
    assert list(keys.decryption_keys) == [new_kid]
    with pytest.raises(ConfigurationError, match="already under way"):
        rotate_encryption_key(rotated, now=T0 + 60, delay=WINDOW, bits=2048)
    pruned = prune_retired_keys(rotated, now=T0 + WINDOW)
    assert [k["kid"] for k in pruned["keys"]] == ["rp-sig-1", new_kid]
    assert prune_retired_keys(rotated, now=T0 + WINDOW - 1) == rotated


def test_rotation_refuses_a_delay_below_itsme_cache_floor() -> None:
    with pytest.raises(ConfigurationError, match="1800"):
        rotate_signing_key(keyfiles.load(keyfiles.RP_PRIVATE), now=T0, delay=60.0, bits=2048)
