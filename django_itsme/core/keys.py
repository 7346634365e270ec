"""The site's own RSA keys: parsed once, checked against itsme's rules, exported public-only.

Rules (protocol notes §2.1): RSA only (D-JOSE), modulus at least 2048 bits and ``e`` = AQAB (TB),
at least one ``"use": "sig"`` and one ``"use": "enc"`` key (D-JOSE "Creating your JWK Set URI"),
every key with a unique ``kid`` (D-JOSE, mandatory since 2024-01), and the published set never
holds a private member (TB).

Lifecycle (D-AUTH "Key rotation procedure", protocol notes §2.2). A key may carry three optional
members, UTC times in ISO 8601 (``"2026-05-01T12:00:00Z"``), that are never published:

``x-itsme-not-before``   (``sig`` keys only) the key is published at once but signs only from then
``x-itsme-unpublish-at`` the key leaves the published set then (default: its retire time)
``x-itsme-retire-at``    the key is neither used nor published from then (``prune`` removes it)

The key that signs is the ``sig`` key whose ``not-before`` is the latest one already passed (a
key without one counts as the earliest; between equals, the first in the file); every other
``sig`` key that is not retired is published. Every ``enc`` key that is not retired decrypts,
chosen by the ``kid`` of the JWE header (D-JOSE §3); it is published until its unpublish time.
A plain JWK set without these members behaves as before: the first ``sig`` key signs, all keys
are published. ``manage.py itsme_keys rotate`` writes the dates (:mod:`.key_rotation`).

States are computed from the dates each time keys are used, so a key moves from "next" to
"active" without a restart. A set read from a file is parsed once; each use compares the file's
inode, size and modification time (one ``os.stat``) and parses it again only when they change. A
changed file with a problem is refused: the previous keys stay in use and one warning is logged.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from jwcrypto import jwk
from jwcrypto.common import JWException, base64url_decode

from .errors import ConfigurationError
from .key_store import KeyState, KeyStatus, KeyStoreError, KeyUnwrapError

__all__ = [
    "LIFECYCLE_MEMBERS",
    "MIN_RSA_BITS",
    "KeyProblem",
    "PrivateKeys",
    "inspect_private_jwks",
    "load_private_keys",
    "parse_time",
]

logger = logging.getLogger("django_itsme.keys")

#: TB ``index.html``: the modulus must be at least 256 bytes.
MIN_RSA_BITS = 2048
#: D-JOSE: request objects and client assertions are signed with RS256.
SIGNING_ALGORITHMS = frozenset({"RS256"})
#: D-JOSE / TB: the ``enc`` key is used with RSA-OAEP (TB) or RSA-OAEP-256 (recommended).
ENCRYPTION_ALGORITHMS = frozenset({"RSA-OAEP", "RSA-OAEP-256"})
_PUBLIC_MEMBERS = ("kty", "kid", "use", "alg", "n", "e")
#: RFC 7518 §3.3 (RSASSA-PKCS1-v1_5) and §3.5 (RSASSA-PSS, salt as long as the hash): the
#: paddings :meth:`PrivateKeys.sign` applies by JWS ``alg`` (``key_store.SIGNATURE_ALGORITHMS``).
_SIGNATURE_PADDINGS: Mapping[str, padding.AsymmetricPadding] = {
    "RS256": padding.PKCS1v15(),
    "PS256": padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32),
}
#: RFC 7518 §4.3: RSA-OAEP is OAEP with SHA-1 and MGF1-SHA-1, RSA-OAEP-256 with SHA-256 for both
#: (:data:`.key_store.UNWRAP_ALGORITHMS`).
_UNWRAP_PADDINGS: Mapping[str, padding.OAEP] = {
    "RSA-OAEP": padding.OAEP(mgf=padding.MGF1(hashes.SHA1()), algorithm=hashes.SHA1(), label=None),  # noqa: S303
    "RSA-OAEP-256": padding.OAEP(
        mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None
    ),
}
#: The private set's lifecycle members (module docstring); any other ``x-itsme-`` member is an
#: error, so a typo never silently leaves a key in use.
LIFECYCLE_MEMBERS = ("x-itsme-not-before", "x-itsme-unpublish-at", "x-itsme-retire-at")
_LIFECYCLE_PREFIX = "x-itsme-"

KeySource = str | os.PathLike[str] | Mapping[str, Any]
ProblemKind = Literal["missing", "unreadable", "unusable", "roles"]
Clock = Callable[[], float]


@dataclass(frozen=True, slots=True)
class KeyProblem:
    """One reason a private JWK set cannot be used; ``kind`` groups them for system checks."""

    kind: ProblemKind
    message: str


@dataclass(frozen=True, slots=True)
class _Entry:
    """One parsed key and its lifecycle times (seconds since the epoch, or None)."""

    key: jwk.JWK
    kid: str
    use: str
    not_before: float | None
    unpublish_at: float | None
    retire_at: float | None


@dataclass(frozen=True, slots=True)
class _View:
    """What the keys do from ``since`` until ``until`` (the next date in the set)."""

    signing: _Entry | None
    decryption: Mapping[str, jwk.JWK]
    public: tuple[dict[str, str], ...]
    live: Mapping[str, _Entry]
    since: float
    until: float


def _build_view(entries: tuple[_Entry, ...], now: float) -> _View:
    live = [e for e in entries if e.retire_at is None or e.retire_at > now]
    signing: _Entry | None = None
    for entry in live:
        if entry.use != "sig" or (entry.not_before is not None and entry.not_before > now):
            continue
        if signing is None or (entry.not_before or float("-inf")) > (
            signing.not_before or float("-inf")
        ):
            signing = entry
    decryption = {e.kid: e.key for e in live if e.use == "enc"}
    public = tuple(_public_member_dict(e.key) for e in live if _is_published(e, now))
    upcoming = [
        t
        for e in entries
        for t in (e.not_before, e.unpublish_at, e.retire_at)
        if t is not None and t > now
    ]
    until = min(upcoming, default=float("inf"))
    return _View(signing, decryption, public, {e.kid: e for e in live}, now, until)


def _is_published(entry: _Entry, now: float) -> bool:
    hide_at = entry.unpublish_at if entry.unpublish_at is not None else entry.retire_at
    return hide_at is None or hide_at > now


def _state_of(entry: _Entry, view: _View, now: float) -> KeyStatus:
    published = any(k["kid"] == entry.kid for k in view.public)
    state: KeyState
    if entry.retire_at is not None and entry.retire_at <= now:
        state = "retired"
    elif entry.use == "sig":
        if view.signing is entry:
            state = "active"
        elif entry.not_before is not None and entry.not_before > now:
            state = "next"
        else:
            state = "published"
    else:
        state = "active" if published else "retiring"
    return KeyStatus(
        entry.kid,
        entry.use,
        state,
        published,
        entry.not_before,
        entry.unpublish_at,
        entry.retire_at,
    )


class PrivateKeys:
    """The site's private keys, parsed once per process, in force by date (module docstring):
    the default :class:`~.key_store.KeyStore`, the keys held in memory.

    Never prints key material: ``repr`` shows kids only, and :meth:`public_jwks` exports the
    public members listed in ``_PUBLIC_MEMBERS`` and nothing else.
    """

    __slots__ = ("_clock", "_entries", "_lock", "_path", "_refused", "_signature", "_view")

    def __init__(
        self,
        entries: tuple[_Entry, ...],
        *,
        clock: Clock = time.time,
        path: Path | None = None,
        signature: tuple[int, int, int] | None = None,
    ) -> None:
        self._entries = entries
        self._clock = clock
        self._path = path
        self._signature = signature
        self._refused: tuple[int, int, int] | None = None
        self._lock = threading.Lock()
        self._view = _build_view(entries, clock())

    @property
    def path(self) -> Path | None:
        """The file the keys were read from (and are re-read from when it changes), or None."""
        return self._path

    def _current(self) -> _View:
        if self._path is not None:
            self._reload_if_changed(self._path)
        now = self._clock()
        view = self._view
        if not view.since <= now < view.until:
            view = self._view = _build_view(self._entries, now)
        return view

    def _reload_if_changed(self, path: Path) -> None:
        signature = _file_signature(path)
        if signature is None or signature in (self._signature, self._refused):
            return
        with self._lock:
            if signature in (self._signature, self._refused):
                return
            entries, problems = _parse(path, self._clock())
            if entries is None:
                self._refused = signature
                message = problems[0].message if problems else "PRIVATE_JWKS is unusable."
                logger.warning(
                    "The changed PRIVATE_JWKS file is refused; keys unchanged: %s", message
                )
                return
            self._entries = entries
            self._signature = signature
            self._view = _build_view(entries, self._clock())

    @property
    def signing_key(self) -> jwk.JWK:
        """The key request objects and client assertions are signed with, now.

        :raises ConfigurationError: no ``sig`` key may sign now (every one retired or not yet due).
        """
        signing = self._current().signing
        if signing is None:
            raise ConfigurationError("PRIVATE_JWKS has no 'sig' key that may sign now.")
        return signing.key

    @property
    def signing_kid(self) -> str:
        """The ``kid`` put in the JWS header of everything we sign now (D-JOSE)."""
        return str(self.signing_key.get("kid"))

    @property
    def decryption_keys(self) -> Mapping[str, jwk.JWK]:
        """Every ``enc`` key that decrypts now (published or retiring), by ``kid``."""
        return self._current().decryption

    @property
    def decryption_kids(self) -> tuple[str, ...]:
        """The ``kid`` of every ``enc`` key that decrypts now, in file order."""
        return tuple(self._current().decryption)

    def sign(self, signing_input: bytes, *, kid: str, alg: str) -> bytes:
        """Sign a JWS signing input with the ``sig`` key ``kid`` (:meth:`.KeyStore.sign`).

        :param signing_input: ``BASE64URL(header) '.' BASE64URL(payload)`` as bytes.
        :param kid: a ``sig`` key that is not retired.
        :param alg: ``RS256`` or ``PS256``.
        :returns: the signature.
        :raises KeyStoreError: no such key, or another ``alg``.
        """
        entry = self._current().live.get(kid)
        chosen = _SIGNATURE_PADDINGS.get(alg)
        if entry is None or entry.use != "sig" or chosen is None:
            raise KeyStoreError(f"PRIVATE_JWKS cannot sign {alg[:16]!r} with kid {kid[:64]!r}.")
        private = entry.key.get_op_key("sign")
        return bytes(private.sign(signing_input, chosen, hashes.SHA256()))

    def unwrap_key(self, kid: str, encrypted_key: bytes, *, alg: str) -> bytes:
        """Decrypt a JWE encrypted key with the ``enc`` key ``kid`` (:meth:`.KeyStore.unwrap_key`).

        :raises KeyUnwrapError: it does not decrypt with that key.
        :raises KeyStoreError: no such key decrypts now, or another ``alg``.
        """
        key = self._current().decryption.get(kid)
        chosen = _UNWRAP_PADDINGS.get(alg)
        if key is None or chosen is None:
            raise KeyStoreError(f"PRIVATE_JWKS cannot decrypt {alg[:16]!r} with kid {kid[:64]!r}.")
        try:
            return bytes(key.get_op_key("unwrapKey").decrypt(encrypted_key, chosen))
        except ValueError:
            raise KeyUnwrapError from None

    def public_jwk(self, kid: str) -> dict[str, str]:
        """The public members of the key ``kid``, published or not, while it is not retired.

        :raises KeyStoreError: no such key.
        """
        entry = self._current().live.get(kid)
        if entry is None:
            raise KeyStoreError(f"PRIVATE_JWKS has no key {kid[:64]!r} in use.")
        return _public_member_dict(entry.key)

    def public_jwks(self) -> dict[str, list[dict[str, str]]]:
        """The JWK set to publish at the ``jwks_uri`` registered with itsme, now: public members
        only, never a lifecycle member."""
        return {"keys": [dict(k) for k in self._current().public]}

    def statuses(self, now: float | None = None) -> list[KeyStatus]:
        """Each key's state at ``now`` (default: the clock), in file order; no key material.

        :param now: seconds since the epoch.
        :returns: one :class:`KeyStatus` per key.
        """
        self._current()
        moment = self._clock() if now is None else now
        view = _build_view(self._entries, moment)
        return [_state_of(entry, view, moment) for entry in self._entries]

    def __repr__(self) -> str:
        view = self._current()
        enc = ", ".join(view.decryption)
        sig = view.signing.kid if view.signing is not None else None
        return f"PrivateKeys(sig={sig!r}, enc=[{enc}])"


def _public_member_dict(key: jwk.JWK) -> dict[str, str]:
    exported: dict[str, Any] = key.export_public(as_dict=True)
    return {name: str(exported[name]) for name in _PUBLIC_MEMBERS if name in exported}


def _file_signature(path: Path) -> tuple[int, int, int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_ino, info.st_size, info.st_mtime_ns)


def parse_time(value: object) -> float | None:
    """Read a lifecycle time: an ISO 8601 string with a time zone (``...Z``).

    :param value: the member's value.
    :returns: seconds since the epoch, or None when ``value`` is not such a string.
    """
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return moment.astimezone(UTC).timestamp()


def _read_source(source: object) -> tuple[Any, list[KeyProblem]]:
    if source is None or source in ("", {}):
        return None, [KeyProblem("missing", "PRIVATE_JWKS is not set.")]
    if isinstance(source, Mapping):
        return source, []
    text: str
    if isinstance(source, str) and source.lstrip().startswith("{"):
        text = source
    elif not isinstance(source, str | os.PathLike):
        return None, [KeyProblem("unreadable", "PRIVATE_JWKS must be a path, JSON text or a dict.")]
    else:
        path = Path(os.fspath(source))
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None, [KeyProblem("unreadable", f"PRIVATE_JWKS file {str(path)!r} not found.")]
        except (OSError, UnicodeDecodeError) as exc:
            reason = type(exc).__name__
            msg = f"PRIVATE_JWKS file {str(path)!r} cannot be read ({reason})."
            return None, [KeyProblem("unreadable", msg)]
    try:
        return json.loads(text), []
    except ValueError:
        # The decoder's message quotes the document, which may hold key material: not shown.
        return None, [KeyProblem("unreadable", "PRIVATE_JWKS is not valid JSON.")]


def _lifecycle_times(
    data: Mapping[str, Any], label: str, problems: list[KeyProblem]
) -> tuple[float | None, ...] | None:
    """Read the lifecycle members of one key; None (with a problem) when one is wrong."""
    unknown = sorted(
        name
        for name in data
        if isinstance(name, str)
        and name.startswith(_LIFECYCLE_PREFIX)
        and name not in LIFECYCLE_MEMBERS
    )
    if unknown:
        known = ", ".join(LIFECYCLE_MEMBERS)
        message = f"PRIVATE_JWKS {label} has the unknown member {unknown[0]!r} (known: {known})."
        problems.append(KeyProblem("unusable", message))
        return None
    times: list[float | None] = []
    for name in LIFECYCLE_MEMBERS:
        if name not in data:
            times.append(None)
            continue
        moment = parse_time(data[name])
        if moment is None:
            message = (
                f"PRIVATE_JWKS {label}: {name} must be a UTC time in ISO 8601, "
                "such as '2026-05-01T12:00:00Z'."
            )
            problems.append(KeyProblem("unusable", message))
            return None
        times.append(moment)
    return tuple(times)


def _check_key(
    index: int, data: Any, problems: list[KeyProblem], *, private: bool = True
) -> _Entry | None:
    label = f"key #{index + 1}"
    if not isinstance(data, Mapping):
        problems.append(KeyProblem("unusable", f"PRIVATE_JWKS {label} is not a JSON object."))
        return None
    kid = data.get("kid")
    if isinstance(kid, str) and kid:
        label = f"key {kid!r}"
    if data.get("kty") != "RSA":
        problems.append(KeyProblem("unusable", f"PRIVATE_JWKS {label} is not an RSA key (D-JOSE)."))
        return None
    times = _lifecycle_times(data, label, problems)
    if times is None:
        return None
    not_before, unpublish_at, retire_at = times
    # The lifecycle members are ours: they never reach jwcrypto, so no export can carry them.
    members = {k: v for k, v in data.items() if not str(k).startswith(_LIFECYCLE_PREFIX)}
    try:
        key = jwk.JWK(**members)
    except (JWException, ValueError, TypeError):
        problems.append(KeyProblem("unusable", f"PRIVATE_JWKS {label} is not a valid RSA JWK."))
        return None
    if private and not key.has_private:
        problems.append(
            KeyProblem("unusable", f"PRIVATE_JWKS {label} has no private part ('d' is missing).")
        )
        return None
    bits = int.from_bytes(base64url_decode(str(data.get("n", ""))), "big").bit_length()
    if bits < MIN_RSA_BITS:
        problems.append(
            KeyProblem("unusable", f"PRIVATE_JWKS {label} has {bits} bits; at least 2048 needed.")
        )
        return None
    if data.get("e") != "AQAB":
        problems.append(KeyProblem("unusable", f"PRIVATE_JWKS {label} must use e = AQAB (TB)."))
        return None
    if not (isinstance(kid, str) and kid):
        problems.append(KeyProblem("roles", f"PRIVATE_JWKS {label} has no 'kid' (D-JOSE)."))
        return None
    use = data.get("use")
    alg = data.get("alg")
    if use == "sig" and alg not in (None, *SIGNING_ALGORITHMS):
        problems.append(KeyProblem("roles", f"PRIVATE_JWKS {label} is a sig key but alg is {alg}."))
        return None
    if use == "enc" and alg not in (None, *ENCRYPTION_ALGORITHMS):
        problems.append(
            KeyProblem("roles", f"PRIVATE_JWKS {label} is an enc key but alg is {alg}.")
        )
        return None
    if use not in ("sig", "enc"):
        problems.append(KeyProblem("roles", f"PRIVATE_JWKS {label} needs 'use': 'sig' or 'enc'."))
        return None
    if use == "enc" and not_before is not None:
        message = (
            f"PRIVATE_JWKS {label}: x-itsme-not-before applies to 'sig' keys only; a new 'enc' "
            "key decrypts from the moment it is published."
        )
        problems.append(KeyProblem("unusable", message))
        return None
    return _Entry(key, kid, str(use), not_before, unpublish_at, retire_at)


def _parse(
    source: KeySource | None, now: float, *, private: bool = True
) -> tuple[tuple[_Entry, ...] | None, list[KeyProblem]]:
    data, problems = _read_source(source)
    if problems:
        return None, problems
    keys = data.get("keys") if isinstance(data, Mapping) else None
    if not isinstance(keys, list) or not keys:
        return None, [KeyProblem("unreadable", "PRIVATE_JWKS must be a JWK set: {'keys': [...]}.")]
    parsed = [_check_key(i, item, problems, private=private) for i, item in enumerate(keys)]
    usable = tuple(e for e in parsed if e is not None)
    kids = [e.kid for e in usable]
    duplicated = sorted({kid for kid in kids if kids.count(kid) > 1})
    if duplicated:
        problems.append(KeyProblem("roles", f"PRIVATE_JWKS repeats kid {', '.join(duplicated)}."))
    if not any(e.use == "sig" for e in usable):
        problems.append(KeyProblem("roles", "PRIVATE_JWKS has no usable 'sig' key (D-JOSE)."))
    if not any(e.use == "enc" for e in usable):
        problems.append(KeyProblem("roles", "PRIVATE_JWKS has no usable 'enc' key (D-JOSE)."))
    if problems:
        return None, problems
    view = _build_view(usable, now)
    if view.signing is None:
        message = (
            "PRIVATE_JWKS has no 'sig' key that may sign now: each one is retired or has an "
            "x-itsme-not-before still to come."
        )
        problems.append(KeyProblem("roles", message))
    if not any(k["use"] == "enc" for k in view.public):
        message = "PRIVATE_JWKS publishes no 'enc' key now: each one is retired or unpublished."
        problems.append(KeyProblem("roles", message))
    if problems:
        return None, problems
    return usable, []


def inspect_private_jwks(
    source: KeySource | None, *, clock: Clock = time.time, private: bool = True
) -> tuple[PrivateKeys | None, list[KeyProblem]]:
    """Parse and check a private JWK set without raising.

    :param source: a path (``str`` or ``Path``), JSON text, or an already parsed mapping. A
        path is re-read when the file changes (module docstring).
    :param clock: returns the current time in seconds since the epoch; the keys' states follow it.
    :param private: False for the public halves of keys a :class:`~.key_store.KeyStore` holds
        elsewhere (an HSM): the same rules and lifecycle, only ``d`` is not required (and such a
        set signs and decrypts nothing itself).
    :returns: the usable keys (or None) and every problem found.
    """
    path: Path | None = None
    signature: tuple[int, int, int] | None = None
    if isinstance(source, os.PathLike) or (
        isinstance(source, str) and source and not source.lstrip().startswith("{")
    ):
        path = Path(os.fspath(source))
        signature = _file_signature(path)
    entries, problems = _parse(source, clock(), private=private)
    if entries is None:
        return None, problems
    return PrivateKeys(entries, clock=clock, path=path, signature=signature), []


def load_private_keys(source: KeySource | None, *, clock: Clock = time.time) -> PrivateKeys:
    """Parse and check a private JWK set.

    :param source: a path, JSON text or a mapping (see :func:`inspect_private_jwks`).
    :param clock: returns the current time in seconds since the epoch.
    :returns: the parsed keys.
    :raises ConfigurationError: naming the first problem; never quoting key material.
    """
    keys, problems = inspect_private_jwks(source, clock=clock)
    if keys is None:
        raise ConfigurationError(problems[0].message if problems else "PRIVATE_JWKS is unusable.")
    return keys
