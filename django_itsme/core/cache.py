"""The cache interface the core keeps discovery documents and provider keys in.

The core only needs ``get`` and ``set`` with a time-to-live; Django's cache framework fits it as
is (``django_itsme.cache`` adapts an alias), and :class:`MemoryCache` is the default for
scripts and tests. Values are JSON-compatible, so any shared cache (Redis, memcached) can hold them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

__all__ = ["Cache", "MemoryCache"]


@runtime_checkable
class Cache(Protocol):
    """What the core needs from a cache: Django's ``BaseCache`` satisfies it."""

    def get(self, key: str, default: Any = None) -> Any:
        """Return the value stored under ``key``, or ``default`` when absent or expired."""

    def set(self, key: str, value: Any, timeout: float | None = None) -> None:
        """Store ``value`` under ``key`` for ``timeout`` seconds (None: forever)."""

    def delete(self, key: str) -> Any:
        """Forget ``key``."""


class MemoryCache:
    """A small thread-safe in-process cache with per-entry expiry.

    :param clock: the time source (seconds since the epoch); injectable for tests.
    """

    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._data: dict[str, tuple[float | None, Any]] = {}

    def get(self, key: str, default: Any = None) -> Any:
        with self._lock:
            entry = self._data.get(key)
            if entry is None:
                return default
            expires, value = entry
            if expires is not None and expires <= self._clock():
                del self._data[key]
                return default
            return value

    def set(self, key: str, value: Any, timeout: float | None = None) -> None:
        expires = None if timeout is None else self._clock() + timeout
        with self._lock:
            self._data[key] = (expires, value)

    def delete(self, key: str) -> bool:
        with self._lock:
            return self._data.pop(key, None) is not None

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._data.clear()
