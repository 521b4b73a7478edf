"""salama.service.cache.TTLCache: entries expire, forget drops at once, and a load that raced a
forget is not kept."""

from __future__ import annotations

from salama.service.cache import TTLCache


def test_entries_live_their_seconds_and_forget_drops_them() -> None:
    now = [0.0]
    cache = TTLCache(5, clock=lambda: now[0])
    loads: list[int] = []

    def load() -> int:
        loads.append(1)
        return len(loads)

    assert cache.get("k", load) == 1
    assert cache.get("k", load) == 1  # cached
    now[0] = 6.0
    assert cache.get("k", load) == 2  # expired: loaded again
    cache.forget("k")
    assert cache.get("k", load) == 3


def test_a_load_that_raced_a_forget_is_not_kept() -> None:
    cache = TTLCache(60)

    def stale_load() -> str:
        cache.forget("k")  # a write lands while the old value is being read
        return "old"

    assert cache.get("k", stale_load) == "old"
    assert cache.get("k", lambda: "new") == "new"


def test_bounded() -> None:
    cache = TTLCache(60, max_entries=3)
    for i in range(5):
        cache.get(i, lambda i=i: i)
    assert len(cache._data) <= 4
