"""A mapping whose entries are forgotten once their time has passed, so a simulator that runs a
long load test (or is sent a million requests) keeps only what can still matter.

Expired entries are swept when the mapping has doubled since the last sweep: each insertion costs
O(1) amortised, and the memory held stays within twice what is live.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

__all__ = ["MIN_SWEEP_SIZE", "ExpiringMap"]

K = TypeVar("K")
V = TypeVar("V")

#: No sweep below this many entries: small maps (every test) never pay for one.
MIN_SWEEP_SIZE = 1024


class ExpiringMap(Generic[K, V]):
    """``key -> value``, each forgotten after its own ``forget_at``; not locked (callers hold
    their own lock)."""

    def __init__(self, clock: Callable[[], float]) -> None:
        """Create an empty map.

        :param clock: returns the current time, in the unit of ``forget_at``.
        """
        self._clock = clock
        self._items: dict[K, tuple[V, float]] = {}
        self._sweep_at = MIN_SWEEP_SIZE

    def put(self, key: K, value: V, *, forget_at: float) -> None:
        """Remember ``value`` under ``key`` until ``forget_at``.

        :param key: the key.
        :param value: the value.
        :param forget_at: clock time from which the entry is gone.
        """
        self._items[key] = (value, forget_at)
        if len(self._items) >= self._sweep_at:
            now = self._clock()
            self._items = {k: item for k, item in self._items.items() if item[1] > now}
            self._sweep_at = max(MIN_SWEEP_SIZE, 2 * len(self._items))

    def get(self, key: K) -> V | None:
        """The value under ``key``, or None when unknown or forgotten."""
        item = self._items.get(key)
        if item is None or item[1] <= self._clock():
            return None
        return item[0]

    def pop(self, key: K) -> V | None:
        """Remove and return the value under ``key`` (None when unknown or forgotten)."""
        item = self._items.pop(key, None)
        if item is None or item[1] <= self._clock():
            return None
        return item[0]

    def __contains__(self, key: object) -> bool:
        return self.get(key) is not None  # type: ignore[arg-type]

    def __len__(self) -> int:
        """How many entries are held (forgotten ones included until the next sweep)."""
        return len(self._items)
