"""The in-memory cache honours time-to-live and satisfies the Cache protocol."""

from __future__ import annotations

from django_itsme.core.cache import Cache, MemoryCache


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_entries_expire_after_their_timeout() -> None:
    clock = FakeClock()
    cache = MemoryCache(clock=clock)
    cache.set("a", {"x": 1}, 10)
    cache.set("forever", 1, None)
    assert cache.get("a") == {"x": 1}
    clock.now += 9.9
    assert cache.get("a") == {"x": 1}
    clock.now += 0.1
    assert cache.get("a", "gone") == "gone"
    clock.now += 10**9
    assert cache.get("forever") == 1


def test_delete_and_clear() -> None:
    cache = MemoryCache()
    cache.set("a", 1)
    assert cache.delete("a") is True
    assert cache.delete("a") is False
    cache.set("b", 2)
    cache.clear()
    assert cache.get("b") is None


def test_protocol() -> None:
    assert isinstance(MemoryCache(), Cache)
