"""An archive of itsme's public signing keys: the trust anchor for Confirm evidence years later.

Confirm evidence (:mod:`.evidence`) is a token itsme signed, kept with the public key that signed
it. The key stored next to the token proves nothing by itself: whoever can rewrite the row can
re-sign with a key of their own and store that one. What makes the key itsme's is an anchor kept
elsewhere: itsme's live JWKS fetched over TLS, or, after itsme has rotated the key away, this
archive, a JSON file the operator keeps (and may commit to version control or sign).

The file holds, per issuer (environment), every signing key ever seen in itsme's JWKS, keyed by
its RFC 7638 thumbprint, with the first and last time it was seen (UTC, ISO 8601). Keys are only
ever added; ``last_seen`` moves forward. Private key members are refused everywhere::

    {
      "format": "django-itsme/key-archive/v1",
      "keys": [
        {"issuer": "https://idp.prd.itsme.services/v2", "kid": "...",
         "thumbprint": "<base64url SHA-256, RFC 7638>", "jwk": {"kty": "RSA", "n": ..., "e": ...},
         "first_seen": "2026-11-29T08:00:00Z", "last_seen": "2026-12-01T08:00:00Z"}
      ]
    }
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .errors import KeyArchiveError
from .key_store import PRIVATE_MEMBERS
from .provider_json import parse_json

__all__ = [
    "ARCHIVE_FORMAT",
    "ArchiveAnchor",
    "ArchiveChange",
    "ArchivedKey",
    "KeyArchive",
    "KeyArchiveError",
    "merge_keys",
    "read_archive",
    "rsa_thumbprint",
    "write_archive",
]

#: The ``format`` member of every archive file; another value is refused, never guessed at.
ARCHIVE_FORMAT = "django-itsme/key-archive/v1"
#: The members RFC 7638 §3.2 hashes for an RSA key, in lexicographic order.
RSA_THUMBPRINT_MEMBERS = ("e", "kty", "n")
REFUSED_PRIVATE = "Refusing a key with private members: the archive holds public keys only."
#: Archive files are public keys, readable by everyone; the operator protects their integrity.
ARCHIVE_FILE_MODE = 0o644
#: The largest archive read (a key is about 600 bytes; decades of rotations fit easily).
MAX_ARCHIVE_BYTES = 4 * 1024 * 1024


def rsa_thumbprint(key: Mapping[str, Any]) -> str:
    """The RFC 7638 JWK thumbprint (SHA-256, base64url without padding) of a public RSA key.

    RFC 7638 §3.2: the required members ``e``, ``kty``, ``n`` in lexicographic order, as JSON
    without whitespace, hashed with SHA-256; §3.1 gives the test vector the tests use.

    :param key: an RSA JWK (other members are ignored).
    :returns: 43 characters of base64url.
    :raises KeyArchiveError: not an RSA key with string ``n`` and ``e``.
    """
    if key.get("kty") != "RSA" or not all(isinstance(key.get(m), str) for m in ("n", "e")):
        raise KeyArchiveError("Only RSA keys with 'n' and 'e' have a thumbprint here.")
    members = {name: key[name] for name in RSA_THUMBPRINT_MEMBERS}
    text = json.dumps(members, separators=(",", ":"), sort_keys=True, ensure_ascii=True)
    digest = hashlib.sha256(text.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def format_time(seconds: float) -> str:
    """Seconds since the epoch as UTC ISO 8601 to the second (``2026-11-29T08:00:00Z``)."""
    return datetime.fromtimestamp(int(seconds), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True, slots=True)
class ArchivedKey:
    """One of itsme's public signing keys, as archived.

    :ivar issuer: the environment (issuer) whose JWKS published it.
    :ivar kid: its ``kid`` when it was first seen.
    :ivar thumbprint: its RFC 7638 SHA-256 thumbprint: the key's identity in the archive.
    :ivar jwk: the public JWK (no private member).
    :ivar first_seen: UTC ISO 8601.
    :ivar last_seen: UTC ISO 8601.
    """

    issuer: str
    kid: str
    thumbprint: str
    jwk: Mapping[str, Any] = field(repr=False)
    first_seen: str
    last_seen: str

    def as_dict(self) -> dict[str, Any]:
        """The archive file's representation."""
        return {
            "issuer": self.issuer,
            "kid": self.kid,
            "thumbprint": self.thumbprint,
            "jwk": dict(self.jwk),
            "first_seen": self.first_seen,
            "last_seen": self.last_seen,
        }


