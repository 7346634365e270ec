"""Plan a key rotation in a private JWK set: itsme's procedure as dates (protocol notes §2.2).

itsme caches a partner's JWKS for 30 minutes to 24 hours (D-AUTH "Key rotation procedure"), so a
change to the published set reaches itsme only after that window. The functions here take a
private set (a dict, as stored in the ``PRIVATE_JWKS`` file) and return a new one with the
lifecycle members :mod:`.keys` reads (``x-itsme-not-before``, ``x-itsme-unpublish-at``,
``x-itsme-retire-at``); they never change their input and never write files.

Signing key (D-AUTH: publish the new key, then sign with it, then remove the old one): the new
key is published at once and signs from ``now + delay``, when every copy of our JWKS itsme may
hold has it. The old key stops signing then and stays published for
:data:`RETIRED_SIGNING_KEY_GRACE` more, for what it signed just before the switch.

Encryption key (D-AUTH: swap the key in the set, keep decrypting with both, wait, drop the old
one): the new key is published and decrypts at once; the old one leaves the published set at once
but keeps decrypting until ``now + delay``, while itsme may still encrypt to it from a stale copy;
then it is retired, and :func:`prune_retired_keys` removes it from the file.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from .errors import ConfigurationError
from .key_store import KeyStatus
from .keygen import DEFAULT_BITS, generate_private_key
from .keys import inspect_private_jwks, parse_time

__all__ = [
    "DEFAULT_ROTATION_DELAY",
    "ITSME_JWKS_CACHE_MAX",
    "ITSME_JWKS_CACHE_MIN",
    "RETIRED_SIGNING_KEY_GRACE",
    "ROTATION_MARGIN",
    "format_time",
    "prune_retired_keys",
    "rotate_encryption_key",
    "rotate_signing_key",
]

#: D-AUTH "Key rotation procedure": itsme keeps a partner's JWKS at least 30 minutes...
ITSME_JWKS_CACHE_MIN = 1800.0
#: ... and at most 24 hours (a shorter ``max-age`` may shorten it; nothing promises it does).
ITSME_JWKS_CACHE_MAX = 86_400.0
#: Added to the worst case for clocks, a slow deployment of the file to every instance, and
#: flows that were half-way when itsme refreshed its copy.
ROTATION_MARGIN = 3600.0
#: How long a rotation waits by default: the worst case of itsme's cache plus the margin.
DEFAULT_ROTATION_DELAY = ITSME_JWKS_CACHE_MAX + ROTATION_MARGIN
#: A retired signing key stays published this long after its successor starts signing: request
#: objects served by reference live 10 minutes (D-AREQ), client assertions less.
RETIRED_SIGNING_KEY_GRACE = 3600.0


def format_time(seconds: float) -> str:
    """Write a lifecycle time as the private set stores it: ISO 8601 UTC, to the second.

    :param seconds: seconds since the epoch.
    :returns: e.g. ``"2026-05-01T12:00:00Z"``.
    """
    return datetime.fromtimestamp(int(seconds), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _statuses(private_set: Mapping[str, Any], now: float) -> list[KeyStatus]:
    keys, problems = inspect_private_jwks(private_set, clock=lambda: now)
    if keys is None:
        message = problems[0].message if problems else "PRIVATE_JWKS is unusable."
        raise ConfigurationError(f"Cannot rotate: {message}")
    return keys.statuses(now)


def _check_delay(delay: float) -> None:
    if delay < ITSME_JWKS_CACHE_MIN:
        raise ConfigurationError(
            f"The rotation delay must be at least {int(ITSME_JWKS_CACHE_MIN)} seconds: itsme "
            "keeps our JWKS at least 30 minutes (D-AUTH 'Key rotation procedure')."
        )


def _copy_keys(private_set: Mapping[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    result = copy.deepcopy(dict(private_set))
    keys: list[dict[str, Any]] = result["keys"]
    return result, keys


def _earlier(existing: object, moment: float) -> str:
    current = parse_time(existing)
    return format_time(moment if current is None else min(current, moment))


def rotate_signing_key(
    private_set: Mapping[str, Any],
    *,
    now: float,
    delay: float = DEFAULT_ROTATION_DELAY,
    bits: int = DEFAULT_BITS,
) -> dict[str, Any]:
    """Add a new ``sig`` key that signs from ``now + delay``; retire the current one after it.

    :param private_set: the private JWK set (not changed).
    :param now: seconds since the epoch.
    :param delay: seconds between publishing the new key and signing with it (at least
        :data:`ITSME_JWKS_CACHE_MIN`; default :data:`DEFAULT_ROTATION_DELAY`).
    :param bits: the new key's modulus size.
    :returns: the new private set.
    :raises ConfigurationError: the set is unusable, the delay too short, or a signing key
        rotation is already under way.
    """
    _check_delay(delay)
    statuses = _statuses(private_set, now)
    waiting = [s for s in statuses if s.use == "sig" and s.state == "next"]
    if waiting:
        starts = format_time(waiting[0].not_before or now)
        raise ConfigurationError(
            f"A signing key rotation is already under way: {waiting[0].kid} signs from {starts}."
        )
    active = next(s.kid for s in statuses if s.use == "sig" and s.state == "active")
    switch = now + delay
    result, keys = _copy_keys(private_set)
    for key in keys:
        if key.get("kid") == active:
            key["x-itsme-retire-at"] = _earlier(
                key.get("x-itsme-retire-at"), switch + RETIRED_SIGNING_KEY_GRACE
            )
    new_key = generate_private_key("sig", bits=bits)
    new_key["x-itsme-not-before"] = format_time(switch)
    keys.append(new_key)
    return result


def rotate_encryption_key(
    private_set: Mapping[str, Any],
    *,
    now: float,
    delay: float = DEFAULT_ROTATION_DELAY,
    bits: int = DEFAULT_BITS,
) -> dict[str, Any]:
    """Publish a new ``enc`` key now; unpublish the current ones now, decrypting until ``now +
    delay``.

    :param private_set: the private JWK set (not changed).
    :param now: seconds since the epoch.
    :param delay: how long the old keys keep decrypting (at least :data:`ITSME_JWKS_CACHE_MIN`).
    :param bits: the new key's modulus size.
    :returns: the new private set.
    :raises ConfigurationError: the set is unusable, the delay too short, or an encryption key
        rotation is already under way (an old key still decrypts).
    """
    _check_delay(delay)
    statuses = _statuses(private_set, now)
    retiring = [s for s in statuses if s.use == "enc" and s.state == "retiring"]
    if retiring:
        until = format_time(retiring[0].retire_at or now)
        raise ConfigurationError(
            "An encryption key rotation is already under way: "
            f"{retiring[0].kid} decrypts until {until}."
        )
    published = {s.kid for s in statuses if s.use == "enc" and s.state == "active"}
    result, keys = _copy_keys(private_set)
    for key in keys:
        if key.get("kid") in published:
            key["x-itsme-unpublish-at"] = format_time(now)
            key["x-itsme-retire-at"] = _earlier(key.get("x-itsme-retire-at"), now + delay)
    keys.append(generate_private_key("enc", bits=bits))
    return result


def prune_retired_keys(private_set: Mapping[str, Any], *, now: float) -> dict[str, Any]:
    """Remove the keys whose ``x-itsme-retire-at`` has passed: they are neither used nor published.

    :param private_set: the private JWK set (not changed).
    :param now: seconds since the epoch.
    :returns: the new private set.
    """
    result, keys = _copy_keys(private_set)
    kept = []
    for key in keys:
        retire_at = parse_time(key.get("x-itsme-retire-at")) if isinstance(key, dict) else None
        if retire_at is None or retire_at > now:
            kept.append(key)
    result["keys"] = kept
    return result
