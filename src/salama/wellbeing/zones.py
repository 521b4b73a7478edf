"""Local days: which date an instant belongs to, in the user's IANA time zone.

Time is stored and passed in UTC (aware datetimes); a user's day is computed in their zone, with
the zone's own rules (zoneinfo: the system tz database where there is one, else the ``tzdata``
package). So in ``Africa/Casablanca`` the day the clocks go back for Ramadan (03:00 UTC+1 becomes
02:00 UTC+0: 23 Feb 2025, 15 Feb 2026) lasts 25 hours, and the day they go forward again
(02:00 UTC+0 becomes 03:00 UTC+1: 6 Apr 2025, 22 Mar 2026) lasts 23.

The rule when a user changes zone (travel, or a corrected setting): **each instant belongs to the
local date in the zone the user was in at that instant** (a :class:`ZoneHistory`). A change
moves no minute already counted; a day with a change in it can be longer or shorter than 24
hours; every instant belongs to exactly one date, so no minute is lost or counted twice. A plain
zone name (or ZoneInfo) means the user was in that zone all along.

:func:`split_by_local_day` cuts a span of time into pieces, each inside one local date and one
UTC offset; everything else here is built on it. It finds offset changes by bisection, so it is
right for any zone (midnight inside a skipped hour, a repeated hour around midnight, Samoa's
missing 30 Dec 2011), at the cost of about 40 ``astimezone`` calls on the rare day that has a
change; on other days one call per piece.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from salama.errors import InputError

__all__ = [
    "DayPiece",
    "ZoneChange",
    "ZoneHistory",
    "ZoneLike",
    "as_history",
    "change_zone",
    "day_bounds",
    "local_date",
    "require_aware",
    "split_by_local_day",
    "zone",
]

MAX_ZONE_CHARS = 64  # the longest IANA name is 32; the store's column holds 64
_TICK = timedelta(microseconds=1)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def zone(tz: str | ZoneInfo) -> ZoneInfo:
    """The ZoneInfo for an IANA name ("Africa/Casablanca"). Raises InputError (details code
    ``invalid_time_zone``) for a name the tz database does not know; names are case-sensitive."""
    if isinstance(tz, ZoneInfo):
        return tz
    if not isinstance(tz, str) or not 0 < len(tz) <= MAX_ZONE_CHARS:
        raise InputError(
            f"a time zone is an IANA name such as 'Africa/Casablanca', not {tz!r}",
            details={"code": "invalid_time_zone"},
        )
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise InputError(
            f"unknown time zone {tz!r}: use an IANA name such as 'Africa/Casablanca'",
            details={"code": "invalid_time_zone", "zone": tz},
        ) from None


def require_aware(value: object, name: str) -> datetime:
    """``value`` as a UTC datetime. Raises InputError (details code ``naive_datetime``) for
    anything but an aware datetime: a naive time has no place on the time line."""
    if not isinstance(value, datetime):
        raise InputError(
            f"{name} must be a datetime, not {type(value).__name__}",
            details={"code": "invalid_datetime", "field": name},
        )
    if value.tzinfo is None or value.utcoffset() is None:
        raise InputError(
            f"{name} must be an aware datetime (with a UTC offset), not naive {value.isoformat()}",
            details={"code": "naive_datetime", "field": name},
        )
    return value.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class ZoneChange:
    """From ``at`` on, the user's zone is ``zone``."""

    at: datetime
    zone: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "at", require_aware(self.at, "at"))
        zone(self.zone)


