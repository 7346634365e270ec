"""The process-wide :class:`~django_itsme.core.ItsmeClient`, built from the settings once."""

from __future__ import annotations

import threading

from .cache import SharedCache
from .conf import get_settings
from .core import ItsmeClient

__all__ = ["clear_client", "get_client"]

_lock = threading.Lock()
_client: ItsmeClient | None = None


def get_client() -> ItsmeClient:
    """The client for ``settings.ITSME``: one per process (keys parsed once, one HTTP session),
    with discovery and itsme's keys in the shared Django cache."""
    global _client  # noqa: PLW0603 - the per-process singleton this module exists for
    client = _client
    if client is None:
        with _lock:
            if _client is None:
                settings = get_settings()
                _client = ItsmeClient(settings.client, cache=SharedCache(settings.cache_alias))
            client = _client
    return client


def clear_client() -> None:
    """Forget the client (settings changed)."""
    global _client  # noqa: PLW0603
    with _lock:
        _client = None
