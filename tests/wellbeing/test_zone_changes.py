"""A user's zone changed mid-day (``change_zone``), and device clocks jumped an hour: no minute
lost, none counted twice, the day in progress keeps its minutes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from salama.errors import InputError
from salama.wellbeing import (
    Heartbeat,
    Interval,
    ZoneHistory,
    admit,
    change_zone,
    device_intervals,
    local_date,
    minutes_by_local_day,
    usage_at,
)

D = date(2026, 6, 10)  # Casablanca UTC+1, New York UTC-4, Tokyo UTC+9, Dubai UTC+4


def utc(hour: float, day: date = D) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(hours=hour)


def used(start: float, end: float, day: date = D) -> Interval:
    return Interval(utc(start, day), utc(end, day))


def test_flying_east_the_same_date_keeps_todays_minutes() -> None:
    morning = used(8, 9)  # 09:00-10:00 in Casablanca
    history = change_zone("Africa/Casablanca", "Asia/Dubai", utc(12))  # 16:00 in Dubai
    now = utc(13)
    assert local_date(now, history) == D
    assert usage_at([morning], now, history).minutes_used == 60


def test_flying_west_the_same_date_keeps_minutes_used_before_the_new_zones_midnight() -> None:
    night = used(0, 1)  # 01:00-02:00 in Casablanca, 20:00-21:00 on 9 June in New York
    history = change_zone("Africa/Casablanca", "America/New_York", utc(8))  # 04:00 in New York
    now = utc(9)
    assert local_date(now, history) == D
    assert usage_at([night], now, history).minutes_used == 60
    # re-cutting the whole day in New York's zone would have dropped them
    assert usage_at([night], now, "America/New_York").minutes_used == 0


def test_flying_east_past_midnight_counts_what_was_used_since_the_new_zones_midnight() -> None:
    morning = used(9, 10)  # 10:00-11:00 in Casablanca, before Tokyo's midnight (15:00 UTC)
    evening = used(16, 17)  # 17:00-18:00 in Casablanca, 01:00-02:00 on 11 June in Tokyo
    history = change_zone("Africa/Casablanca", "Asia/Tokyo", utc(19))  # 04:00 on 11 June
    now = utc(20)
    assert local_date(now, history) == D + timedelta(days=1)
    assert usage_at([morning, evening], now, history).minutes_used == 60  # not reset
    days = minutes_by_local_day([morning, evening], history)
    assert days == {D: 60, D + timedelta(days=1): 60}  # each minute on exactly one date


def test_a_finished_day_is_never_recut() -> None:
    yesterday_late = used(21, 22.5, D - timedelta(days=1))  # 22:00-23:30 on 9 June in Casablanca
    # Dubai's 10 June began at 20:00 UTC on 9 June, before Casablanca's (23:00 UTC)
    history = change_zone("Africa/Casablanca", "Asia/Dubai", utc(6))
    days = minutes_by_local_day([yesterday_late], history)
    assert days == {D - timedelta(days=1): 90}


@pytest.mark.parametrize(
    "zones",
    [
        ("Africa/Casablanca", "Asia/Tokyo", "America/Los_Angeles"),
        ("Pacific/Kiritimati", "Pacific/Pago_Pago", "Africa/Casablanca"),
        ("America/New_York", "Europe/Paris", "Asia/Kolkata"),
    ],
)
def test_no_minute_is_lost_or_counted_twice_whatever_the_changes(
    zones: tuple[str, str, str],
) -> None:
    use = [used(h, h + 0.75) for h in range(0, 48, 3)]  # 45 minutes every 3 hours, two days
    history: str | ZoneHistory = zones[0]
    for hour, name in ((7.0, zones[1]), (30.5, zones[2])):
        history = change_zone(history, name, utc(hour))
    days = minutes_by_local_day(use, history)
    assert sum(days.values()) == pytest.approx(45 * 16)


def test_two_changes_on_one_day_and_the_same_zone_again() -> None:
    history = change_zone("Africa/Casablanca", "Asia/Dubai", utc(10))
    assert change_zone(history, "Asia/Dubai", utc(11)) == history
    again = change_zone(history, "Asia/Tokyo", utc(12))
    assert again.current.key == "Asia/Tokyo"
    assert [c.at for c in again.changes] == sorted(c.at for c in again.changes)
    with pytest.raises(InputError) as err:
        change_zone(again, "Europe/Paris", again.changes[-1].at - timedelta(minutes=1))
    assert err.value.details["code"] == "zone_change_order"
    with pytest.raises(InputError):
        change_zone("Africa/Casablanca", "Mars/Olympus", utc(1))


# --- device clocks that jump ---------------------------------------------------------------------


def test_a_device_clock_set_an_hour_forward_is_clamped_to_the_servers_time() -> None:
    # a real 10-minute session from 10:00 UTC; the phone's clock reads an hour ahead
    received = []
    counted = []
    for minute in range(11):
        server_now = utc(10) + timedelta(minutes=minute)
        beat = Heartbeat("u1", "phone", server_now + timedelta(hours=1), True, f"k{minute}")
        result = admit([beat], server_now)
        assert [a.reason for a in result.adjustments] == ["future"]
        received.append(beat)
        counted.extend(result.events)
    assert all(e.at <= utc(10, D) + timedelta(minutes=10) for e in counted)
    intervals = device_intervals(counted)
    now = utc(10) + timedelta(minutes=10)
    assert usage_at(intervals, now, "Africa/Casablanca").minutes_used == pytest.approx(10)
    # unclamped, the same heartbeats would all lie an hour in the future: nothing counted now
    assert usage_at(device_intervals(received), now, "Africa/Casablanca").minutes_used == 0


def test_a_device_clock_set_an_hour_back_mid_session_counts_each_instant_once() -> None:
    first = [
        Heartbeat("u1", "phone", utc(10) + timedelta(minutes=m), True, f"a{m}") for m in range(31)
    ]
    # at 10:30 the clock goes back an hour: the phone reports 09:31..10:00 for 10:31..11:00
    later = [
        Heartbeat("u1", "phone", utc(9.5) + timedelta(minutes=m), True, f"b{m}")
        for m in range(1, 31)
    ]
    now = utc(11)
    admitted = admit(first + later, now)
    assert admitted.adjustments == ()  # within the bounds: trusted as sent
    minutes = usage_at(device_intervals(admitted.events), now, "UTC").minutes_used
    # 10:00-10:30 and 09:31-10:00 as reported: 59 minutes, none twice, never over the real hour
    assert minutes == pytest.approx(59.0, abs=1.0)
    assert minutes <= 60
