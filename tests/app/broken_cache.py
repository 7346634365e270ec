"""A cache whose ``add`` fails as a Redis or Memcached outage makes it fail, while reads and
writes still work (a replica answering reads, or an outage that begins mid-request)."""

from __future__ import annotations

from typing import Any

from django.core.cache.backends.locmem import LocMemCache


class CacheUnreachable(ConnectionError):
    """What a cache client raises when its server cannot be reached."""


class AddFailsCache(LocMemCache):
    def add(self, *args: Any, **kwargs: Any) -> bool:
        raise CacheUnreachable("cache server unreachable")
