"""Ages and bands: boundaries, 29 February, and the teen's own calendar."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from salama.errors import InputError
from salama.family import ADULT_AGE, adult_on, age_band, age_on, local_today
from salama.family.ages import BANDS
from salama.policy.model import BANDS as POLICY_BANDS


def test_bands_are_the_policy_audiences() -> None:
    assert BANDS == POLICY_BANDS


@pytest.mark.parametrize(
    ("on", "band"),
    [
        (date(2023, 6, 15), "teen_13_15"),  # 13th birthday
        (date(2026, 6, 14), "teen_13_15"),  # the day before 16
        (date(2026, 6, 15), "teen_16_17"),
        (date(2028, 6, 14), "teen_16_17"),  # the day before 18
        (date(2028, 6, 15), "adult"),
        (date(2070, 1, 1), "adult"),
    ],
)
def test_band_boundaries(on: date, band: str) -> None:
    assert age_band(date(2010, 6, 15), on) == band


def test_under_13_is_refused() -> None:
    with pytest.raises(InputError) as caught:
        age_band(date(2010, 6, 15), date(2023, 6, 14))
    assert caught.value.details["code"] == "under_13"


def test_future_birth_dates_and_datetimes_are_refused() -> None:
    with pytest.raises(InputError) as caught:
        age_on(date(2030, 1, 1), date(2029, 12, 31))
    assert caught.value.details["code"] == "birth_date_in_future"
    with pytest.raises(InputError) as caught:
        age_on(datetime(2010, 1, 1, tzinfo=UTC), date(2029, 12, 31))
    assert caught.value.details["code"] == "invalid_date"


def test_born_on_29_february_turns_18_on_1_march() -> None:
    born = date(2008, 2, 29)
    assert age_on(born, date(2026, 2, 28)) == 17
    assert age_on(born, date(2026, 3, 1)) == 18
    assert adult_on(born) == date(2026, 3, 1)
    assert adult_on(date(2010, 2, 28)) == date(2028, 2, 28)
    # 18 is not a multiple of 4, so an 18th birthday never falls in a leap year: 1 March always
    assert all(adult_on(date(y, 2, 29)) == date(y + 18, 3, 1) for y in range(1904, 2100, 4))


def test_born_on_29_february_ages_on_1_march_at_13_and_16_too() -> None:
    born = date(2012, 2, 29)
    assert age_band(born, date(2028, 2, 29)) == "teen_16_17"  # a leap year: the birthday itself
    assert age_band(born, date(2028, 2, 28)) == "teen_13_15"
    with pytest.raises(InputError):
        age_band(born, date(2025, 2, 28))  # 13 on 1 March 2025
    assert age_band(born, date(2025, 3, 1)) == "teen_13_15"


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)), st.data())
def test_adult_on_agrees_with_age_on(born: date, data: st.DataObject) -> None:
    turns = adult_on(born)
    assert age_on(born, turns) == ADULT_AGE
    assert age_on(born, turns - timedelta(days=1)) == ADULT_AGE - 1
    later = data.draw(st.dates(min_value=born, max_value=date(2130, 12, 31)))
    assert (age_on(born, later) >= ADULT_AGE) == (later >= turns)


def test_local_today_is_the_teens_date() -> None:
    now = datetime(2026, 3, 14, 23, 30, tzinfo=UTC)
    assert local_today(now, "UTC") == date(2026, 3, 14)
    assert local_today(now, "Asia/Tokyo") == date(2026, 3, 15)
    assert local_today(now, "America/Los_Angeles") == date(2026, 3, 14)
    # Casablanca is UTC+1 outside Ramadan, UTC+0 during it (2026: about 15 Feb to 22 Mar)
    assert local_today(datetime(2026, 1, 10, 23, 30, tzinfo=UTC), "Africa/Casablanca") == date(
        2026, 1, 11
    )
    assert local_today(datetime(2026, 3, 1, 23, 30, tzinfo=UTC), "Africa/Casablanca") == date(
        2026, 3, 1
    )


@pytest.mark.parametrize("zone", ["Mars/Olympus", "", "../../etc/passwd", "x" * 100])
def test_unknown_time_zones_are_refused(zone: str) -> None:
    with pytest.raises(InputError) as caught:
        local_today(datetime(2026, 1, 1, tzinfo=UTC), zone)
    assert caught.value.details["code"] == "invalid_time_zone"


def test_naive_now_is_refused() -> None:
    with pytest.raises(InputError) as caught:
        local_today(datetime(2026, 1, 1), "UTC")
    assert caught.value.details["code"] == "naive_datetime"
