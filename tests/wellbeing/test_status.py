from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from salama.errors import InputError
from salama.wellbeing import (
    Limits,
    Unlock,
    ZoneChange,
    ZoneHistory,
    grant_unlock,
    limits_for,
    status,
)
from salama.wellbeing.status import Status

CASA = "Africa/Casablanca"
# Monday 2 March 2026, 17:00 UTC, which is 17:00 in Casablanca: from 15 Feb to 22 Mar 2026
# (Ramadan) the zone is on UTC+0 instead of UTC+1
AFTERNOON = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)


def ask(
    limits: Limits,
    used: float,
    *,
    continuous: float = 0,
    unlocks: list[Unlock] | None = None,
    now: datetime = AFTERNOON,
    tz: str | ZoneHistory = CASA,
) -> Status:
    return status(
        limits=limits,
        minutes_used=used,
        continuous_minutes=continuous,
        unlocks=unlocks or [],
        now=now,
        tz=tz,
    )


def parent_unlock(at: datetime, **grant: object) -> Unlock:
    return grant_unlock("teen_13_15", "parent_approval", user="t", by="p", at=at, **grant)  # type: ignore[arg-type]


def test_under_the_limit() -> None:
    answer = ask(limits_for("teen_13_15"), 20)
    assert (answer.minutes_used, answer.limit_minutes, answer.minutes_left) == (20, 60, 40)
    assert not answer.locked and answer.unlock == () and answer.reminder is None
    assert not answer.wind_down and not answer.hold_notifications


def test_limit_soon_then_locked_with_the_band_s_unlock_methods() -> None:
    assert ask(limits_for("teen_13_15"), 55).reminder == "limit_soon"
    assert ask(limits_for("teen_13_15"), 54.9).reminder is None
    young = ask(limits_for("teen_13_15"), 60)
    assert young.locked and young.minutes_left == 0 and young.reminder is None
    assert young.unlock == ("parent_passcode", "parent_approval")
    assert ask(limits_for("unknown"), 75).unlock == ("parent_passcode", "parent_approval")
    older = ask(limits_for("teen_16_17"), 61)
    assert older.locked and older.unlock == ("own_passcode",)


def test_no_limit_for_adults_unless_set() -> None:
    free = ask(limits_for("adult"), 500, continuous=200)
    assert free.minutes_left is None and free.limit_minutes is None and not free.locked
    assert free.reminder is None and free.break_count == 0
    assert ask(limits_for("adult", daily_minutes=120), 130).locked


def test_break_reminders_after_continuous_use() -> None:
    limits = limits_for("teen_16_17", daily_minutes=None)
    assert ask(limits, 40, continuous=29.9).reminder is None
    first = ask(limits, 40, continuous=30)
    assert first.reminder == "break" and first.break_count == 1
    assert ask(limits, 100, continuous=65).break_count == 2
    assert ask(limits_for("teen_16_17", break_after=None), 40, continuous=90).reminder is None


def test_sleep_hours_wind_down_and_hold_notifications() -> None:
    young = limits_for("teen_13_15")
    # 22:30 local (UTC+0 on 2 March), with time left: wind down, no lock
    night = ask(young, 10, now=datetime(2026, 3, 2, 22, 30, tzinfo=UTC))
    assert night.wind_down and night.hold_notifications and night.reminder == "sleep"
    assert not night.locked
    early = ask(young, 10, now=datetime(2026, 3, 3, 6, 59, tzinfo=UTC))
    assert early.wind_down
    morning = ask(young, 10, now=datetime(2026, 3, 3, 7, 0, tzinfo=UTC))
    assert not morning.wind_down and not morning.hold_notifications
    # 16-17s have no sleep hours by default
    assert not ask(limits_for("teen_16_17"), 10, now=datetime(2026, 3, 2, 23, tzinfo=UTC)).wind_down


def test_sleep_hours_follow_the_local_clock_in_summer_time() -> None:
    # in May Casablanca is UTC+1: 21:30 UTC is 22:30 local
    young = limits_for("teen_13_15")
    assert ask(young, 0, now=datetime(2026, 5, 4, 21, 30, tzinfo=UTC)).wind_down
    assert not ask(young, 0, now=datetime(2026, 5, 4, 20, 30, tzinfo=UTC)).wind_down


def test_the_locked_screen_outranks_the_other_reminders() -> None:
    night_and_locked = ask(
        limits_for("teen_13_15"), 70, continuous=45, now=datetime(2026, 3, 2, 23, tzinfo=UTC)
    )
    assert night_and_locked.locked and night_and_locked.wind_down
    assert night_and_locked.reminder is None
    assert ask(limits_for("teen_13_15"), 57, continuous=45).reminder == "limit_soon"


def test_per_weekday_limit_applies_on_the_local_date() -> None:
    limits = limits_for("teen_16_17", weekdays={"sat": 120})
    saturday = datetime(2026, 3, 7, 15, tzinfo=UTC)
    assert ask(limits, 90, now=saturday).minutes_left == 30
    assert ask(limits, 90, now=saturday + timedelta(days=2)).locked  # Monday


