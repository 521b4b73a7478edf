from __future__ import annotations

from datetime import date, datetime, time

import pytest

from salama.errors import InputError
from salama.wellbeing import (
    AGE_BANDS,
    DEFAULT_SLEEP,
    Limits,
    SleepWindow,
    effective_band,
    limits_for,
)

MONDAY = date(2026, 3, 2)
SATURDAY = date(2026, 3, 7)
SUNDAY = date(2026, 3, 8)


def test_defaults_by_band() -> None:
    young = limits_for("teen_13_15")
    assert young.daily == (60,) * 7
    assert young.break_after == 30
    assert young.sleep == SleepWindow(time(22), time(7))
    older = limits_for("teen_16_17")
    assert older.daily == (60,) * 7 and older.break_after == 30 and older.sleep is None
    adult = limits_for("adult")
    assert adult.daily == (None,) * 7 and adult.break_after is None and adult.sleep is None


def test_unknown_is_treated_as_13_to_15() -> None:
    unknown = limits_for("unknown")
    assert unknown.band == "unknown" and unknown.effective_band == "teen_13_15"
    young = limits_for("teen_13_15")
    assert (unknown.daily, unknown.break_after, unknown.sleep) == (
        young.daily,
        young.break_after,
        young.sleep,
    )
    assert effective_band("unknown") == "teen_13_15"
    assert [effective_band(b) for b in AGE_BANDS] == [
        "teen_13_15",
        "teen_16_17",
        "adult",
        "teen_13_15",
    ]


def test_an_unknown_band_is_refused() -> None:
    with pytest.raises(InputError) as err:
        limits_for("child")
    assert err.value.details["code"] == "unknown_band"
    with pytest.raises(InputError):
        Limits("teen", (60,) * 7, 30, None)  # type: ignore[arg-type]


def test_per_weekday_limits() -> None:
    limits = limits_for("teen_16_17", weekdays={"sat": 120, "Sunday": None})
    assert limits.limit_on(MONDAY) == 60
    assert limits.limit_on(SATURDAY) == 120
    assert limits.limit_on(SUNDAY) is None
    assert limits.to_dict()["daily"] == {
        "mon": 60, "tue": 60, "wed": 60, "thu": 60, "fri": 60, "sat": 120, "sun": None,
    }  # fmt: skip


def test_an_adult_sets_their_own_limit_and_a_parent_may_turn_settings_off() -> None:
    adult = limits_for("adult", daily_minutes=90, break_after=45)
    assert adult.limit_on(MONDAY) == 90 and adult.break_after == 45
    relaxed = limits_for("teen_13_15", sleep=None, break_after=None, daily_minutes=None)
    assert (
        relaxed.sleep is None and relaxed.break_after is None and relaxed.limit_on(MONDAY) is None
    )
    school_nights = limits_for("teen_16_17", sleep=SleepWindow.parse("23:00-06:30"))
    assert school_nights.sleep == SleepWindow(time(23), time(6, 30))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"daily_minutes": 1441},
        {"daily_minutes": -1},
        {"daily_minutes": True},
        {"daily_minutes": 30.5},
        {"break_after": 0},
        {"weekdays": {"someday": 30}},
        {"weekdays": {"saturn": 30}},
        {"weekdays": {"mon": 2000}},
    ],
)
def test_bad_limits_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(InputError):
        limits_for("teen_13_15", **kwargs)  # type: ignore[arg-type]


def test_a_zero_limit_is_allowed() -> None:
    assert limits_for("teen_13_15", weekdays={"mon": 0}).limit_on(MONDAY) == 0


def test_limits_need_seven_days() -> None:
    with pytest.raises(InputError):
        Limits("adult", (60,) * 6, None, None)


# --- sleep hours ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("clock", "inside"),
    [
        (time(21, 59), False),
        (time(22, 0), True),
        (time(23, 59, 59), True),
        (time(0, 0), True),
        (time(3, 0), True),
        (time(6, 59), True),
        (time(7, 0), False),
        (time(12, 0), False),
    ],
)
def test_sleep_hours_across_midnight(clock: time, inside: bool) -> None:
    assert DEFAULT_SLEEP.crosses_midnight
    assert DEFAULT_SLEEP.contains(clock) is inside


def test_sleep_hours_within_a_day() -> None:
    nap = SleepWindow.parse("13:00-15:00")
    assert not nap.crosses_midnight
    assert nap.contains(time(13)) and nap.contains(time(14, 59)) and not nap.contains(time(15))
    assert not nap.contains(time(1))
    assert nap.minutes_long() == 120
    assert DEFAULT_SLEEP.minutes_long() == 9 * 60


def test_sleep_window_parts_on_a_day() -> None:
    day = date(2026, 3, 2)
    assert DEFAULT_SLEEP.parts_on(day) == [
        (datetime(2026, 3, 2, 0, 0), datetime(2026, 3, 2, 7, 0)),
        (datetime(2026, 3, 2, 22, 0), datetime(2026, 3, 3, 0, 0)),
    ]
    assert SleepWindow.parse("13:00-15:00").parts_on(day) == [
        (datetime(2026, 3, 2, 13, 0), datetime(2026, 3, 2, 15, 0))
    ]


@pytest.mark.parametrize(
    "text", ["22:00", "22-07", "22:00-22:00", "25:00-07:00", "x-y", "22:60-07:00"]
)
def test_bad_sleep_hours_are_refused(text: str) -> None:
    with pytest.raises(InputError):
        SleepWindow.parse(text)


def test_sleep_hours_print_as_they_parse() -> None:
    assert str(DEFAULT_SLEEP) == "22:00-07:00"
    assert SleepWindow.parse(str(DEFAULT_SLEEP)) == DEFAULT_SLEEP
    assert DEFAULT_SLEEP.to_dict() == {"start": "22:00", "end": "07:00"}
