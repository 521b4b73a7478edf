from __future__ import annotations

import io
import json
import subprocess
import sys
import warnings
from datetime import UTC, date, datetime, timedelta

import pytest

from salama.errors import InputError
from salama.wellbeing import (
    Heartbeat,
    Interval,
    Unlock,
    WeeklySummary,
    chart_language,
    device_intervals,
    grant_unlock,
    limits_for,
    summary_chart,
    weekly_summary,
)
from salama.wellbeing.summary import _rtl

CASA = "Africa/Casablanca"
WEEK = date(2026, 5, 4)  # a Monday; Casablanca is on UTC+1 in May


def local(day: date, hour: int, minute: int = 0) -> datetime:
    """Casablanca wall-clock time in May, as UTC."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC) - timedelta(hours=1)


def phone(day: date, hour: int, minutes: int, start_minute: int = 0) -> Interval:
    start = local(day, hour, start_minute)
    return Interval(start, start + timedelta(minutes=minutes), "phone")


def unlock(at: datetime) -> Unlock:
    return grant_unlock("teen_13_15", "parent_approval", user="t", by="p", at=at, minutes=15)


@pytest.fixture(scope="module")
def summary() -> WeeklySummary:
    mon, tue, wed = WEEK, WEEK + timedelta(days=1), WEEK + timedelta(days=2)
    last_week = [phone(WEEK - timedelta(days=d), 17, 30) for d in range(1, 8)]  # 7 x 30 min
    this_week = [
        phone(mon, 17, 40),
        phone(mon, 23, 120),  # 23:00-01:00: an hour on Monday, an hour on Tuesday, all late
        Interval(local(tue, 18), local(tue, 18, 50), "tablet"),
        Interval(local(tue, 18, 20), local(tue, 19, 10), "phone"),  # overlaps: 70 min in all
        phone(wed, 6, 30, 45),  # 06:45-07:15: 15 minutes inside 22:00-07:00
    ]
    unlocks = [
        unlock(local(mon, 18)),
        unlock(local(tue, 19)),
        unlock(local(WEEK - timedelta(days=2), 18)),
    ]
    limits = limits_for("teen_13_15", weekdays={"sat": 90, "sun": None})
    return weekly_summary(
        "t", last_week + this_week, unlocks, week_start=WEEK, tz=CASA, limits=limits
    )


def test_daily_and_total_minutes(summary: WeeklySummary) -> None:
    minutes = [round(d.minutes, 6) for d in summary.days]
    assert minutes == [100, 130, 30, 0, 0, 0, 0]
    assert summary.totals.minutes == pytest.approx(260)
    assert [d.day for d in summary.days] == [WEEK + timedelta(days=i) for i in range(7)]


def test_late_night_minutes_inside_the_sleep_hours(summary: WeeklySummary) -> None:
    assert [round(d.late_night_minutes, 6) for d in summary.days] == [60, 60, 15, 0, 0, 0, 0]
    assert summary.totals.late_night_minutes == pytest.approx(135)
    assert str(summary.late_night) == "22:00-07:00"


def test_late_night_defaults_to_22_to_06_without_sleep_hours() -> None:
    early = phone(WEEK, 6, 60, 30)  # 06:30-07:30
    late = phone(WEEK, 21, 120, 30)  # 21:30-23:30
    result = weekly_summary(
        "t", [early, late], [], week_start=WEEK, tz=CASA, limits=limits_for("teen_16_17")
    )
    assert str(result.late_night) == "22:00-06:00"
    assert result.days[0].late_night_minutes == pytest.approx(90)  # 22:00-23:30; 06:30 is after
    assert result.days[0].minutes == pytest.approx(180)
    no_limits = weekly_summary("t", [early, late], [], week_start=WEEK, tz=CASA)
    assert no_limits.days[0].late_night_minutes == pytest.approx(90)
    assert no_limits.days[0].limit_minutes is None


def test_opens_unlocks_limits_and_the_change_from_last_week(summary: WeeklySummary) -> None:
    assert [d.opens for d in summary.days] == [2, 2, 1, 0, 0, 0, 0]
    assert [d.unlocks for d in summary.days] == [1, 1, 0, 0, 0, 0, 0]
    assert summary.totals.unlocks == 2 and summary.previous.unlocks == 1
    assert summary.unlocks_by_method["parent_approval"] == 2
    assert [d.limit_minutes for d in summary.days] == [60, 60, 60, 60, 60, 90, None]
    assert summary.previous.minutes == pytest.approx(210)
    assert summary.previous.opens == 7
    assert summary.change_minutes == pytest.approx(50)
    assert summary.change_percent == pytest.approx(23.8)


def test_opens_count_per_device_from_heartbeats() -> None:
    events = [Heartbeat("t", "phone", local(WEEK, 10, m), True, f"p{m}") for m in (0, 1, 2, 30, 31)]
    events += [Heartbeat("t", "tablet", local(WEEK, 10, m), True, f"t{m}") for m in (1, 2)]
    result = weekly_summary("t", device_intervals(events), [], week_start=WEEK, tz=CASA)
    assert result.days[0].opens == 3
    assert result.days[0].minutes == pytest.approx(2.5 + 1.5)


def test_no_use_last_week_has_no_percentage() -> None:
    result = weekly_summary("t", [phone(WEEK, 12, 10)], [], week_start=WEEK, tz=CASA)
    assert result.previous.minutes == 0 and result.change_percent is None
    assert result.change_minutes == pytest.approx(10)


def test_an_unlock_of_another_user_is_refused() -> None:
    other = grant_unlock(
        "teen_13_15", "parent_passcode", user="x", by="p", at=local(WEEK, 9), minutes=15
    )
    with pytest.raises(InputError):
        weekly_summary("t", [], [other], week_start=WEEK, tz=CASA)


def test_a_week_across_the_ramadan_shift() -> None:
    # the week of 16 Feb 2026 starts the day after Casablanca went to UTC+0; 15 Feb lasted 25 h
    start = date(2026, 2, 15)
    whole_day = Interval(
        datetime(2026, 2, 14, 23, tzinfo=UTC), datetime(2026, 2, 16, 0, tzinfo=UTC)
    )
    result = weekly_summary("t", [whole_day], [], week_start=start, tz=CASA)
    assert result.days[0].minutes == 25 * 60
    # 22:00-06:00 (no sleep hours given): 00:00-06:00 lasted 7 hours that day (02:00-03:00 was
    # lived twice), and 22:00-24:00 two
    assert result.days[0].late_night_minutes == 9 * 60
    assert sum(d.minutes for d in result.days[1:]) == 0


def test_late_night_across_the_shift_follows_each_offset() -> None:
    # 01:00-08:00 UTC on 15 Feb 2026: 02:00-03:00 local at UTC+1, then (the clock goes back)
    # 02:00-08:00 local at UTC+0. Inside 22:00-07:00: one hour, then five; not the five that
    # one offset for the whole stretch would give
    night = Interval(datetime(2026, 2, 15, 1, tzinfo=UTC), datetime(2026, 2, 15, 8, tzinfo=UTC))
    result = weekly_summary(
        "t", [night], [], week_start=date(2026, 2, 15), tz=CASA, limits=limits_for("unknown")
    )
    assert result.days[0].late_night_minutes == 360
    assert result.days[0].minutes == 420


def test_summary_to_dict_is_json(summary: WeeklySummary) -> None:
    data = json.loads(json.dumps(summary.to_dict()))
    assert data["week_start"] == "2026-05-04" and data["week_end"] == "2026-05-10"
    assert data["days"][0]["weekday"] == "mon" and data["days"][0]["minutes"] == 100
    assert data["totals"]["minutes"] == 260 and data["previous"]["minutes"] == 210
    assert data["change_percent"] == 23.8 and data["zone"] == CASA


# --- chart ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["ar", "fr", "en"])
def test_the_chart_is_a_png_in_each_language(summary: WeeklySummary, language: str) -> None:
    from matplotlib.image import imread

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        png = summary_chart(summary, language)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert not [w for w in caught if "missing from" in str(w.message)]  # every glyph drawn
    image = imread(io.BytesIO(png), format="png")
    assert image.shape[0] == 480 and image.shape[1] == 800


def test_an_empty_week_and_another_default_font_still_draw() -> None:
    import matplotlib

    empty = weekly_summary("t", [], [], week_start=WEEK, tz=CASA)
    with (
        warnings.catch_warnings(record=True) as caught,
        matplotlib.rc_context({"font.family": "serif"}),
    ):
        warnings.simplefilter("always")
        png = summary_chart(empty, "ar")
    assert png.startswith(b"\x89PNG")
    assert not [w for w in caught if "missing from" in str(w.message)]


def test_the_charts_differ_by_language(summary: WeeklySummary) -> None:
    charts = {lang: summary_chart(summary, lang) for lang in ("ar", "fr", "en")}
    assert len(set(charts.values())) == 3
    assert summary_chart(summary, "ary") == charts["ar"]  # Darija reads the Arabic chart
    assert summary_chart(summary, "de") == charts["en"]


def test_chart_language() -> None:
    assert chart_language("ar-MA") == "ar"
    assert chart_language("ary") == "ar"
    assert chart_language("fr_FR") == "fr"
    assert chart_language(None) == "en"
    assert chart_language("es") == "en"


def test_arabic_labels_are_shaped_and_in_visual_order() -> None:
    shown = _rtl("دقائق")
    # joined forms (Arabic Presentation Forms-B), last letter first
    assert all("\ufe70" <= ch <= "\ufeff" for ch in shown)
    assert shown[0] in "\ufec2\ufec1\ufed6\ufed5\ufed7\ufed8"  # a form of qaf, the last letter
    assert _rtl("a\nb") == "a\nb"


def test_importing_wellbeing_does_not_import_matplotlib() -> None:
    code = "import sys, salama.wellbeing; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
