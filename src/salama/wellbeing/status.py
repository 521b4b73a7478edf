"""The app's question, answered: may this user keep watching, and what should the app show?

:func:`status` is pure: it takes today's usage (from :func:`salama.wellbeing.ledger.usage_at`),
the user's :class:`~salama.wellbeing.limits.Limits`, the unlocks granted, the time and the user's
zone, and returns a :class:`Status`:

- ``minutes_used``, ``limit_minutes`` (today's limit before unlocks), ``allowed_minutes`` (with
  the unlocks, see :func:`~salama.wellbeing.limits.allowance`) and ``minutes_left``; the last two
  are None when there is no limit today or a rest-of-day unlock lifted it;
- ``locked`` when minutes are left no more, and then ``unlock``: the methods the user's band may
  use (``["own_passcode"]`` for 16-17 and adults, ``["parent_passcode", "parent_approval"]`` for
  13-15 and unknown); ``unlock`` is empty when not locked;
- ``wind_down`` and ``hold_notifications`` during the sleep hours (local time of ``now``): the app
  dims its feed and push notifications wait until morning. Sleep hours do not lock;
- ``reminder``, one at a time, first that applies: None when locked (the lock screen says it
  all), ``"sleep"`` during sleep hours, ``"limit_soon"`` when LIMIT_SOON_MINUTES (5) or fewer
  minutes are left, ``"break"`` after ``break_after`` minutes of continuous use, else None.
  ``break_count`` (continuous minutes // break_after) rises by one every ``break_after`` minutes
  of the same run: the app shows a break reminder each time it rises, not on every poll;
- ``resets_at``: the next local midnight, when the daily limit starts again.

Only the unlocks granted on today's local date count; others are ignored, so the caller may pass
the user's recent unlocks as they are.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from salama.errors import InputError
from salama.wellbeing.limits import Limits, allowance
from salama.wellbeing.unlocks import Unlock, UnlockMethod, unlock_methods
from salama.wellbeing.zones import (
    ZoneHistory,
    ZoneLike,
    day_bounds,
    local_date,
    require_aware,
    zone,
)

__all__ = ["LIMIT_SOON_MINUTES", "REMINDERS", "Reminder", "Status", "status"]

LIMIT_SOON_MINUTES = 5
REMINDERS = ("break", "sleep", "limit_soon")
Reminder = Literal["break", "sleep", "limit_soon"]


@dataclass(frozen=True, slots=True)
class Status:
    """What the app should do now; see the module docstring for each field."""

    day: date
    minutes_used: float
    limit_minutes: int | None
    allowed_minutes: float | None
    minutes_left: float | None
    locked: bool
    reminder: Reminder | None
    wind_down: bool
    hold_notifications: bool
    unlock: tuple[UnlockMethod, ...]
    continuous_minutes: float
    break_count: int
    unlocks_today: int
    resets_at: datetime

    def to_dict(self) -> dict[str, object]:
        """JSON-ready: dates and times in ISO 8601, minutes rounded to 0.01."""
        return {
            "day": self.day.isoformat(),
            "minutes_used": _round(self.minutes_used),
            "limit_minutes": self.limit_minutes,
            "allowed_minutes": _round(self.allowed_minutes),
            "minutes_left": _round(self.minutes_left),
            "locked": self.locked,
            "reminder": self.reminder,
            "wind_down": self.wind_down,
            "hold_notifications": self.hold_notifications,
            "unlock": list(self.unlock),
            "continuous_minutes": _round(self.continuous_minutes),
            "break_count": self.break_count,
            "unlocks_today": self.unlocks_today,
            "resets_at": self.resets_at.isoformat(),
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _minutes(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InputError(f"{name} must be a number of minutes", details={"field": name})
    if value < 0:
        raise InputError(f"{name} cannot be negative", details={"field": name})
    return float(value)


def status(
    *,
    limits: Limits,
    minutes_used: float,
    continuous_minutes: float,
    unlocks: Iterable[Unlock],
    now: datetime,
    tz: ZoneLike,
) -> Status:
    """The status at ``now`` for a user with ``limits`` who has used ``minutes_used`` minutes on
    today's local date and is ``continuous_minutes`` into a run of use. ``tz`` is the user's zone
    (with a ZoneHistory, the zone in force at ``now``). Raises InputError for a naive ``now``,
    negative or non-finite minutes, or an unknown zone."""
    now = require_aware(now, "now")
    used = _minutes(minutes_used, "minutes_used")
    continuous = _minutes(continuous_minutes, "continuous_minutes")
    z = tz.zone_at(now) if isinstance(tz, ZoneHistory) else zone(tz)
    local_now = now.astimezone(z)
    today = local_now.date()

    todays = [u for u in unlocks if local_date(u.at, tz) == today]
    limit = limits.limit_on(today)
    allowed = allowance(limit, todays)
    left = None if allowed is None else max(0.0, allowed - used)
    locked = left is not None and left <= 0

    sleeping = limits.sleep is not None and limits.sleep.contains(local_now.time())
    breaks = 0 if limits.break_after is None else int(continuous // limits.break_after)
    reminder: Reminder | None = None
    if locked:
        reminder = None
    elif sleeping:
        reminder = "sleep"
    elif left is not None and left <= LIMIT_SOON_MINUTES:
        reminder = "limit_soon"
    elif breaks > 0:
        reminder = "break"

    return Status(
        day=today,
        minutes_used=used,
        limit_minutes=limit,
        allowed_minutes=allowed,
        minutes_left=left,
        locked=locked,
        reminder=reminder,
        wind_down=sleeping,
        hold_notifications=sleeping,
        unlock=unlock_methods(limits.band) if locked else (),
        continuous_minutes=continuous,
        break_count=breaks,
        unlocks_today=len(todays),
        resets_at=day_bounds(today, z)[1],
    )