def test_unlocks_add_time_on_their_day_only() -> None:
    limits = limits_for("teen_13_15")
    plus_15 = parent_unlock(AFTERNOON - timedelta(minutes=5), minutes=15, minutes_used=60)
    answer = ask(limits, 62, unlocks=[plus_15])
    assert answer.allowed_minutes == 75 and answer.minutes_left == 13 and not answer.locked
    assert answer.unlocks_today == 1
    yesterday = parent_unlock(AFTERNOON - timedelta(days=1), rest_of_day=True)
    again = ask(limits, 62, unlocks=[yesterday])
    assert again.locked and again.unlocks_today == 0


def test_time_on_the_lock_screen_is_not_taken_from_the_extra_time() -> None:
    limits = limits_for("teen_13_15")
    # the parent approved 15 minutes when the teen's usage already showed 80
    late = parent_unlock(AFTERNOON - timedelta(minutes=1), minutes=15, minutes_used=80)
    assert ask(limits, 85, unlocks=[late]).minutes_left == 10
    # two unlocks, each from what was used when it came
    second = parent_unlock(AFTERNOON, minutes=30, minutes_used=100)
    assert ask(limits, 101, unlocks=[second, late]).allowed_minutes == 130


def test_rest_of_day_unlock_lifts_the_limit_until_midnight() -> None:
    limits = limits_for("teen_13_15")
    rest = parent_unlock(AFTERNOON - timedelta(hours=1), rest_of_day=True)
    answer = ask(limits, 200, unlocks=[rest])
    assert answer.minutes_left is None and answer.allowed_minutes is None
    assert not answer.locked and answer.limit_minutes == 60
    tomorrow = ask(limits, 60, unlocks=[rest], now=AFTERNOON + timedelta(days=1))
    assert tomorrow.locked


def test_own_passcode_unlock_for_16_to_17() -> None:
    unlock = grant_unlock("teen_16_17", "own_passcode", user="t", by="t", at=AFTERNOON, minutes=30)
    answer = ask(limits_for("teen_16_17"), 60, unlocks=[unlock])
    assert not answer.locked and answer.minutes_left == 30


def test_a_zero_limit_locks_at_once() -> None:
    answer = ask(limits_for("teen_13_15", weekdays={"mon": 0}), 0)
    assert answer.locked and answer.minutes_left == 0


def test_the_day_and_its_reset_follow_the_zone_on_a_shift_day() -> None:
    limits = limits_for("teen_13_15")
    # 23:30 UTC on 14 Feb 2026 is 00:30 on the 15th in Casablanca (UTC+1): a new day
    answer = ask(limits, 5, now=datetime(2026, 2, 14, 23, 30, tzinfo=UTC))
    assert answer.day.isoformat() == "2026-02-15"
    # the 15th lasts 25 hours: it ends at midnight UTC+0 on the 16th
    assert answer.resets_at == datetime(2026, 2, 16, 0, 0, tzinfo=UTC)
    before = ask(limits, 5, now=datetime(2026, 2, 14, 22, 30, tzinfo=UTC))
    assert before.day.isoformat() == "2026-02-14"
    assert before.resets_at == datetime(2026, 2, 14, 23, 0, tzinfo=UTC)


def test_a_zone_change_moves_the_day_and_the_sleep_hours() -> None:
    # the teen flew to Dubai (UTC+4) at noon UTC; 19:00 UTC is 23:00 there: sleep hours
    history = ZoneHistory(CASA, [ZoneChange(datetime(2026, 3, 2, 12, tzinfo=UTC), "Asia/Dubai")])
    now = datetime(2026, 3, 2, 19, 0, tzinfo=UTC)
    assert ask(limits_for("teen_13_15"), 0, now=now, tz=history).wind_down
    assert not ask(limits_for("teen_13_15"), 0, now=now, tz=CASA).wind_down
    after_midnight = ask(
        limits_for("teen_13_15"), 0, now=datetime(2026, 3, 2, 20, 30, tzinfo=UTC), tz=history
    )
    assert after_midnight.day.isoformat() == "2026-03-03"


def test_status_to_dict_is_json() -> None:
    answer = ask(limits_for("teen_13_15"), 61.234, continuous=31)
    data = json.loads(json.dumps(answer.to_dict()))
    assert data["locked"] is True and data["minutes_used"] == 61.23
    assert data["unlock"] == ["parent_passcode", "parent_approval"]
    assert data["resets_at"] == "2026-03-03T00:00:00+00:00"
    assert set(data) >= {"minutes_left", "reminder", "wind_down", "hold_notifications"}


@pytest.mark.parametrize(
    "kwargs",
    [
        {"used": -1.0},
        {"used": float("nan")},
        {"used": 5.0, "continuous": float("inf")},
        {"used": 5.0, "now": datetime(2026, 3, 2, 17)},
        {"used": 5.0, "tz": "Mars/Base"},
    ],
)
def test_bad_input_is_refused(kwargs: dict[str, object]) -> None:
    used = kwargs.pop("used")
    with pytest.raises(InputError):
        ask(limits_for("teen_13_15"), used, **kwargs)  # type: ignore[arg-type]
