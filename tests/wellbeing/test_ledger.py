from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from salama.errors import InputError
from salama.wellbeing import (
    DEFAULT_MAX_AGE,
    DEFAULT_SKEW,
    Heartbeat,
    Interval,
    SessionEvent,
    admit,
    continuous_minutes,
    device_intervals,
    minutes_by_local_day,
    opens_by_local_day,
    union,
    usage_at,
)

T0 = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)  # a Monday, 10:00 in Casablanca (UTC+1)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def beats(
    device: str, minutes: list[float], *, fg: bool = True, user: str = "u1"
) -> list[Heartbeat]:
    return [Heartbeat(user, device, at(m), fg, f"{device}-{fg}-{m}") for m in minutes]


def total(intervals: list[Interval]) -> float:
    return sum(minutes_by_local_day(intervals, "UTC").values())


# --- one device -------------------------------------------------------------------------------


def test_beats_within_tolerance_make_one_interval_with_the_end_credit() -> None:
    intervals = device_intervals(beats("phone", [0, 1, 2, 3, 4, 5]))
    assert intervals == [Interval(at(0), at(5.5), "phone")]
    assert total(intervals) == pytest.approx(5.5)


def test_a_lone_heartbeat_counts_its_credit_or_nothing() -> None:
    assert total(device_intervals(beats("phone", [0]))) == pytest.approx(0.5)
    assert device_intervals(beats("phone", [0]), credit=timedelta(0)) == []


def test_a_gap_longer_than_the_tolerance_splits() -> None:
    # 150 s is the tolerance: a gap of exactly 2.5 minutes still joins, 2.51 minutes does not
    assert len(device_intervals(beats("phone", [0, 2.5, 5]))) == 1
    split = device_intervals(beats("phone", [0, 1, 3.51, 4.51]))
    assert split == [Interval(at(0), at(1.5), "phone"), Interval(at(3.51), at(5.01), "phone")]


def test_a_background_heartbeat_ends_the_interval_at_its_own_time() -> None:
    events = [*beats("phone", [0, 1, 2]), *beats("phone", [2.75], fg=False)]
    assert device_intervals(events) == [Interval(at(0), at(2.75), "phone")]


def test_a_late_background_heartbeat_leaves_the_credit() -> None:
    events = [*beats("phone", [0, 1, 2]), *beats("phone", [10], fg=False)]
    assert device_intervals(events) == [Interval(at(0), at(2.5), "phone")]


def test_background_and_foreground_at_the_same_instant_end_the_interval() -> None:
    events = [*beats("phone", [0, 1]), *beats("phone", [1], fg=False)]
    assert device_intervals(events) == [Interval(at(0), at(1), "phone")]


def test_session_start_and_stop_events() -> None:
    events = [
        SessionEvent("u1", "tv", at(0), "start", "s1"),
        *beats("tv", [1, 2, 3]),
        SessionEvent("u1", "tv", at(3.2), "stop", "s2"),
        SessionEvent("u1", "tv", at(20), "start", "s3"),
        SessionEvent("u1", "tv", at(21), "stop", "s4"),
    ]
    assert device_intervals(events) == [
        Interval(at(0), at(3.2), "tv"),
        Interval(at(20), at(21), "tv"),
    ]
    with pytest.raises(InputError):
        SessionEvent("u1", "tv", at(0), "pause", "s5")  # type: ignore[arg-type]


def test_a_stop_without_a_start_changes_nothing() -> None:
    assert device_intervals([SessionEvent("u1", "tv", at(0), "stop", "s")]) == []


# --- several devices, duplicates, order --------------------------------------------------------


def test_two_devices_at_once_count_once() -> None:
    phone = beats("phone", [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])  # 0 to 9.5
    tablet = beats("tablet", [5, 6, 7, 8, 9, 10, 11, 12])  # 5 to 12.5
    intervals = device_intervals(phone + tablet)
    assert len(intervals) == 2
    assert union(intervals) == [Interval(at(0), at(12.5))]
    assert total(intervals) == pytest.approx(12.5)
    assert opens_by_local_day(intervals, "UTC") == {T0.date(): 2}


def test_duplicates_and_order_change_nothing() -> None:
    events = beats("phone", [0, 1, 2, 30, 31]) + beats("tablet", [1.5, 2.5])
    expected = device_intervals(events)
    shuffled = list(reversed(events)) + events[::2] + events[1:3]
    assert device_intervals(shuffled) == expected


def test_the_same_key_twice_keeps_the_earlier_event_whatever_the_order() -> None:
    first = Heartbeat("u1", "phone", at(0), True, "k1")
    retry_with_other_time = Heartbeat("u1", "phone", at(1), True, "k1")
    other = Heartbeat("u1", "phone", at(2), True, "k2")
    a = device_intervals([first, retry_with_other_time, other])
    b = device_intervals([other, retry_with_other_time, first])
    assert a == b == [Interval(at(0), at(2.5), "phone")]


def test_the_same_key_on_two_devices_is_two_events() -> None:
    events = [Heartbeat("u1", "phone", at(0), True, "1"), Heartbeat("u1", "tv", at(10), True, "1")]
    assert len(device_intervals(events)) == 2


