"""Limits on use: a daily limit per weekday, break reminders, sleep hours; defaults by age band.

    limits = limits_for("teen_13_15")                       # the defaults below
    limits = limits_for("teen_16_17", weekdays={"sat": 120}, sleep=SleepWindow.parse("23:00-07:00"))
    limits.limit_on(date(2026, 3, 7))                       # 120 (a Saturday)
    limits.limit_on(date(2026, 3, 9))                       # 60 (a Monday)

Defaults by age band (``unknown`` is treated as ``teen_13_15``, as everywhere in Salama):

    band          daily limit   break reminder after   sleep hours
    teen_13_15    60 min        30 min                 22:00-07:00
    teen_16_17    60 min        30 min                 none
    adult         none          none                   none

Every default can be replaced (``None`` turns a setting off); docs/wellbeing.md says why these
values. The limit is a number of minutes per local date, 0 to 1440; a weekday may have its own
value (``{"sat": 120}``, or ``None`` for no limit that day). Sleep hours are local wall-clock
times and may cross midnight (22:00-07:00 is 22:00 to 24:00 and 00:00 to 07:00).

:func:`allowance` adds the day's unlocks to its limit (see :mod:`salama.wellbeing.unlocks`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import Enum
from typing import TYPE_CHECKING

from salama.bands import AGE_BANDS, AgeBand
from salama.errors import InputError

if TYPE_CHECKING:
    from salama.wellbeing.unlocks import Unlock

__all__ = [
    "AGE_BANDS",
    "DEFAULT",
    "DEFAULT_BREAK_AFTER",
    "DEFAULT_DAILY_MINUTES",
    "DEFAULT_SLEEP",
    "MAX_MINUTES",
    "WEEKDAYS",
    "AgeBand",
    "Default",
    "Limits",
    "SleepWindow",
    "allowance",
    "effective_band",
    "limits_for",
]

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # date.weekday() order
_FULL_NAMES = {
    full: short
    for full, short in zip(
        ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
        WEEKDAYS,
        strict=True,
    )
}
MAX_MINUTES = 24 * 60
DEFAULT_DAILY_MINUTES = 60
DEFAULT_BREAK_AFTER = 30
_HHMM_RANGE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)\s*-\s*([01]\d|2[0-3]):([0-5]\d)$")


class Default(Enum):
    """Marks an argument of :func:`limits_for` left to the band's default (None means "off")."""

    DEFAULT = "default"


DEFAULT = Default.DEFAULT


_BANDS: dict[str, AgeBand] = {
    "teen_13_15": "teen_13_15",
    "teen_16_17": "teen_16_17",
    "adult": "adult",
    "unknown": "unknown",
}


def effective_band(band: str) -> AgeBand:
    """The band whose rules apply: ``unknown`` is ``teen_13_15``. Raises InputError (details code
    ``unknown_band``) for a band not in AGE_BANDS."""
    checked = _check_band(band)
    return "teen_13_15" if checked == "unknown" else checked


def _check_band(band: object) -> AgeBand:
    checked = _BANDS.get(band) if isinstance(band, str) else None
    if checked is None:
        raise InputError(
            f"unknown age band {band!r}; one of: {', '.join(AGE_BANDS)}",
            details={"code": "unknown_band", "band": str(band)},
        )
    return checked


@dataclass(frozen=True, slots=True)
class SleepWindow:
    """Local wall-clock hours ``[start, end)``; crosses midnight when ``end`` is before ``start``.
    Raises InputError for times with a time zone, or ``start == end``."""

    start: time
    end: time

    def __post_init__(self) -> None:
        for name in ("start", "end"):
            value = getattr(self, name)
            if not isinstance(value, time) or value.tzinfo is not None:
                raise InputError(
                    f"sleep {name} must be a local time of day without a time zone",
                    details={"code": "invalid_sleep_window", "field": name},
                )
        if self.start == self.end:
            raise InputError(
                "sleep hours cannot start and end at the same time",
                details={"code": "invalid_sleep_window"},
            )

    @classmethod
    def parse(cls, text: str) -> SleepWindow:
        """``"22:00-07:00"`` (HH:MM-HH:MM, 24-hour clock) as a SleepWindow; InputError when
        malformed."""
        match = _HHMM_RANGE.match(text.strip()) if isinstance(text, str) else None
        if match is None:
            raise InputError(
                f"sleep hours are written HH:MM-HH:MM, not {text!r}",
                details={"code": "invalid_sleep_window"},
            )
        return cls(time(int(match[1]), int(match[2])), time(int(match[3]), int(match[4])))

    @property
    def crosses_midnight(self) -> bool:
        return self.end < self.start

    def contains(self, local: time) -> bool:
        """Whether the local wall-clock time ``local`` falls inside the window."""
        t = local.replace(tzinfo=None)
        if self.crosses_midnight:
            return t >= self.start or t < self.end
        return self.start <= t < self.end

    def parts_on(self, day: date) -> list[tuple[datetime, datetime]]:
        """The window's parts that fall on local date ``day``, as naive wall-clock spans
        ``[from, to)``: one part, or two (morning and evening) when the window crosses midnight."""
        midnight = datetime.combine(day, time())
        if self.crosses_midnight:
            return [
                (midnight, datetime.combine(day, self.end)),
                (datetime.combine(day, self.start), midnight + timedelta(days=1)),
            ]
        return [(datetime.combine(day, self.start), datetime.combine(day, self.end))]

    def minutes_long(self) -> float:
        """The window's length in wall-clock minutes."""
        return sum((b - a).total_seconds() for a, b in self.parts_on(date(2000, 1, 3))) / 60

    def to_dict(self) -> dict[str, str]:
        return {"start": self.start.strftime("%H:%M"), "end": self.end.strftime("%H:%M")}

    def __str__(self) -> str:
        return f"{self.start.strftime('%H:%M')}-{self.end.strftime('%H:%M')}"