@dataclass(frozen=True, slots=True)
class KeyArchive:
    """Every archived key, in a stable order (issuer, first seen, thumbprint)."""

    keys: tuple[ArchivedKey, ...] = ()

    def find(self, *, issuer: str, thumbprint: str) -> ArchivedKey | None:
        """The archived key of ``issuer`` with this thumbprint, if any."""
        for key in self.keys:
            if key.issuer == issuer and key.thumbprint == thumbprint:
                return key
        return None

    def for_issuer(self, issuer: str) -> list[ArchivedKey]:
        """The keys archived for one environment."""
        return [key for key in self.keys if key.issuer == issuer]

    def to_json(self) -> str:
        """The file's text: sorted, indented, one trailing newline (diffs stay readable)."""
        document = {"format": ARCHIVE_FORMAT, "keys": [key.as_dict() for key in self.keys]}
        return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=True) + "\n"


@dataclass(frozen=True, slots=True)
class ArchiveChange:
    """What :func:`merge_keys` did to one key: ``"added"`` or ``"seen"`` (last_seen moved)."""

    action: str
    key: ArchivedKey


def public_signing_jwk(key: Mapping[str, Any]) -> dict[str, Any]:
    """Check that ``key`` is a public RSA signing JWK and return the members worth archiving.

    :raises KeyArchiveError: a private member, not RSA, or not a signing key.
    """
    if PRIVATE_MEMBERS & set(key):
        raise KeyArchiveError(REFUSED_PRIVATE)
    if key.get("kty") != "RSA":
        raise KeyArchiveError("itsme signs with RSA keys only (D-JOSE); refusing another type.")
    if key.get("use") not in (None, "sig"):
        raise KeyArchiveError("Only signing keys ('use': 'sig') are archived.")
    kept = {name: key[name] for name in ("kty", "kid", "use", "alg", "n", "e") if name in key}
    rsa_thumbprint(kept)  # n and e are strings
    return kept


def _parse_entry(item: Any, position: int) -> ArchivedKey:
    where = f"key #{position + 1}"
    if not isinstance(item, Mapping):
        raise KeyArchiveError(f"The key archive's {where} is not an object.")
    jwk_data = item.get("jwk")
    if not isinstance(jwk_data, Mapping):
        raise KeyArchiveError(f"The key archive's {where} has no 'jwk' object.")
    if PRIVATE_MEMBERS & set(jwk_data):
        raise KeyArchiveError(f"The key archive's {where} holds private key members.")
    texts = {}
    for name in ("issuer", "kid", "thumbprint", "first_seen", "last_seen"):
        value = item.get(name)
        if not isinstance(value, str):
            raise KeyArchiveError(f"The key archive's {where} lacks a text {name!r}.")
        texts[name] = value
    for name in ("first_seen", "last_seen"):
        try:
            datetime.strptime(texts[name], "%Y-%m-%dT%H:%M:%SZ")
        except ValueError as exc:
            raise KeyArchiveError(
                f"The key archive's {where} has a {name} that is not UTC ISO 8601."
            ) from exc
    try:
        public = public_signing_jwk(jwk_data)
    except KeyArchiveError as exc:
        raise KeyArchiveError(f"The key archive's {where}: {exc.message}") from exc
    if rsa_thumbprint(public) != texts["thumbprint"]:
        raise KeyArchiveError(f"The key archive's {where} does not match its thumbprint.")
    return ArchivedKey(jwk=public, **texts)


def parse_archive(text: str) -> KeyArchive:
    """Parse an archive file's text.

    :raises KeyArchiveError: not JSON, another format, a malformed entry, a private member, or a
        thumbprint that does not match its key.
    """
    # Depth-capped before parsing (provider_json): an archive nests four levels.
    document = parse_json(text, error=KeyArchiveError, what="The key archive")
    if not isinstance(document, Mapping) or document.get("format") != ARCHIVE_FORMAT:
        raise KeyArchiveError(f"The key archive is not a {ARCHIVE_FORMAT!r} document.")
    items = document.get("keys")
    if not isinstance(items, list):
        raise KeyArchiveError("The key archive has no 'keys' list.")
    keys = [_parse_entry(item, position) for position, item in enumerate(items)]
    seen: set[tuple[str, str]] = set()
    for key in keys:
        if (key.issuer, key.thumbprint) in seen:
            raise KeyArchiveError("The key archive lists the same key twice.")
        seen.add((key.issuer, key.thumbprint))
    return KeyArchive(tuple(sorted(keys, key=_order)))


