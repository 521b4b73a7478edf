"""Local days, Africa/Casablanca's Ramadan shifts and the rule for a change of zone.

The shift dates come from the tz database (zoneinfo): the first test pins what it says, so a
tzdata update that moved them would be seen here first."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from salama.errors import InputError
from salama.wellbeing import (
    Heartbeat,
    Interval,
    ZoneChange,
    ZoneHistory,
    day_bounds,
    device_intervals,
    local_date,
    minutes_by_local_day,
    split_by_local_day,
)

CASA = "Africa/Casablanca"
H = timedelta(hours=1)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def offset(instant: datetime, tz: str = CASA) -> timedelta:
    value = instant.astimezone(ZoneInfo(tz)).utcoffset()
    assert value is not None
    return value


@pytest.mark.parametrize(
    ("back", "forward"),
    [
        (utc(2025, 2, 23, 2), utc(2025, 4, 6, 2)),  # Ramadan 2025
        (utc(2026, 2, 15, 2), utc(2026, 3, 22, 2)),  # Ramadan 2026
    ],
)
def test_tzdata_has_the_ramadan_shifts(back: datetime, forward: datetime) -> None:
    tick = timedelta(seconds=1)
    assert offset(back - tick) == H and offset(back) == timedelta(0)
    assert offset(forward - tick) == timedelta(0) and offset(forward) == H


@pytest.mark.parametrize(
    ("day", "hours"),
    [
        (date(2025, 2, 22), 24),
        (date(2025, 2, 23), 25),  # 03:00 becomes 02:00: an hour lived twice
        (date(2025, 4, 6), 23),  # 02:00 becomes 03:00: an hour skipped
        (date(2026, 2, 15), 25),
        (date(2026, 2, 16), 24),
        (date(2026, 3, 22), 23),
    ],
)
def test_a_whole_day_of_use_has_the_day_s_real_length(day: date, hours: int) -> None:
    start, end = day_bounds(day, CASA)
    assert (end - start) == hours * H
    week = Interval(start - 3 * 24 * H, end + 3 * 24 * H)
    assert minutes_by_local_day([week], CASA)[day] == hours * 60


def test_day_bounds_on_the_shift_days_of_2026() -> None:
    assert day_bounds(date(2026, 2, 15), CASA) == (utc(2026, 2, 14, 23), utc(2026, 2, 16, 0))
    assert day_bounds(date(2026, 3, 22), CASA) == (utc(2026, 3, 22, 0), utc(2026, 3, 22, 23))


def test_an_interval_across_midnight_into_the_shift_day_2026() -> None:
    # 23:30 on 14 Feb (UTC+1) to 04:00 on 15 Feb (UTC+0): 30 minutes on the 14th, and five
    # hours on the 15th although the clock moved four (02:00-03:00 was lived twice)
    start = datetime(2026, 2, 14, 23, 30, tzinfo=ZoneInfo(CASA))
    end = datetime(2026, 2, 15, 4, 0, tzinfo=ZoneInfo(CASA))
    # Python subtracts two times of one tzinfo on the wall clock (4 h 30); the ledger counts UTC
    assert end - start == timedelta(hours=4, minutes=30)
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=5, minutes=30)
    days = minutes_by_local_day([Interval(start, end)], CASA)
    assert days == {date(2026, 2, 14): 30, date(2026, 2, 15): 300}


def test_an_interval_across_midnight_into_the_shift_day_2025() -> None:
    # 22:00 on 22 Feb 2025 (UTC+1) to 03:30 local on 23 Feb, after the shift (UTC+0)
    days = minutes_by_local_day([Interval(utc(2025, 2, 22, 21), utc(2025, 2, 23, 3, 30))], CASA)
    assert days == {date(2025, 2, 22): 120, date(2025, 2, 23): 270}


def test_an_interval_across_midnight_into_the_day_clocks_go_forward() -> None:
    # 23:00 on 21 Mar 2026 (UTC+0) to 04:00 local on 22 Mar (UTC+1): 60 + 180 minutes
    start = datetime(2026, 3, 21, 23, 0, tzinfo=ZoneInfo(CASA))
    end = datetime(2026, 3, 22, 4, 0, tzinfo=ZoneInfo(CASA))
    assert minutes_by_local_day([Interval(start, end)], CASA) == {
        date(2026, 3, 21): 60,
        date(2026, 3, 22): 180,
    }
    # the same stretch leaving the shift day: 22 Mar 23:30 (UTC+1) to 23 Mar 00:30
    late = Interval(utc(2026, 3, 22, 22, 30), utc(2026, 3, 22, 23, 30))
    assert minutes_by_local_day([late], CASA) == {date(2026, 3, 22): 30, date(2026, 3, 23): 30}


def test_heartbeats_across_the_shift_with_local_offsets_are_one_stretch() -> None:
    # a phone reports local times; 02:59 UTC+1 is followed one minute later by 02:00 UTC+0
    casa = ZoneInfo(CASA)
    first = utc(2026, 2, 15, 1, 30)
    events = [
        Heartbeat("u1", "phone", (first + timedelta(minutes=m)).astimezone(casa), True, f"k{m}")
        for m in range(61)
    ]
    assert events[29].at.astimezone(casa).hour == 2 and events[31].at.astimezone(casa).hour == 2
    intervals = device_intervals(events)
    assert len(intervals) == 1
    assert minutes_by_local_day(intervals, CASA) == {date(2026, 2, 15): 60.5}


def test_split_pieces_carry_the_offset_in_force() -> None:
    pieces = split_by_local_day(utc(2026, 2, 14, 22), utc(2026, 2, 15, 3), CASA)
    assert [(p.day, p.start, p.end, p.offset) for p in pieces] == [
        (date(2026, 2, 14), utc(2026, 2, 14, 22), utc(2026, 2, 14, 23), H),
        (date(2026, 2, 15), utc(2026, 2, 14, 23), utc(2026, 2, 15, 2), H),
        (date(2026, 2, 15), utc(2026, 2, 15, 2), utc(2026, 2, 15, 3), timedelta(0)),
    ]
    assert pieces[2].local(utc(2026, 2, 15, 2, 30)) == datetime(2026, 2, 15, 2, 30)


def test_midnight_that_does_not_exist() -> None:
    # Havana goes from 00:00 to 01:00 on 9 Mar 2025: the day starts at the change, 23 hours long
    start, end = day_bounds(date(2025, 3, 9), "America/Havana")
    assert end - start == 23 * H
    assert start.astimezone(ZoneInfo("America/Havana")).hour == 1
    # Samoa skipped 30 Dec 2011 altogether: no minute can fall on it
    days = minutes_by_local_day(
        [Interval(utc(2011, 12, 29, 0), utc(2011, 12, 31, 0))], "Pacific/Apia"
    )
    assert date(2011, 12, 30) not in days
    assert sum(days.values()) == 48 * 60


# --- a change of zone ----------------------------------------------------------------------------


def test_each_instant_counts_on_its_date_in_the_zone_of_that_instant() -> None:
    # a teen in Casablanca (UTC+1) flies to New York (UTC-4) and arrives at 12:00 UTC on 10 June
    history = ZoneHistory(CASA, [ZoneChange(utc(2026, 6, 10, 12), "America/New_York")])
    morning_home = Interval(utc(2026, 6, 10, 2), utc(2026, 6, 10, 3))  # 03:00 on 10 June at home
    evening_away = Interval(utc(2026, 6, 11, 2), utc(2026, 6, 11, 3))  # 22:00 on 10 June in NY
    days = minutes_by_local_day([morning_home, evening_away], history)
    assert days == {date(2026, 6, 10): 120}
    # the current zone alone would have put the morning on 9 June
    assert minutes_by_local_day([morning_home, evening_away], "America/New_York") == {
        date(2026, 6, 9): 60,
        date(2026, 6, 10): 60,
    }


def test_an_interval_across_a_zone_change_is_cut_at_the_change() -> None:
    # Casablanca to Dubai (UTC+4) at 21:00 UTC: 22:00 local becomes 01:00 on the next date
    history = ZoneHistory(CASA, [ZoneChange(utc(2026, 6, 10, 21), "Asia/Dubai")])
    stretch = Interval(utc(2026, 6, 10, 20), utc(2026, 6, 10, 22))
    assert minutes_by_local_day([stretch], history) == {
        date(2026, 6, 10): 60,
        date(2026, 6, 11): 60,
    }
    assert local_date(utc(2026, 6, 10, 20, 59), history) == date(2026, 6, 10)
    assert local_date(utc(2026, 6, 10, 21), history) == date(2026, 6, 11)
    assert history.current.key == "Asia/Dubai"


def test_zone_history_orders_changes_and_refuses_bad_ones() -> None:
    later = ZoneChange(utc(2026, 7, 1), "Europe/Paris")
    earlier = ZoneChange(utc(2026, 6, 1), "Asia/Dubai")
    history = ZoneHistory(CASA, [later, earlier])
    assert [c.zone for c in history.changes] == ["Asia/Dubai", "Europe/Paris"]
    assert history.zone_at(utc(2026, 6, 15)).key == "Asia/Dubai"
    assert history.zone_at(utc(2026, 5, 15)).key == CASA
    assert history.to_dict()["initial"] == CASA
    with pytest.raises(InputError):
        ZoneHistory(CASA, [earlier, ZoneChange(utc(2026, 6, 1), "Europe/Paris")])
    with pytest.raises(InputError) as err:
        ZoneChange(utc(2026, 6, 1), "Mars/Olympus")
    assert err.value.details["code"] == "invalid_time_zone"


@pytest.mark.parametrize("name", ["", "africa/casablanca", "Africa", "../etc/passwd", "Nowhere/X"])
def test_unknown_zones_are_input_errors(name: str) -> None:
    with pytest.raises(InputError) as err:
        minutes_by_local_day([Interval(utc(2026, 1, 1), utc(2026, 1, 2))], name)
    assert err.value.details["code"] == "invalid_time_zone"
