"""A small in-process cache with a time to live, for the service layer's per-request reads
(owner settings and policies in ``checks``, family controls in ``family``)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

__all__ = ["TTLCache"]


class TTLCache:
    """A map whose entries live ``seconds``, dropped at once by :meth:`forget`. A load that
    started before a ``forget`` is not kept (the generation moved on), so a write through this
    process is never hidden by a read that raced it. Bounded: past ``max_entries`` everything
    is dropped rather than grown."""

    def __init__(
        self,
        seconds: float,
        clock: Callable[[], float] = time.monotonic,
        max_entries: int = 100_000,
    ) -> None:
        self.seconds = seconds
        self.max_entries = max_entries
        self._clock = clock
        self._data: dict[Any, tuple[float, Any]] = {}
        self._generation = 0
        self._lock = threading.Lock()

    def get(self, key: Any, load: Callable[[], Any]) -> Any:
        now = self._clock()
        hit = self._data.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        generation = self._generation
        value = load()
        if self.seconds > 0:
            with self._lock:
                if generation == self._generation:
                    if len(self._data) > self.max_entries:
                        self._data.clear()
                    self._data[key] = (now + self.seconds, value)
        return value

    def forget(self, key: Any) -> None:
        with self._lock:
            self._generation += 1
            self._data.pop(key, None)