def read_archive(path: str | os.PathLike[str], *, missing_ok: bool = False) -> KeyArchive:
    """Read and check the archive at ``path``.

    :param path: the archive file.
    :param missing_ok: return an empty archive when the file does not exist (to create it).
    :returns: the archive.
    :raises KeyArchiveError: missing (unless ``missing_ok``), unreadable, too large, or invalid.
    """
    file = Path(path)
    try:
        with file.open("rb") as handle:
            data = handle.read(MAX_ARCHIVE_BYTES + 1)
    except FileNotFoundError as exc:
        if missing_ok:
            return KeyArchive()
        raise KeyArchiveError(f"The key archive {str(file)!r} does not exist.") from exc
    except OSError as exc:
        raise KeyArchiveError(
            f"The key archive {str(file)!r} cannot be read ({type(exc).__name__})."
        ) from exc
    if len(data) > MAX_ARCHIVE_BYTES:
        raise KeyArchiveError(f"The key archive {str(file)!r} is larger than 4 MiB.")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise KeyArchiveError(f"The key archive {str(file)!r} is not UTF-8 text.") from exc
    return parse_archive(text)


def merge_keys(
    archive: KeyArchive, *, issuer: str, keys: Iterable[Mapping[str, Any]], now: float
) -> tuple[KeyArchive, list[ArchiveChange]]:
    """Add the signing keys of a freshly fetched JWKS to the archive; never drop one.

    A key already archived for ``issuer`` (same thumbprint) gets ``last_seen = now``; a new one
    is added with ``first_seen = last_seen = now``. Encryption keys and non-RSA keys are skipped
    (only signatures are evidence); a key with private members is refused outright.

    :param archive: the current archive.
    :param issuer: the environment the keys were fetched for.
    :param keys: the JWKS's keys (public JWKs).
    :param now: seconds since the epoch.
    :returns: the new archive and what changed, in the JWKS's order.
    :raises KeyArchiveError: a key holds private members.
    """
    stamp = format_time(now)
    by_identity = {(key.issuer, key.thumbprint): key for key in archive.keys}
    changes: list[ArchiveChange] = []
    for raw in keys:
        if PRIVATE_MEMBERS & set(raw):
            raise KeyArchiveError(
                "Refusing a key with private members: the archive is public keys."
            )
        if raw.get("kty") != "RSA" or raw.get("use") not in (None, "sig"):
            continue
        public = public_signing_jwk(raw)
        thumbprint = rsa_thumbprint(public)
        known = by_identity.get((issuer, thumbprint))
        if known is None:
            entry = ArchivedKey(
                issuer=issuer,
                kid=str(public.get("kid", "")),
                thumbprint=thumbprint,
                jwk=public,
                first_seen=stamp,
                last_seen=stamp,
            )
            changes.append(ArchiveChange("added", entry))
        else:
            entry = replace(known, last_seen=max(known.last_seen, stamp))
            changes.append(ArchiveChange("seen", entry))
        by_identity[(issuer, thumbprint)] = entry
    return KeyArchive(tuple(sorted(by_identity.values(), key=_order))), changes


def write_archive(path: str | os.PathLike[str], archive: KeyArchive) -> None:
    """Write the archive atomically: a temporary file in the same directory, then a rename.

    A reader sees the old file or the new one, never half of one. The existing file's mode is
    kept; a new file gets :data:`ARCHIVE_FILE_MODE`.

    :raises KeyArchiveError: the directory is missing or not writable.
    """
    file = Path(path)
    text = archive.to_json()
    try:
        mode = file.stat().st_mode & 0o777
    except FileNotFoundError:
        mode = ARCHIVE_FILE_MODE
    except OSError as exc:
        raise KeyArchiveError(f"The key archive {str(file)!r} cannot be inspected.") from exc
    try:
        descriptor, temporary = tempfile.mkstemp(
            dir=file.parent, prefix=f".{file.name}.", suffix=".tmp"
        )
    except OSError as exc:
        raise KeyArchiveError(
            f"Cannot write next to {str(file)!r} ({type(exc).__name__}): is the directory there "
            "and writable?"
        ) from exc
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, file)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise KeyArchiveError(
            f"The key archive {str(file)!r} could not be written ({type(exc).__name__})."
        ) from exc


def _order(key: ArchivedKey) -> tuple[str, str, str]:
    return (key.issuer, key.first_seen, key.thumbprint)


@dataclass(frozen=True, slots=True)
class ArchiveAnchor:
    """A :class:`~.evidence.KeyAnchor` backed by a key archive.

    :param archive: the parsed archive.
    :param source: where it was read from, for the verdict (e.g. its path).
    """

    archive: KeyArchive
    source: str

    @property
    def label(self) -> str:
        """How the anchor is named in verdicts."""
        return f"key archive {self.source}"

    def vouch(self, *, issuer: str, kid: str, thumbprint: str) -> str | None:
        """Say why the archive vouches for this key of ``issuer``, or None when it does not know
        it (matched on the thumbprint: a ``kid`` is only a name)."""
        key = self.archive.find(issuer=issuer, thumbprint=thumbprint)
        if key is None:
            return None
        return f"{self.label} (first seen {key.first_seen}, last seen {key.last_seen})"
