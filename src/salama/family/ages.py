"""Ages and age bands, counted on the teen's own calendar.

Salama is for people of 13 and over: :func:`age_band` refuses a younger person (InputError
``details["code"] == "under_13"``) rather than guessing a band. A person is 13-15
(``teen_13_15``), 16-17 (``teen_16_17``) or ``adult`` (18 and over); the names are the policy's
audiences (:data:`salama.policy.model.BANDS`).

Birthdays come on the date in the teen's IANA time zone (:func:`local_today`), not in UTC: a teen
in Africa/Casablanca turns 18 at local midnight. Someone born on 29 February has their birthday
on 1 March in a common year (the day after 28 February, as English law counts it): they turn 18
on 1 March, not 28 February.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from salama.bands import KNOWN_BANDS, TEEN_BANDS, KnownBand
from salama.errors import InputError
from salama.family._common import require_aware
from salama.wellbeing.zones import zone as wellbeing_zone

__all__ = [
    "ADULT_AGE",
    "BANDS",
    "MIN_AGE",
    "TEEN_BANDS",
    "AgeBand",
    "adult_on",
    "age_band",
    "age_on",
    "local_today",
    "zone",
]

AgeBand = KnownBand
BANDS = KNOWN_BANDS
MIN_AGE = 13
ADULT_AGE = 18


def zone(time_zone: str) -> ZoneInfo:
    """The IANA zone named ``time_zone`` (``Africa/Casablanca``). Raises InputError
    (``details["code"] == "invalid_time_zone"``) for a name that is not one. The one validator
    is :func:`salama.wellbeing.zones.zone`; this name stays for the family API."""
    return wellbeing_zone(time_zone)


def local_today(now: datetime, time_zone: str) -> date:
    """The date it is at ``now`` (timezone-aware) in ``time_zone``. Raises InputError for a naive
    ``now`` or an unknown zone."""
    return require_aware(now, "now").astimezone(zone(time_zone)).date()


def age_on(birth_date: date, on: date) -> int:
    """Completed years on the date ``on``. Raises InputError when ``birth_date`` is after ``on``
    (``details["code"] == "birth_date_in_future"``) or either is not a plain date."""
    _require_date(birth_date, "birth_date")
    _require_date(on, "on")
    if birth_date > on:
        raise InputError("birth_date is in the future", details={"code": "birth_date_in_future"})
    # (2, 29) sorts after (2, 28): born 29 February, one is a year older from 1 March
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


def age_band(birth_date: date, on: date) -> AgeBand:
    """The band of someone born on ``birth_date``, on the date ``on``. Raises InputError with
    ``details["code"] == "under_13"`` for an age under 13, and as :func:`age_on`."""
    age = age_on(birth_date, on)
    if age < MIN_AGE:
        raise InputError(
            f"Salama is for people of {MIN_AGE} and over", details={"code": "under_13"}
        )
    if age < 16:
        return "teen_13_15"
    if age < ADULT_AGE:
        return "teen_16_17"
    return "adult"


def adult_on(birth_date: date) -> date:
    """The date someone born on ``birth_date`` turns 18: their 18th birthday, or 1 March when
    they were born on 29 February and that year is common."""
    _require_date(birth_date, "birth_date")
    year = birth_date.year + ADULT_AGE
    if year > date.max.year:
        raise InputError("birth_date is out of range", details={"code": "invalid_date"})
    try:
        return birth_date.replace(year=year)
    except ValueError:  # 29 February in a common year
        return date(year, 3, 1)


def _require_date(value: object, name: str) -> None:
    if not isinstance(value, date) or isinstance(value, datetime):
        raise InputError(
            f"{name} must be a date (not a datetime)",
            details={"code": "invalid_date", "field": name},
        )