@dataclass(frozen=True, slots=True)
class ZoneHistory:
    """The zones a user has been in: ``initial`` until the first change, then each change's zone
    from its instant. Changes may be given in any order; two at the same instant raise
    InputError (details code ``duplicate_zone_change``), as does an unknown zone name."""

    initial: str
    changes: Sequence[ZoneChange] = ()
    _zones: tuple[ZoneInfo, ...] = field(default=(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        ordered = tuple(sorted(self.changes, key=lambda c: c.at))
        for a, b in pairwise(ordered):
            if a.at == b.at:
                raise InputError(
                    f"two zone changes at the same instant {a.at.isoformat()}",
                    details={"code": "duplicate_zone_change"},
                )
        object.__setattr__(self, "changes", ordered)
        zones = (zone(self.initial), *(zone(c.zone) for c in ordered))
        object.__setattr__(self, "_zones", zones)

    @property
    def current(self) -> ZoneInfo:
        """The zone in force after the last change."""
        return self._zones[-1]

    def zone_at(self, instant: datetime) -> ZoneInfo:
        """The zone in force at ``instant`` (a change applies from its own instant on)."""
        at = require_aware(instant, "instant")
        found = self._zones[0]
        for change, z in zip(self.changes, self._zones[1:], strict=True):
            if change.at > at:
                break
            found = z
        return found

    def spans(
        self, start: datetime, end: datetime
    ) -> Iterator[tuple[datetime, datetime, ZoneInfo]]:
        """``[start, end)`` cut at the zone changes inside it, each part with its zone."""
        cursor = start
        for change in self.changes:
            if change.at <= cursor:
                continue
            if change.at >= end:
                break
            yield cursor, change.at, self.zone_at(cursor)
            cursor = change.at
        if cursor < end:
            yield cursor, end, self.zone_at(cursor)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready: ``{"initial": name, "changes": [{"at": iso, "zone": name}, ...]}``."""
        return {
            "initial": self.initial,
            "changes": [{"at": c.at.isoformat(), "zone": c.zone} for c in self.changes],
        }


ZoneLike = str | ZoneInfo | ZoneHistory
"""A user's zone: an IANA name or ZoneInfo (the same zone all along), or a ZoneHistory."""


def as_history(tz: ZoneLike) -> ZoneHistory:
    """``tz`` as a ZoneHistory (a single zone becomes a history with no changes)."""
    if isinstance(tz, ZoneHistory):
        return tz
    if isinstance(tz, ZoneInfo):
        return ZoneHistory(tz.key)
    zone(tz)
    return ZoneHistory(tz)


def change_zone(tz: ZoneLike, new_zone: str, at: datetime) -> ZoneHistory:
    """The history once the user is set to ``new_zone`` at ``at`` (now, as a PUT of the user
    arrives): **the day in progress is re-cut in the new zone, and nothing before it.**

    The change takes effect from the later of: the start of the new zone's local day at
    ``at``, the start of the old zone's day in progress, and the last change recorded. So:

    - today's date is the new zone's date at ``at``;
    - minutes of the old zone's day in progress that fall in the new zone's today count today:
      flying east past midnight (Casablanca 20:00 to Tokyo 04:00 next day) does not reset the
      limit for what was used since Tokyo's midnight (15:00 UTC); what was used before it stays
      on the old date, which is over where the teen now is;
    - minutes of today already counted in the old zone stay on today when the date does not
      change (Casablanca at 09:00 to New York at 04:00, the same date: what was used at 01:00
      in Casablanca, before New York's midnight, still counts): a change never drops them, as
      re-cutting the whole day in the new zone would;
    - a finished day is never re-cut, and every instant still has exactly one date, so no
      minute is lost or counted twice across days.

    A change at the same effective instant as the last one replaces it. Raises InputError for
    an unknown zone, a naive ``at``, or ``at`` before the last change (``zone_change_order``)."""
    history = as_history(tz)
    at = require_aware(at, "at")
    new = zone(new_zone)
    if history.changes and at < history.changes[-1].at:
        raise InputError(
            "a zone change cannot be recorded before the last one",
            details={"code": "zone_change_order"},
        )
    old = history.zone_at(at)
    if old.key == new.key:
        return history
    starts = [
        day_bounds(at.astimezone(new).date(), new)[0],
        day_bounds(at.astimezone(old).date(), old)[0],
    ]
    changes = list(history.changes)
    if changes:
        starts.append(changes[-1].at)
    effective = min(max(starts), at)
    if changes and changes[-1].at == effective:
        changes.pop()
    changes.append(ZoneChange(effective, new.key))
    return ZoneHistory(history.initial, changes)


def local_date(instant: datetime, tz: ZoneLike) -> date:
    """The user's local date at ``instant`` (aware; InputError when naive)."""
    at = require_aware(instant, "instant")
    z = tz.zone_at(at) if isinstance(tz, ZoneHistory) else zone(tz)
    return at.astimezone(z).date()


def day_bounds(day: date, tz: str | ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants ``[start, end)`` of local date ``day`` in one zone: start is the first
    instant whose local date is ``day`` (or later), end the first whose date is after it. In a
    zone whose date can go back (an hour repeated across midnight) some instants between the two
    belong to the previous date; :func:`split_by_local_day` is exact in every case."""
    z = zone(tz)
    return _first_instant_on_or_after(day, z), _first_instant_on_or_after(
        day + timedelta(days=1), z
    )


def _first_instant_on_or_after(day: date, z: ZoneInfo) -> datetime:
    naive = datetime.combine(day, time())
    candidates = [naive.replace(tzinfo=z, fold=f).astimezone(UTC) for f in (0, 1)]
    for c in sorted(candidates):
        if c.astimezone(z).date() >= day and (c - _TICK).astimezone(z).date() < day:
            return c
    # midnight fell inside a skipped hour: the day starts at the change of offset
    lo = min(candidates) - timedelta(days=2)
    hi = max(candidates) + timedelta(days=2)
    return _bisect(lo, hi, lambda t: t.astimezone(z).date() >= day)


@dataclass(frozen=True, slots=True)
class DayPiece:
    """A part of a span of time inside one local date and one UTC offset: ``[start, end)`` in
    UTC, with ``offset`` the UTC offset in force (so local time is ``start + offset``)."""

    day: date
    start: datetime
    end: datetime
    offset: timedelta

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()

    def local(self, instant: datetime) -> datetime:
        """``instant`` as a naive local wall-clock time (valid for instants in this piece)."""
        return (instant + self.offset).replace(tzinfo=None)

    def instant(self, wall: datetime) -> datetime:
        """A naive local wall-clock time as a UTC instant, under this piece's offset."""
        return (wall - self.offset).replace(tzinfo=UTC)


def split_by_local_day(start: datetime, end: datetime, tz: ZoneLike) -> list[DayPiece]:
    """``[start, end)`` cut into pieces, each inside one local date and one UTC offset, in order.
    Pieces of the same date can follow each other (an offset change inside a day). Raises
    InputError for naive datetimes or an unknown zone; an empty span gives no piece."""
    start = require_aware(start, "start")
    end = require_aware(end, "end")
    pieces: list[DayPiece] = []
    for span_start, span_end, z in as_history(tz).spans(start, end):
        pieces.extend(_split_one_zone(span_start, span_end, z))
    return pieces


def _split_one_zone(start: datetime, end: datetime, z: ZoneInfo) -> Iterator[DayPiece]:
    cursor = start
    while cursor < end:
        offset = _offset(cursor, z)
        local = cursor + offset
        day = local.date()
        # the next local midnight, if the offset does not change before it
        midnight = datetime.combine(day + timedelta(days=1), time(), tzinfo=UTC) - offset
        stop = min(midnight, end)
        if _offset(stop - _TICK, z) != offset:
            stop = _bisect(cursor, stop, _offset_differs(offset, z))
        yield DayPiece(day, cursor, stop, offset)
        cursor = stop


def _offset_differs(offset: timedelta, z: ZoneInfo) -> Callable[[datetime], bool]:
    return lambda t: _offset(t, z) != offset


def _offset(instant: datetime, z: ZoneInfo) -> timedelta:
    offset = instant.astimezone(z).utcoffset()
    assert offset is not None  # a ZoneInfo always has an offset
    return offset


def _bisect(lo: datetime, hi: datetime, after: Callable[[datetime], bool]) -> datetime:
    """The first instant in ``(lo, hi]`` where ``after`` holds, to the microsecond; ``after``
    must be false at ``lo``, true at ``hi`` and change once between them."""
    lo_us = _micros(lo)
    hi_us = _micros(hi)
    while hi_us - lo_us > 1:
        mid = (lo_us + hi_us) // 2
        if after(_EPOCH + timedelta(microseconds=mid)):
            hi_us = mid
        else:
            lo_us = mid
    return _EPOCH + timedelta(microseconds=hi_us)


def _micros(t: datetime) -> int:
    return (t - _EPOCH) // _TICK
