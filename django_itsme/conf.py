"""The only reader of ``settings.ITSME``: parsed once per process into frozen, typed settings.

The protocol keys are parsed by :func:`django_itsme.core.config.parse_config` (so keys are loaded
and checked once); this module adds the Django-only keys and caches the result until a
``setting_changed`` signal (tests' ``override_settings``) clears it.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver

from .core.config import ClientConfig, Problem, parse_config

__all__ = [
    "DJANGO_SETTINGS",
    "ItsmeSettings",
    "Lazy",
    "clear_settings",
    "get_settings",
    "inspect_settings",
    "is_client_address_header",
    "is_flow_start_limit",
    "is_jwks_max_age",
    "is_key_archive",
    "is_link_max_age",
    "itsme_setting",
]

T = TypeVar("T")

#: The keys only the Django layer reads, with their defaults.
DJANGO_SETTINGS: dict[str, Any] = {
    #: Create a local user on the first itsme login of an unknown ``sub``.
    "CREATE_USERS": True,
    #: The Django cache alias that holds discovery, provider keys and request objects.
    "CACHE": "default",
    #: Path of the archive of itsme's public signing keys Confirm evidence is verified against
    #: (``manage.py itsme_archive_keys`` keeps it); None: evidence is anchored online only.
    "KEY_ARCHIVE": None,
    #: Flow starts per client address per minute (None or 0: no limit). A person never gets
    #: near 20 (each start opens the itsme app); a script stops after storing 20 sessions and
    #: request objects per address and minute (throttle.py).
    "FLOW_START_LIMIT": 20,
    #: The ``request.META`` key of a header a trusted reverse proxy sets to the client's address
    #: (``"HTTP_X_FORWARDED_FOR"``); None counts flow starts by ``REMOTE_ADDR``.
    "CLIENT_ADDRESS_HEADER": None,
    #: ``itsme:link`` only for a login at most this many seconds old in this session (None: any).
    "LINK_MAX_AGE": None,
    #: ``Cache-Control: max-age`` of the ``itsme:jwks`` route, in seconds. itsme caches our JWKS
    #: 30 minutes to 24 hours and honours ``max-age`` in between (D-AUTH "Key rotation
    #: procedure"); one hour spares our server. Rotations wait for the worst case anyway.
    "JWKS_MAX_AGE": 3600,
}

#: The longest useful ``JWKS_MAX_AGE``: itsme keeps our JWKS at most 24 hours (D-AUTH).
MAX_JWKS_MAX_AGE = 86_400
#: Below this itsme still keeps our JWKS (at least 30 minutes, D-AUTH): a shorter ``max-age``
#: only brings more fetches (W011).
ITSME_JWKS_CACHE_FLOOR = 1800

#: What ``CLIENT_ADDRESS_HEADER`` looks like: a ``request.META`` key.
_META_KEY = re.compile(r"[A-Z][A-Z0-9_]*")


def is_flow_start_limit(value: object) -> bool:
    """Tell whether ``value`` is a valid ``FLOW_START_LIMIT``: None or a whole number >= 0."""
    return value is None or (type(value) is int and value >= 0)


def is_client_address_header(value: object) -> bool:
    """Tell whether ``value`` is a valid ``CLIENT_ADDRESS_HEADER``: None or a ``request.META``
    key such as ``"HTTP_X_FORWARDED_FOR"``."""
    return value is None or (isinstance(value, str) and bool(_META_KEY.fullmatch(value)))


def is_link_max_age(value: object) -> bool:
    """Tell whether ``value`` is a valid ``LINK_MAX_AGE``: None or a whole number of seconds > 0."""
    return value is None or (type(value) is int and value > 0)


def is_jwks_max_age(value: object) -> bool:
    """Tell whether ``value`` is a valid ``JWKS_MAX_AGE``: whole seconds from 1 to 86400."""
    return type(value) is int and 0 < value <= MAX_JWKS_MAX_AGE


def is_key_archive(value: object) -> bool:
    """Tell whether ``value`` is a valid ``KEY_ARCHIVE``: None or a non-empty path."""
    return value is None or (isinstance(value, str | os.PathLike) and bool(str(value)))


@dataclass(frozen=True, slots=True)
class ItsmeSettings:
    """Everything the Django app reads from ``ITSME``, checked.

    :ivar client: the protocol configuration (client id, issuer, keys, services, ...).
    :ivar create_users: ``CREATE_USERS``.
    :ivar cache_alias: ``CACHE``.
    :ivar flow_start_limit: ``FLOW_START_LIMIT``; 0 when there is no limit.
    :ivar client_address_header: ``CLIENT_ADDRESS_HEADER``.
    :ivar key_archive: ``KEY_ARCHIVE``, as a path.
    :ivar link_max_age: ``LINK_MAX_AGE``.
    :ivar jwks_max_age: ``JWKS_MAX_AGE``.
    """

    client: ClientConfig
    create_users: bool
    cache_alias: str
    flow_start_limit: int = 0
    client_address_header: str | None = None
    key_archive: Path | None = None
    link_max_age: int | None = None
    jwks_max_age: int = DJANGO_SETTINGS["JWKS_MAX_AGE"]


class Lazy(Generic[T]):
    """A per-process value built on first use (once, under a lock) and reused until cleared.

    :param build: makes the value.
    :param cleared_with_settings: also forget it when the settings are (:func:`clear_settings`):
        for values built from them.
    """

    def __init__(self, build: Callable[[], T], *, cleared_with_settings: bool = False) -> None:
        self._build = build
        self._lock = threading.Lock()
        self._value: T | None = None
        if cleared_with_settings:
            _built_from_settings.append(self)

    def get(self) -> T:
        """The value, built now if needed (a failing build is tried again next time)."""
        value = self._value
        if value is None:
            with self._lock:
                if self._value is None:
                    self._value = self._build()
                value = self._value
        return value

    def clear(self) -> None:
        """Forget the value."""
        with self._lock:
            self._value = None


#: The values built from the settings, forgotten with them.
_built_from_settings: list[Lazy[Any]] = []


def itsme_setting() -> Any:
    """``settings.ITSME`` as the site wrote it (None when unset), unchecked.

    For the system checks, which report on the raw value; everything else reads
    :func:`get_settings`.
    """
    return getattr(settings, "ITSME", None)


def inspect_settings() -> tuple[ItsmeSettings | None, list[Problem]]:
    """Parse ``settings.ITSME`` without raising: the settings (or None) and every problem.

    Used by the system checks; the Django keys' own problems are reported by ``checks.py``.
    """
    raw = itsme_setting()
    config, problems = parse_config(raw, extra_keys=DJANGO_SETTINGS)
    if config is None or not isinstance(raw, dict):
        return None, problems
    create_users = raw.get("CREATE_USERS", DJANGO_SETTINGS["CREATE_USERS"])
    cache_alias = raw.get("CACHE", DJANGO_SETTINGS["CACHE"])
    if not isinstance(create_users, bool) or not isinstance(cache_alias, str):
        return None, problems
    flow_start_limit = raw.get("FLOW_START_LIMIT", DJANGO_SETTINGS["FLOW_START_LIMIT"])
    header = raw.get("CLIENT_ADDRESS_HEADER", DJANGO_SETTINGS["CLIENT_ADDRESS_HEADER"])
    if not is_flow_start_limit(flow_start_limit) or not is_client_address_header(header):
        return None, problems
    key_archive = raw.get("KEY_ARCHIVE", DJANGO_SETTINGS["KEY_ARCHIVE"])
    if not is_key_archive(key_archive):
        return None, problems
    link_max_age = raw.get("LINK_MAX_AGE", DJANGO_SETTINGS["LINK_MAX_AGE"])
    if not is_link_max_age(link_max_age):
        return None, problems
    jwks_max_age = raw.get("JWKS_MAX_AGE", DJANGO_SETTINGS["JWKS_MAX_AGE"])
    if not is_jwks_max_age(jwks_max_age):
        return None, problems
    parsed = ItsmeSettings(
        config,
        create_users,
        cache_alias,
        flow_start_limit=flow_start_limit or 0,
        client_address_header=header,
        key_archive=None if key_archive is None else Path(key_archive),
        link_max_age=link_max_age,
        jwks_max_age=jwks_max_age,
    )
    return parsed, problems


def _parse_settings() -> ItsmeSettings:
    parsed, problems = inspect_settings()
    if parsed is None:
        errors = [p for p in problems if p.level == "error"]
        detail = f"{errors[0].id}: {errors[0].message}" if errors else "see manage.py check"
        raise ImproperlyConfigured(f"settings.ITSME is invalid ({detail}).")
    return parsed


_settings: Lazy[ItsmeSettings] = Lazy(_parse_settings)


def get_settings() -> ItsmeSettings:
    """The checked settings, parsed on first use and then reused (keys are parsed once).

    :raises ImproperlyConfigured: ``ITSME`` has an error; ``manage.py check`` says which.
    """
    return _settings.get()


def clear_settings() -> None:
    """Forget the parsed settings and everything built from them (the client)."""
    _settings.clear()
    for value in _built_from_settings:
        value.clear()


@receiver(setting_changed)
def _on_setting_changed(*, setting: str, **kwargs: Any) -> None:
    if setting in ("ITSME", "CACHES"):
        clear_settings()
