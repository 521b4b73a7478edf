"""Property tests: the minutes the ledger counts are the union of the devices' foreground time,
whatever the order, duplication and interleaving of the events.

The expected time is computed here on a one-second grid (a set of the seconds in use), from the
sessions the test drew, without the ledger's code: each session is a run of foreground heartbeats
at most ``tolerance`` apart, closed by a background heartbeat or a stop (the session ends at the
close) or left open (it ends at its last heartbeat plus the credit)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from salama.wellbeing import (
    DEFAULT_CREDIT,
    DEFAULT_TOLERANCE,
    Event,
    Heartbeat,
    SessionEvent,
    device_intervals,
    fetch_window,
    minutes_by_local_day,
    opens_by_local_day,
    union,
)

TOL = int(DEFAULT_TOLERANCE.total_seconds())
CREDIT = int(DEFAULT_CREDIT.total_seconds())
CASABLANCA = ZoneInfo("Africa/Casablanca")
# Local midnight of 15 Feb 2026 in Casablanca is 23:00 UTC on the 14th; at 02:00 UTC on the 15th
# the zone goes from UTC+1 to UTC+0 for Ramadan. Drawn usage starts near one or the other.
SHIFT_BASE = datetime(2026, 2, 14, 22, 0, tzinfo=UTC)
NEAR_MIDNIGHT, NEAR_SHIFT = 0, 3 * 3600


@dataclass
class Drawn:
    events: list[Event]
    seconds: set[int]  # seconds after the base that are in use, on any device
    sessions: int  # sessions of non-zero length, all devices


@st.composite
def usage(draw: st.DrawFn, max_devices: int = 3, max_sessions: int = 3) -> Drawn:
    devices = draw(st.integers(1, max_devices))
    anchor = draw(st.sampled_from([NEAR_MIDNIGHT, NEAR_SHIFT]))
    events: list[Event] = []
    seconds: set[int] = set()
    sessions = 0
    for d in range(devices):
        device = f"dev{d}"
        cursor = anchor + draw(st.integers(0, 4000))
        for s in range(draw(st.integers(1, max_sessions))):
            steps = draw(st.lists(st.integers(1, TOL), max_size=15))
            times = [cursor]
            for step in steps:
                times.append(times[-1] + step)
            for i, t in enumerate(times):
                if i == 0 and draw(st.booleans()):
                    events.append(_start(device, t, f"{device}-{s}-{i}"))
                else:
                    events.append(_beat(device, t, True, f"{device}-{s}-{i}"))
            closed = draw(st.booleans())
            if closed:
                end = times[-1] + draw(st.integers(0, TOL))
                key = f"{device}-{s}-close"
                as_stop = draw(st.booleans())
                events.append(
                    _stop(device, end, key) if as_stop else _beat(device, end, False, key)
                )
                if draw(st.booleans()):  # a stray background heartbeat after the close
                    events.append(_beat(device, end + draw(st.integers(0, 50)), False, key + "x"))
                next_start = end + 51 + draw(st.integers(0, 2000))
            else:
                end = times[-1] + CREDIT
                next_start = times[-1] + TOL + 1 + draw(st.integers(0, 2000))
            if end > times[0]:
                sessions += 1
            seconds.update(range(times[0], end))
            cursor = next_start
    return Drawn(events, seconds, sessions)


def _at(t: int, base: datetime = SHIFT_BASE) -> datetime:
    return base + timedelta(seconds=t)


def _beat(device: str, t: int, fg: bool, key: str) -> Heartbeat:
    # sent with the client's local offset, as a phone in Casablanca would
    return Heartbeat("u1", device, _at(t).astimezone(CASABLANCA), fg, key)


def _start(device: str, t: int, key: str) -> SessionEvent:
    return SessionEvent("u1", device, _at(t), "start", key)


def _stop(device: str, t: int, key: str) -> SessionEvent:
    return SessionEvent("u1", device, _at(t), "stop", key)


def _delivered(drawn: Drawn, seed: int) -> list[Event]:
    """The same events shuffled, some delivered two or three times."""
    rng = random.Random(seed)
    out = list(drawn.events)
    out += [e for e in drawn.events if rng.random() < 0.3]
    out += [e for e in drawn.events if rng.random() < 0.1]
    rng.shuffle(out)
    return out


@settings(max_examples=150, deadline=None)
@given(usage(), st.integers(0, 2**32))
def test_minutes_are_the_union_of_device_time(drawn: Drawn, seed: int) -> None:
    intervals = device_intervals(_delivered(drawn, seed))
    counted = sum(minutes_by_local_day(intervals, "UTC").values())
    assert round(counted * 60) == len(drawn.seconds)
    assert abs(counted * 60 - len(drawn.seconds)) < 1e-6
    merged = union(intervals)
    assert sum(round((i.end - i.start).total_seconds()) for i in merged) == len(drawn.seconds)
    assert all(a.end < b.start for a, b in pairwise(merged))  # disjoint
    assert len(intervals) == drawn.sessions


@settings(max_examples=100, deadline=None)
@given(usage(), st.integers(0, 2**32), st.integers(0, 2**32))
def test_order_and_duplicates_change_nothing(drawn: Drawn, seed1: int, seed2: int) -> None:
    first = device_intervals(_delivered(drawn, seed1))
    second = device_intervals(_delivered(drawn, seed2))
    assert first == second == device_intervals(drawn.events)


@settings(max_examples=60, deadline=None)
@given(usage(), st.integers(0, 2**32))
def test_minutes_per_local_day_match_a_second_by_second_count(drawn: Drawn, seed: int) -> None:
    # the day of each second, found one second at a time in the zone: the Ramadan shift of
    # 15 Feb 2026 is inside the drawn span for most examples
    expected: dict[date, int] = {}
    for t in drawn.seconds:
        day = _at(t).astimezone(CASABLANCA).date()
        expected[day] = expected.get(day, 0) + 1
    got = minutes_by_local_day(device_intervals(_delivered(drawn, seed)), "Africa/Casablanca")
    assert {d: round(m * 60) for d, m in got.items()} == expected


@settings(max_examples=60, deadline=None)
@given(usage(max_sessions=4), st.integers(0, 2**32))
def test_a_day_recomputed_from_its_window_matches(drawn: Drawn, seed: int) -> None:
    everything = device_intervals(_delivered(drawn, seed))
    full_minutes = minutes_by_local_day(everything, CASABLANCA)
    full_opens = opens_by_local_day(everything, CASABLANCA)
    for day in (date(2026, 2, 14), date(2026, 2, 15), date(2026, 2, 16)):
        start, end = fetch_window(day, CASABLANCA)
        window = [e for e in drawn.events if start <= e.at < end]
        part = device_intervals(window)
        assert (
            abs(minutes_by_local_day(part, CASABLANCA).get(day, 0) - full_minutes.get(day, 0))
            < 1e-9
        )
        assert opens_by_local_day(part, CASABLANCA).get(day, 0) == full_opens.get(day, 0)
