"""Counting failed attempts: a sliding window, pure, for the API to keep per acting user.

An :class:`AttemptLimit` allows at most ``max_failures`` failures in any ``window``: the store
keeps a user's recent failure times (at most ``max_failures`` of them, as :meth:`record` returns
them: a Redis list or a JSON column), and the API asks :meth:`check` before each attempt.

    INVITE_ATTEMPTS   10 failed invite acceptances per 15 minutes per acting user
    UNLOCK_ATTEMPTS    5 wrong unlock passcodes per 15 minutes per teen

Why these numbers: a typo or two is normal, a dozen in a quarter of an hour is guessing. With 10
tries per 15 minutes one account guessing invite codes hits a given live code with a chance of
10 / 31**8 (about 1 in 85 billion) per window. A 4-digit passcode has 10,000 values: at 5 tries
per 15 minutes, finding it takes about 10 days of trying on average.

A failure at ``t`` counts while ``now < t + window``; a failure time later than ``now`` (another
process's clock ahead of this one) counts too.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from salama.errors import InputError
from salama.family._common import require_aware

__all__ = ["INVITE_ATTEMPTS", "UNLOCK_ATTEMPTS", "AttemptLimit"]


@dataclass(frozen=True, slots=True)
class AttemptLimit:
    """At most ``max_failures`` failures in any sliding ``window``. Raises InputError for a
    ``max_failures`` under 1 or a window that is not positive."""

    max_failures: int
    window: timedelta

    def __post_init__(self) -> None:
        if isinstance(self.max_failures, bool) or not isinstance(self.max_failures, int):
            raise InputError("max_failures must be an integer", details={"code": "invalid_limit"})
        if self.max_failures < 1 or not self.window > timedelta(0):
            raise InputError(
                "max_failures must be 1 or more and window positive",
                details={"code": "invalid_limit"},
            )

    def recent(self, failures: Iterable[datetime], now: datetime) -> tuple[datetime, ...]:
        """The failures that still count at ``now``, oldest first, at most ``max_failures`` (the
        newest): all the state the limit needs. Raises InputError for a naive datetime."""
        now = require_aware(now, "now")
        start = now - self.window
        kept = sorted(t for t in (require_aware(f, "failures") for f in failures) if t > start)
        return tuple(kept[-self.max_failures :])

    def retry_after(self, failures: Iterable[datetime], now: datetime) -> timedelta | None:
        """None when an attempt is allowed at ``now``; otherwise how long until one is."""
        kept = self.recent(failures, now)
        if len(kept) < self.max_failures:
            return None
        return kept[0] + self.window - require_aware(now, "now")

    def check(self, failures: Iterable[datetime], now: datetime) -> None:
        """Raise InputError when ``failures`` already reach the limit at ``now``:
        ``details["code"] == "too_many_attempts"``, ``details["retry_after_s"]`` in whole seconds
        (at least 1)."""
        wait = self.retry_after(failures, now)
        if wait is not None:
            seconds = max(1, math.ceil(wait.total_seconds()))
            raise InputError(
                f"too many failed attempts; try again in {seconds} s",
                details={
                    "code": "too_many_attempts",
                    "retry_after_s": seconds,
                    "limit": self.max_failures,
                    "window_s": int(self.window.total_seconds()),
                },
            )

    def record(self, failures: Iterable[datetime], now: datetime) -> tuple[datetime, ...]:
        """The failures to store after one more failure at ``now``."""
        return self.recent([*failures, now], now)


INVITE_ATTEMPTS = AttemptLimit(10, timedelta(minutes=15))
UNLOCK_ATTEMPTS = AttemptLimit(5, timedelta(minutes=15))