def test_a_device_clock_set_back_is_not_counted_twice() -> None:
    honest = beats("phone", [float(m) for m in range(0, 31)])
    # the clock is set back 20 minutes at 10:30 and the phone reports 10:10..10:20 again
    replay = [Heartbeat("u1", "phone", at(m), True, f"again-{m}") for m in range(10, 21)]
    assert total(device_intervals(honest + replay)) == pytest.approx(30.5)


def test_events_of_two_users_are_refused() -> None:
    with pytest.raises(InputError) as err:
        device_intervals(beats("phone", [0]) + beats("phone", [1], user="u2"))
    assert err.value.details["code"] == "mixed_users"


def test_bad_events_are_refused() -> None:
    with pytest.raises(InputError) as err:
        Heartbeat("u1", "phone", datetime(2026, 5, 4, 9, 0), True, "k")  # naive
    assert err.value.details["code"] == "naive_datetime"
    for user, device, key in (("", "d", "k"), ("u", "", "k"), ("u", "d", "x" * 201)):
        with pytest.raises(InputError):
            Heartbeat(user, device, T0, True, key)
    with pytest.raises(InputError):
        Heartbeat("u", "d", T0, "yes", "k")  # type: ignore[arg-type]
    with pytest.raises(InputError):
        device_intervals([], tolerance=timedelta(0))
    with pytest.raises(InputError):
        device_intervals([], tolerance=timedelta(seconds=60), credit=timedelta(seconds=61))
    with pytest.raises(InputError):
        Interval(at(5), at(4))


def test_times_are_kept_in_utc_whatever_the_offset_sent() -> None:
    local = T0.astimezone(ZoneInfo("Asia/Dubai"))
    beat = Heartbeat("u1", "phone", local, True, "k")
    assert beat.at == T0 and beat.at.tzinfo is UTC


# --- clamping ---------------------------------------------------------------------------------


def test_admit_clamps_the_future_and_drops_the_too_old() -> None:
    now = at(0)
    ok_future = Heartbeat("u1", "phone", now + DEFAULT_SKEW, True, "edge")
    future = Heartbeat("u1", "phone", now + timedelta(hours=3), True, "future")
    ancient = Heartbeat("u1", "phone", now - DEFAULT_MAX_AGE - timedelta(seconds=1), True, "old")
    recent = Heartbeat("u1", "phone", now - timedelta(days=6), True, "recent")
    result = admit([ok_future, future, ancient, recent], now)
    assert [e.key for e in result.events] == ["edge", "future", "recent"]
    assert result.events[0].at == now + DEFAULT_SKEW
    assert result.events[1].at == now
    assert [(a.key, a.action, a.reason) for a in result.adjustments] == [
        ("future", "clamped", "future"),
        ("old", "dropped", "too_old"),
    ]
    assert result.adjustments[0].sent_at == now + timedelta(hours=3)
    assert result.adjustments[0].to == now and result.adjustments[1].to is None
    payload = json.loads(json.dumps(result.to_dict()))
    assert payload["accepted"] == 3 and payload["adjustments"][1]["action"] == "dropped"


def test_admit_with_other_bounds_and_bad_input() -> None:
    now = at(0)
    event = Heartbeat("u1", "phone", now + timedelta(seconds=30), True, "k")
    assert admit([event], now, skew=timedelta(0)).events[0].at == now
    assert admit([event], now, skew=timedelta(minutes=1)).adjustments == ()
    with pytest.raises(InputError):
        admit([event], datetime(2026, 5, 4))
    with pytest.raises(InputError):
        admit([event], now, max_age=timedelta(0))


# --- now ----------------------------------------------------------------------------------------


def test_continuous_minutes_bridge_short_pauses_only() -> None:
    # 0-20, pause of 3 min, 23-40: one run of 40 minutes; then 10 minutes off
    intervals = [Interval(at(0), at(20)), Interval(at(23), at(40))]
    assert continuous_minutes(intervals, at(41)) == pytest.approx(40)
    assert continuous_minutes(intervals, at(45)) == 0.0  # five minutes off is a break
    spaced = [Interval(at(0), at(20)), Interval(at(25), at(40))]
    assert continuous_minutes(spaced, at(40)) == pytest.approx(15)
    assert continuous_minutes(intervals, at(30)) == pytest.approx(30)  # up to now only
    assert continuous_minutes([], at(30)) == 0.0


def test_usage_at_counts_today_up_to_now() -> None:
    tz = "Africa/Casablanca"
    # 23:00 UTC on 3 May is 00:00 on 4 May in Casablanca (UTC+1 in May)
    yesterday = Interval(
        datetime(2026, 5, 3, 22, 30, tzinfo=UTC), datetime(2026, 5, 3, 23, 20, tzinfo=UTC)
    )
    open_now = Interval(at(0), at(10.5), "phone")  # the credit runs past now
    usage = usage_at([yesterday, open_now], at(10), tz)
    assert usage.day == T0.date()
    assert usage.minutes_used == pytest.approx(20 + 10)
    assert usage.continuous_minutes == pytest.approx(10)
    assert usage.to_dict()["minutes_used"] == 30.0
