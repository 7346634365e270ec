"""The only reader of ``settings.ITSME``: parsed once per process into frozen, typed settings.

The protocol keys are parsed by :func:`django_itsme.core.config.parse_config` (so keys are loaded
and checked once); this module adds the Django-only keys and caches the result until a
``setting_changed`` signal (tests' ``override_settings``) clears it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver

from .core.config import ClientConfig, Problem, parse_config

__all__ = ["DJANGO_SETTINGS", "ItsmeSettings", "clear_settings", "get_settings", "inspect_settings"]

#: The keys only the Django layer reads, with their defaults.
DJANGO_SETTINGS: dict[str, Any] = {
    #: Create a local user on the first itsme login of an unknown ``sub``.
    "CREATE_USERS": True,
    #: The Django cache alias that holds discovery, provider keys and request objects.
    "CACHE": "default",
}


@dataclass(frozen=True, slots=True)
class ItsmeSettings:
    """Everything the Django app reads from ``ITSME``, checked.

    :ivar client: the protocol configuration (client id, issuer, keys, services, ...).
    :ivar create_users: ``CREATE_USERS``.
    :ivar cache_alias: ``CACHE``.
    """

    client: ClientConfig
    create_users: bool
    cache_alias: str


_lock = threading.Lock()
_cached: ItsmeSettings | None = None


def inspect_settings() -> tuple[ItsmeSettings | None, list[Problem]]:
    """Parse ``settings.ITSME`` without raising: the settings (or None) and every problem.

    Used by the system checks; the Django keys' own problems are reported by ``checks.py``.
    """
    raw = getattr(settings, "ITSME", None)
    config, problems = parse_config(raw, extra_keys=DJANGO_SETTINGS)
    if config is None or not isinstance(raw, dict):
        return None, problems
    create_users = raw.get("CREATE_USERS", DJANGO_SETTINGS["CREATE_USERS"])
    cache_alias = raw.get("CACHE", DJANGO_SETTINGS["CACHE"])
    if not isinstance(create_users, bool) or not isinstance(cache_alias, str):
        return None, problems
    return ItsmeSettings(config, create_users, cache_alias), problems


def get_settings() -> ItsmeSettings:
    """The checked settings, parsed on first use and then reused (keys are parsed once).

    :raises ImproperlyConfigured: ``ITSME`` has an error; ``manage.py check`` says which.
    """
    global _cached  # noqa: PLW0603 - the per-process cache this module exists for
    current = _cached
    if current is not None:
        return current
    with _lock:
        if _cached is None:
            parsed, problems = inspect_settings()
            if parsed is None:
                errors = [p for p in problems if p.level == "error"]
                detail = f"{errors[0].id}: {errors[0].message}" if errors else "see manage.py check"
                raise ImproperlyConfigured(f"settings.ITSME is invalid ({detail}).")
            _cached = parsed
        return _cached


def clear_settings() -> None:
    """Forget the parsed settings (and so the clients built from them)."""
    global _cached  # noqa: PLW0603
    with _lock:
        _cached = None
    from .client import clear_client  # noqa: PLC0415 - avoid an import cycle

    clear_client()


@receiver(setting_changed)
def _on_setting_changed(*, setting: str, **kwargs: Any) -> None:
    if setting in ("ITSME", "CACHES"):
        clear_settings()
