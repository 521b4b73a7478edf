"""Usage accounting: from app heartbeats to minutes per local day.

The app reports what it sees, and the ledger turns it into time:

- a :class:`Heartbeat` (user, device, client time, foreground or not, idempotency key), sent
  about every :data:`HEARTBEAT_EVERY` (60 s) while the app is in the foreground, and once when it
  goes to the background;
- a :class:`SessionEvent` ``start`` or ``stop``, for apps that know when a session begins and ends.
  A start counts as a foreground heartbeat and a stop as a background one.

**Per device** (:func:`device_intervals`), events are read in time order. Two foreground events
at most ``tolerance`` apart (default :data:`DEFAULT_TOLERANCE`, 150 s: one lost heartbeat and some
jitter) are one stretch of use; a longer gap closes it. A background heartbeat or a stop within
``tolerance`` of the last foreground event ends the stretch at its own time; otherwise the stretch
ends at its last foreground event plus ``credit`` (default :data:`DEFAULT_CREDIT`, 30 s: the app
was seen at that instant and went away within one heartbeat, half of one on average). So a lone
foreground heartbeat counts 30 seconds. Stretches of zero length are dropped.

**Across devices** (:func:`union`), the intervals are merged: two devices at once count once.
:func:`minutes_by_local_day` unions first, then cuts the union at the user's local midnights (see
:mod:`salama.wellbeing.zones` for the time-zone rule and Africa/Casablanca's Ramadan shifts).

The result depends on the set of events only. Events with the same ``(device, key)`` are one
event (a retry, or a replay by the store): duplicates and out-of-order delivery change nothing.
Should two events share a key but differ, the earlier one is kept, so even then the order of
delivery does not matter. A day is computed from its events in O(n log n).

**Clamping** (:func:`admit`): client clocks drift. An event more than ``skew`` (default 5 min)
ahead of the server's ``now`` is moved to ``now``; one more than ``max_age`` (default 7 days) old
is dropped, since it could only change days already summarised. Each such event is reported as an
:class:`Adjustment`, for the API to return to the client. Within those bounds client times are
trusted: a device clock set back mid-session re-reports time the union already holds, so it is
not counted twice.

**Recomputing a day** from stored events: :func:`fetch_window` gives the span of events needed
(the day widened by ``tolerance`` on both sides is enough: an event further out cannot change a
minute of the day, nor where an interval that reaches into the day began).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Literal

from salama.errors import InputError
from salama.wellbeing.zones import (
    ZoneHistory,
    ZoneLike,
    day_bounds,
    local_date,
    require_aware,
    split_by_local_day,
)

__all__ = [
    "DEFAULT_CREDIT",
    "DEFAULT_MAX_AGE",
    "DEFAULT_MIN_BREAK",
    "DEFAULT_SKEW",
    "DEFAULT_TOLERANCE",
    "HEARTBEAT_EVERY",
    "MAX_ID_CHARS",
    "Adjustment",
    "Admitted",
    "Event",
    "Heartbeat",
    "Interval",
    "SessionEvent",
    "Usage",
    "admit",
    "continuous_minutes",
    "device_intervals",
    "fetch_window",
    "minutes_by_local_day",
    "opens_by_local_day",
    "union",
    "usage_at",
]

HEARTBEAT_EVERY = timedelta(seconds=60)
DEFAULT_TOLERANCE = timedelta(seconds=150)
DEFAULT_CREDIT = timedelta(seconds=30)
DEFAULT_SKEW = timedelta(minutes=5)
DEFAULT_MAX_AGE = timedelta(days=7)
DEFAULT_MIN_BREAK = timedelta(minutes=5)
MAX_ID_CHARS = 200


def _check_id(value: object, name: str) -> None:
    if not isinstance(value, str) or not value or len(value) > MAX_ID_CHARS:
        raise InputError(
            f"{name} must be a non-empty string of at most {MAX_ID_CHARS} characters",
            details={"code": "invalid_id", "field": name},
        )


@dataclass(frozen=True, slots=True)
class Heartbeat:
    """The app on ``device`` was in the foreground (or not) at ``at``. ``at`` must be aware and
    is kept in UTC; ``user``, ``device`` and ``key`` are non-empty strings of at most
    MAX_ID_CHARS characters. Raises InputError otherwise."""

    user: str
    device: str
    at: datetime
    foreground: bool
    key: str

    def __post_init__(self) -> None:
        _check_id(self.user, "user")
        _check_id(self.device, "device")
        _check_id(self.key, "key")
        if not isinstance(self.foreground, bool):
            raise InputError("foreground must be true or false", details={"code": "invalid_flag"})
        object.__setattr__(self, "at", require_aware(self.at, "at"))

    @property
    def is_foreground(self) -> bool:
        return self.foreground


@dataclass(frozen=True, slots=True)
class SessionEvent:
    """An explicit ``start`` (counts as a foreground heartbeat) or ``stop`` (counts as a
    background one) of a session on ``device``. Same rules as Heartbeat; an unknown ``kind``
    raises InputError."""

    user: str
    device: str
    at: datetime
    kind: Literal["start", "stop"]
    key: str

    def __post_init__(self) -> None:
        _check_id(self.user, "user")
        _check_id(self.device, "device")
        _check_id(self.key, "key")
        if self.kind not in ("start", "stop"):
            raise InputError(
                f"a session event is 'start' or 'stop', not {self.kind!r}",
                details={"code": "invalid_session_event"},
            )
        object.__setattr__(self, "at", require_aware(self.at, "at"))

    @property
    def is_foreground(self) -> bool:
        return self.kind == "start"


Event = Heartbeat | SessionEvent


@dataclass(frozen=True, slots=True)
class Interval:
    """Time in use, ``[start, end)`` in UTC: on one ``device``, or on any (``device`` None, as
    :func:`union` returns). Raises InputError when naive or when ``end`` is before ``start``."""

    start: datetime
    end: datetime
    device: str | None = None

    def __post_init__(self) -> None:
        start = require_aware(self.start, "start")
        end = require_aware(self.end, "end")
        if end < start:
            raise InputError(
                f"an interval cannot end ({end.isoformat()}) before it starts "
                f"({start.isoformat()})",
                details={"code": "invalid_interval"},
            )
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)

    @property
    def minutes(self) -> float:
        return (self.end - self.start).total_seconds() / 60

    def to_dict(self) -> dict[str, object]:
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "device": self.device,
            "minutes": round(self.minutes, 2),
        }


# ---------------------------------------------------------------------------------------------
# Clamping


@dataclass(frozen=True, slots=True)
class Adjustment:
    """One event whose time was not taken as sent: ``clamped`` to ``to`` (it was more than the
    allowed skew in the future) or ``dropped`` (older than the maximum age)."""

    key: str
    device: str
    sent_at: datetime
    action: Literal["clamped", "dropped"]
    reason: Literal["future", "too_old"]
    to: datetime | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "key": self.key,
            "device": self.device,
            "sent_at": self.sent_at.isoformat(),
            "action": self.action,
            "reason": self.reason,
            "to": None if self.to is None else self.to.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class Admitted:
    """The events to keep (in the order given, clamped ones with their new time) and the
    adjustments made, in the same order."""

    events: tuple[Event, ...]
    adjustments: tuple[Adjustment, ...]

    def to_dict(self) -> dict[str, object]:
        return {
            "accepted": len(self.events),
            "adjustments": [a.to_dict() for a in self.adjustments],
        }


def admit(
    events: Iterable[Event],
    now: datetime,
    *,
    skew: timedelta = DEFAULT_SKEW,
    max_age: timedelta = DEFAULT_MAX_AGE,
) -> Admitted:
    """Check client times against the server's ``now``: an event after ``now + skew`` is moved
    to ``now``; one before ``now - max_age`` is dropped. Both are reported. Raises InputError for
    a naive ``now`` or a negative ``skew`` or non-positive ``max_age``."""
    now = require_aware(now, "now")
    if skew < timedelta(0) or max_age <= timedelta(0):
        raise InputError(
            "skew must be zero or more and max_age more than zero",
            details={"code": "invalid_window"},
        )
    kept: list[Event] = []
    notes: list[Adjustment] = []
    for event in events:
        if event.at > now + skew:
            kept.append(replace(event, at=now))
            notes.append(Adjustment(event.key, event.device, event.at, "clamped", "future", now))
        elif event.at < now - max_age:
            notes.append(Adjustment(event.key, event.device, event.at, "dropped", "too_old"))
        else:
            kept.append(event)
    return Admitted(tuple(kept), tuple(notes))


# ---------------------------------------------------------------------------------------------
# Intervals


def _check_window(tolerance: timedelta, credit: timedelta) -> None:
    if tolerance <= timedelta(0) or not timedelta(0) <= credit <= tolerance:
        raise InputError(
            "tolerance must be more than zero, and credit between zero and the tolerance",
            details={"code": "invalid_tolerance"},
        )


def _order(event: Event) -> tuple[datetime, int, str]:
    # at the same instant a foreground event comes first, so that a background one ends the
    # stretch there instead of starting nothing
    return (event.at, 0 if event.is_foreground else 1, event.key)


def device_intervals(
    events: Iterable[Event],
    *,
    tolerance: timedelta = DEFAULT_TOLERANCE,
    credit: timedelta = DEFAULT_CREDIT,
) -> list[Interval]:
    """One user's foreground intervals, per device, sorted by start then device (see the module
    docstring for the rules). Raises InputError when the events name more than one user, or for
    a tolerance that is not positive or a credit outside ``[0, tolerance]``."""
    _check_window(tolerance, credit)
    unique: dict[tuple[str, str], Event] = {}
    user: str | None = None
    for event in events:
        if user is None:
            user = event.user
        elif event.user != user:
            raise InputError(
                "the ledger counts one user at a time; found events of two users",
                details={"code": "mixed_users"},
            )
        ident = (event.device, event.key)
        seen = unique.get(ident)
        if seen is None or _order(event) < _order(seen):
            unique[ident] = event
    by_device: dict[str, list[Event]] = {}
    for event in unique.values():
        by_device.setdefault(event.device, []).append(event)
    out: list[Interval] = []
    for device, stream in by_device.items():
        out.extend(_sweep(device, sorted(stream, key=_order), tolerance, credit))
    out.sort(key=lambda i: (i.start, i.end, i.device or ""))
    return out


def _sweep(
    device: str, stream: Sequence[Event], tolerance: timedelta, credit: timedelta
) -> Iterable[Interval]:
    start: datetime | None = None
    last: datetime | None = None
    for event in stream:
        if event.is_foreground:
            if start is not None and last is not None and event.at - last <= tolerance:
                last = event.at
                continue
            if start is not None and last is not None:
                yield from _nonempty(start, last + credit, device)
            start = last = event.at
        elif start is not None and last is not None:
            end = event.at if event.at - last <= tolerance else last + credit
            yield from _nonempty(start, end, device)
            start = last = None
    if start is not None and last is not None:
        yield from _nonempty(start, last + credit, device)


def _nonempty(start: datetime, end: datetime, device: str | None) -> Iterable[Interval]:
    if end > start:
        yield Interval(start, end, device)


def union(intervals: Iterable[Interval]) -> list[Interval]:
    """The intervals merged where they overlap or touch, sorted, with ``device`` None; empty
    intervals vanish."""
    out: list[Interval] = []
    cur_start: datetime | None = None
    cur_end: datetime | None = None
    for iv in sorted(intervals, key=lambda i: (i.start, i.end)):
        if iv.end <= iv.start:
            continue
        if cur_start is not None and cur_end is not None and iv.start <= cur_end:
            cur_end = max(cur_end, iv.end)
            continue
        if cur_start is not None and cur_end is not None:
            out.append(Interval(cur_start, cur_end))
        cur_start, cur_end = iv.start, iv.end
    if cur_start is not None and cur_end is not None:
        out.append(Interval(cur_start, cur_end))
    return out


def minutes_by_local_day(intervals: Iterable[Interval], tz: ZoneLike) -> dict[date, float]:
    """Minutes in use per local date (dates with none are absent), sorted by date. The
    intervals are unioned first, so per-device intervals may be passed as they are."""
    seconds: dict[date, float] = {}
    for iv in union(intervals):
        for piece in split_by_local_day(iv.start, iv.end, tz):
            seconds[piece.day] = seconds.get(piece.day, 0.0) + piece.seconds
    return {day: seconds[day] / 60 for day in sorted(seconds)}


def opens_by_local_day(intervals: Iterable[Interval], tz: ZoneLike) -> dict[date, int]:
    """How many intervals start on each local date: pass per-device intervals to count opens of
    the app on any device; pass a union to count stretches of use."""
    counts: dict[date, int] = {}
    for iv in intervals:
        day = local_date(iv.start, tz)
        counts[day] = counts.get(day, 0) + 1
    return {day: counts[day] for day in sorted(counts)}


def fetch_window(
    day: date, tz: ZoneLike, *, tolerance: timedelta = DEFAULT_TOLERANCE
) -> tuple[datetime, datetime]:
    """The UTC span ``[start, end)`` of stored events enough to recompute local date ``day``:
    the day widened by ``tolerance`` on both sides. With a ZoneHistory, the span covers the day
    in every zone of the history (more than needed, never less)."""
    zones = [tz.initial, *(c.zone for c in tz.changes)] if isinstance(tz, ZoneHistory) else [tz]
    bounds = [day_bounds(day, z) for z in zones]
    return min(b[0] for b in bounds) - tolerance, max(b[1] for b in bounds) + tolerance


# ---------------------------------------------------------------------------------------------
# Now


def continuous_minutes(
    intervals: Iterable[Interval],
    now: datetime,
    *,
    min_break: timedelta = DEFAULT_MIN_BREAK,
) -> float:
    """Minutes of continuous use up to ``now``: the span of the latest run of use in which no gap
    reaches ``min_break`` (default 5 min; shorter pauses are not a break), or 0 when the last use
    ended ``min_break`` or more before ``now``. Use after ``now`` is ignored."""
    now = require_aware(now, "now")
    clipped = union(Interval(iv.start, min(iv.end, now)) for iv in intervals if iv.start < now)
    if not clipped or now - clipped[-1].end >= min_break:
        return 0.0
    run_start = clipped[-1].start
    for earlier, later in zip(reversed(clipped[:-1]), reversed(clipped[1:]), strict=True):
        if later.start - earlier.end >= min_break:
            break
        run_start = earlier.start
    return (clipped[-1].end - run_start).total_seconds() / 60


@dataclass(frozen=True, slots=True)
class Usage:
    """Today's usage as the status needs it: the local date, minutes used on it, and minutes of
    continuous use now."""

    day: date
    minutes_used: float
    continuous_minutes: float

    def to_dict(self) -> dict[str, object]:
        return {
            "day": self.day.isoformat(),
            "minutes_used": round(self.minutes_used, 2),
            "continuous_minutes": round(self.continuous_minutes, 2),
        }


def usage_at(
    intervals: Iterable[Interval],
    now: datetime,
    tz: ZoneLike,
    *,
    min_break: timedelta = DEFAULT_MIN_BREAK,
) -> Usage:
    """The user's usage at ``now``: minutes on today's local date (intervals clipped at ``now``,
    so the end credit of a stretch still open is not counted ahead of time) and continuous
    minutes (see :func:`continuous_minutes`)."""
    now = require_aware(now, "now")
    items = list(intervals)
    clipped = [Interval(iv.start, min(iv.end, now)) for iv in items if iv.start < now]
    today = local_date(now, tz)
    used = minutes_by_local_day(clipped, tz).get(today, 0.0)
    return Usage(today, used, continuous_minutes(items, now, min_break=min_break))