DEFAULT_SLEEP = SleepWindow(time(22, 0), time(7, 0))


def _check_minutes(value: object, name: str, low: int) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= MAX_MINUTES:
        raise InputError(
            f"{name} must be a whole number of minutes from {low} to {MAX_MINUTES}, or none",
            details={"code": "invalid_minutes", "field": name},
        )
    return value


@dataclass(frozen=True, slots=True)
class Limits:
    """A user's limits. ``daily`` holds the limit in minutes for each weekday, Monday first
    (None: no limit that day); ``break_after`` the minutes of continuous use before a break
    reminder (None: no reminders); ``sleep`` the sleep hours (None: none). Build one with
    :func:`limits_for`; direct construction raises InputError for an unknown band, a ``daily``
    that is not seven values, or minutes outside 0-1440 (1-1440 for ``break_after``)."""

    band: AgeBand
    daily: tuple[int | None, ...]
    break_after: int | None
    sleep: SleepWindow | None

    def __post_init__(self) -> None:
        _check_band(self.band)
        daily = tuple(self.daily)
        if len(daily) != 7:
            raise InputError(
                f"daily holds seven limits, Monday first; found {len(daily)}",
                details={"code": "invalid_minutes", "field": "daily"},
            )
        for name, value in zip(WEEKDAYS, daily, strict=True):
            _check_minutes(value, f"daily limit on {name}", 0)
        object.__setattr__(self, "daily", daily)
        _check_minutes(self.break_after, "break_after", 1)
        if self.sleep is not None and not isinstance(self.sleep, SleepWindow):
            raise InputError(
                "sleep must be a SleepWindow or none", details={"code": "invalid_sleep_window"}
            )

    @property
    def effective_band(self) -> AgeBand:
        return effective_band(self.band)

    def limit_on(self, day: date) -> int | None:
        """The limit in minutes on local date ``day``, before unlocks (None: no limit)."""
        return self.daily[day.weekday()]

    def to_dict(self) -> dict[str, object]:
        return {
            "band": self.band,
            "daily": dict(zip(WEEKDAYS, self.daily, strict=True)),
            "break_after": self.break_after,
            "sleep": None if self.sleep is None else self.sleep.to_dict(),
        }


def limits_for(
    band: str,
    *,
    daily_minutes: int | Default | None = DEFAULT,
    weekdays: Mapping[str, int | None] | None = None,
    break_after: int | Default | None = DEFAULT,
    sleep: SleepWindow | Default | None = DEFAULT,
) -> Limits:
    """Limits for ``band`` with the defaults in the module docstring, where an argument is left
    to DEFAULT. ``daily_minutes`` applies to every day; ``weekdays`` (keys "mon" to "sun")
    overrides single days. None turns a setting off. Raises InputError for an unknown band or
    weekday, or minutes out of range."""
    effective = effective_band(band)
    teen = effective != "adult"
    if daily_minutes is DEFAULT:
        daily_minutes = DEFAULT_DAILY_MINUTES if teen else None
    if break_after is DEFAULT:
        break_after = DEFAULT_BREAK_AFTER if teen else None
    if sleep is DEFAULT:
        sleep = DEFAULT_SLEEP if effective == "teen_13_15" else None
    daily = [_check_minutes(daily_minutes, "daily_minutes", 0)] * 7
    for key, value in (weekdays or {}).items():
        name = key.strip().lower() if isinstance(key, str) else key
        name = _FULL_NAMES.get(name, name)
        if name not in WEEKDAYS:
            raise InputError(
                f"unknown weekday {key!r}; one of: {', '.join(WEEKDAYS)}",
                details={"code": "unknown_weekday", "weekday": str(key)},
            )
        daily[WEEKDAYS.index(name)] = _check_minutes(value, f"daily limit on {name}", 0)
    return Limits(_check_band(band), tuple(daily), break_after, sleep)


def allowance(limit: int | None, unlocks: Iterable[Unlock]) -> float | None:
    """The minutes allowed today: ``limit`` plus the day's unlocks, taken in time order. Each
    unlock adds its minutes to the allowance, or to the minutes already used when it was granted
    if that is more (time spent on the lock screen is not taken from the extra time); a
    rest-of-day unlock lifts the limit (None). No limit stays no limit. The caller passes the
    unlocks of the day (:func:`salama.wellbeing.status.status` filters them)."""
    if limit is None:
        return None
    allowed = float(limit)
    for unlock in sorted(unlocks, key=lambda u: u.at):
        if unlock.rest_of_day:
            return None
        base = max(allowed, unlock.minutes_used_at_grant or 0.0)
        allowed = base + (unlock.minutes or 0)
    return allowed
