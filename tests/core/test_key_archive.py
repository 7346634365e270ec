"""The archive of itsme's public signing keys (no Django): RFC 7638 thumbprints, append-only
merging, atomic writing, and every way a file is refused."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from django_itsme.core.key_archive import (
    ARCHIVE_FORMAT,
    ArchiveAnchor,
    KeyArchive,
    KeyArchiveError,
    format_time,
    merge_keys,
    parse_archive,
    read_archive,
    rsa_thumbprint,
    write_archive,
)
from tests import keyfiles

ISSUER = "https://idp.prd.itsme.services/v2"
E2E = "https://idp.e2e.itsme.services/v2"
DAY = 86400.0
T0 = 1_795_000_000.0  # 2026-11-18T...Z

# RFC 7638 §3.1: the example RSA key and its SHA-256 thumbprint.
RFC7638_KEY = {
    "kty": "RSA",
    "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbf"
    "AAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknj"
    "hMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65"
    "YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQ"
    "vRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lF"
    "d2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzK"
    "nqDKgw",
    "e": "AQAB",
    "alg": "RS256",
    "kid": "2011-04-29",
}
RFC7638_THUMBPRINT = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


def public_keys(path: Path) -> list[dict[str, Any]]:
    keys: list[dict[str, Any]] = keyfiles.public(path)["keys"]
    return keys


def signing_key(path: Path) -> dict[str, Any]:
    (key,) = [k for k in public_keys(path) if k["use"] == "sig"]
    return key


PROVIDER_SIG = signing_key(keyfiles.PROVIDER_PRIVATE)
FOREIGN_SIG = signing_key(keyfiles.FOREIGN_PRIVATE)


# ----------------------------------------------------------------------------- thumbprints
def test_rfc7638_thumbprint_vector() -> None:
    assert rsa_thumbprint(RFC7638_KEY) == RFC7638_THUMBPRINT


def test_thumbprint_ignores_optional_members() -> None:
    bare = {k: RFC7638_KEY[k] for k in ("kty", "n", "e")}
    assert rsa_thumbprint({**bare, "kid": "other", "use": "sig"}) == RFC7638_THUMBPRINT


@pytest.mark.parametrize(
    "key",
    [
        {"kty": "EC", "crv": "P-256", "x": "a", "y": "b"},
        {"kty": "RSA", "n": "abc"},
        {"kty": "RSA", "n": 1, "e": "AQAB"},
    ],
)
def test_thumbprint_needs_an_rsa_key(key: dict[str, Any]) -> None:
    with pytest.raises(KeyArchiveError, match="RSA"):
        rsa_thumbprint(key)


def test_format_time_is_utc_iso() -> None:
    assert format_time(0) == "1970-01-01T00:00:00Z"
    assert format_time(T0 + 0.9) == format_time(T0)


# ----------------------------------------------------------------------------- merging
def test_merge_adds_signing_keys_only() -> None:
    provider = public_keys(keyfiles.PROVIDER_PRIVATE)  # one sig, one enc
    archive, changes = merge_keys(KeyArchive(), issuer=ISSUER, keys=provider, now=T0)
    assert [(c.action, c.key.kid) for c in changes] == [("added", PROVIDER_SIG["kid"])]
    (key,) = archive.keys
    assert key.issuer == ISSUER
    assert key.thumbprint == rsa_thumbprint(PROVIDER_SIG)
    assert key.first_seen == key.last_seen == format_time(T0)
    assert set(key.jwk) <= {"kty", "kid", "use", "alg", "n", "e"}


def test_merge_moves_last_seen_and_never_drops_a_key() -> None:
    archive, _ = merge_keys(KeyArchive(), issuer=ISSUER, keys=[PROVIDER_SIG], now=T0)
    # itsme rotates: the old key leaves the JWKS, a new one appears.
    archive, changes = merge_keys(archive, issuer=ISSUER, keys=[FOREIGN_SIG], now=T0 + DAY)
    assert [c.action for c in changes] == ["added"]
    archive, changes = merge_keys(archive, issuer=ISSUER, keys=[FOREIGN_SIG], now=T0 + 2 * DAY)
    assert [c.action for c in changes] == ["seen"]
    old = archive.find(issuer=ISSUER, thumbprint=rsa_thumbprint(PROVIDER_SIG))
    new = archive.find(issuer=ISSUER, thumbprint=rsa_thumbprint(FOREIGN_SIG))
    assert old is not None
    assert new is not None
    assert (old.first_seen, old.last_seen) == (format_time(T0), format_time(T0))
    assert (new.first_seen, new.last_seen) == (format_time(T0 + DAY), format_time(T0 + 2 * DAY))


def test_merge_keeps_environments_apart() -> None:
    archive, _ = merge_keys(KeyArchive(), issuer=ISSUER, keys=[PROVIDER_SIG], now=T0)
    archive, changes = merge_keys(archive, issuer=E2E, keys=[PROVIDER_SIG], now=T0)
    assert [c.action for c in changes] == ["added"]
    assert len(archive.for_issuer(ISSUER)) == len(archive.for_issuer(E2E)) == 1


def test_same_kid_with_another_key_is_another_key() -> None:
    archive, _ = merge_keys(KeyArchive(), issuer=ISSUER, keys=[PROVIDER_SIG], now=T0)
    impostor = {**FOREIGN_SIG, "kid": PROVIDER_SIG["kid"]}
    archive, changes = merge_keys(archive, issuer=ISSUER, keys=[impostor], now=T0 + 1)
    assert [c.action for c in changes] == ["added"]
    assert len(archive.keys) == 2


@pytest.mark.attack
@pytest.mark.parametrize("member", ["d", "p", "q", "dp", "dq", "qi"])
def test_merge_refuses_private_members(member: str) -> None:
    with pytest.raises(KeyArchiveError, match="private members"):
        merge_keys(KeyArchive(), issuer=ISSUER, keys=[{**PROVIDER_SIG, member: "x"}], now=T0)


# ----------------------------------------------------------------------------- files
def test_write_then_read_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    archive, _ = merge_keys(KeyArchive(), issuer=ISSUER, keys=[PROVIDER_SIG], now=T0)
    write_archive(path, archive)
    assert read_archive(path) == archive
    document = json.loads(path.read_text())
    assert document["format"] == ARCHIVE_FORMAT
    assert path.read_text().endswith("}\n")
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["keys.json"]  # no temporary file left


def test_write_keeps_the_files_mode(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    write_archive(path, KeyArchive())
    path.chmod(0o600)
    write_archive(path, KeyArchive())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_write_replaces_atomically(tmp_path: Path) -> None:
    """The old file is replaced by a rename, never truncated in place: a reader holding it open
    keeps reading the complete old version."""
    path = tmp_path / "keys.json"
    write_archive(path, KeyArchive())
    before = path.stat().st_ino
    with path.open() as reader:
        archive, _ = merge_keys(KeyArchive(), issuer=ISSUER, keys=[PROVIDER_SIG], now=T0)
        write_archive(path, archive)
        assert json.loads(reader.read())["keys"] == []
    assert path.stat().st_ino != before
    assert len(read_archive(path).keys) == 1


def test_write_into_a_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(KeyArchiveError, match="directory"):
        write_archive(tmp_path / "nope" / "keys.json", KeyArchive())


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(KeyArchiveError, match="does not exist"):
        read_archive(tmp_path / "keys.json")
    assert read_archive(tmp_path / "keys.json", missing_ok=True) == KeyArchive()


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    write_archive(path, KeyArchive())
    path.chmod(0)
    with pytest.raises(KeyArchiveError, match="cannot be read"):
        read_archive(path)


def test_a_directory_is_not_an_archive(tmp_path: Path) -> None:
    with pytest.raises(KeyArchiveError, match="cannot be read"):
        read_archive(tmp_path)


def entry(**changes: Any) -> dict[str, Any]:
    archive, _ = merge_keys(KeyArchive(), issuer=ISSUER, keys=[PROVIDER_SIG], now=T0)
    return {**archive.keys[0].as_dict(), **changes}


def document(*entries: Any) -> str:
    return json.dumps({"format": ARCHIVE_FORMAT, "keys": list(entries)})


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("{", "not valid JSON"),
        ("[" * 100_000 + "]" * 100_000, "nests deeper than 32 levels"),
        ('{"keys": []}', "not a 'django-itsme/key-archive/v1' document"),
        (json.dumps({"format": "other", "keys": []}), "not a"),
        (json.dumps({"format": ARCHIVE_FORMAT}), "no 'keys' list"),
        (document("x"), "key #1 is not an object"),
        (document(entry(jwk=None)), "no 'jwk' object"),
        (document(entry(jwk={**PROVIDER_SIG, "d": "x"})), "private key members"),
        (document(entry(issuer=None)), "lacks a text 'issuer'"),
        (document(entry(first_seen="yesterday")), "not UTC ISO 8601"),
        (document(entry(jwk={**PROVIDER_SIG, "use": "enc"})), "Only signing keys"),
        (document(entry(jwk={"kty": "EC", "x": "a"})), "RSA keys only"),
        (document(entry(thumbprint=RFC7638_THUMBPRINT)), "does not match its thumbprint"),
        (document(entry(jwk=FOREIGN_SIG)), "does not match its thumbprint"),
        (document(entry(), entry()), "same key twice"),
    ],
)
def test_invalid_archives_are_refused(text: str, reason: str) -> None:
    with pytest.raises(KeyArchiveError, match=reason):
        parse_archive(text)


def test_invalid_file_names_its_path(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    path.write_bytes(b"\xff\xfe")
    with pytest.raises(KeyArchiveError, match=r"keys\.json.*not UTF-8"):
        read_archive(path)


# ----------------------------------------------------------------------------- anchor
def test_archive_anchor_vouches_by_issuer_and_thumbprint() -> None:
    archive, _ = merge_keys(KeyArchive(), issuer=ISSUER, keys=[PROVIDER_SIG], now=T0)
    anchor = ArchiveAnchor(archive, "/srv/keys.json")
    thumbprint = rsa_thumbprint(PROVIDER_SIG)
    said = anchor.vouch(issuer=ISSUER, kid="any", thumbprint=thumbprint)
    assert said == (
        f"key archive /srv/keys.json (first seen {format_time(T0)}, last seen {format_time(T0)})"
    )
    assert anchor.vouch(issuer=E2E, kid="any", thumbprint=thumbprint) is None
    foreign = rsa_thumbprint(FOREIGN_SIG)
    assert anchor.vouch(issuer=ISSUER, kid=PROVIDER_SIG["kid"], thumbprint=foreign) is None
