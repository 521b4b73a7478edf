from __future__ import annotations

import time as clock
from datetime import UTC, datetime, timedelta

import pytest

from salama.errors import InputError
from salama.wellbeing import (
    ApprovalRequest,
    Unlock,
    approve,
    check_passcode,
    grant_unlock,
    hash_passcode,
    request_approval,
    unlock_methods,
    unlock_with_passcode,
    verify_passcode,
)

NOW = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)
CHEAP = 10  # scrypt cost for tests; one test checks the default


@pytest.fixture(scope="module")
def stored() -> str:
    return hash_passcode("4827", log_n=CHEAP)


def test_who_may_unlock_by_band() -> None:
    assert unlock_methods("teen_16_17") == ("own_passcode",)
    assert unlock_methods("adult") == ("own_passcode",)
    assert unlock_methods("teen_13_15") == ("parent_passcode", "parent_approval")
    assert unlock_methods("unknown") == ("parent_passcode", "parent_approval")
    with pytest.raises(InputError):
        unlock_methods("child")


def test_a_13_to_15_cannot_use_their_own_passcode(stored: str) -> None:
    for band in ("teen_13_15", "unknown"):
        with pytest.raises(InputError) as err:
            unlock_with_passcode(
                band, "own_passcode", "4827", stored, user="t", by="t", at=NOW, minutes=15
            )
        assert err.value.details["code"] == "unlock_not_allowed"
        with pytest.raises(InputError):
            grant_unlock(band, "own_passcode", user="t", by="t", at=NOW, minutes=15)


def test_a_16_to_17_unlocks_with_their_own_passcode(stored: str) -> None:
    unlock = unlock_with_passcode(
        "teen_16_17", "own_passcode", "4827", stored, user="t", by="t", at=NOW, minutes=30
    )
    assert (unlock.method, unlock.minutes, unlock.by, unlock.rest_of_day) == (
        "own_passcode",
        30,
        "t",
        False,
    )
    with pytest.raises(InputError) as err:
        unlock_with_passcode(
            "teen_16_17", "own_passcode", "4828", stored, user="t", by="t", at=NOW, minutes=30
        )
    assert err.value.details["code"] == "wrong_passcode"
    with pytest.raises(InputError) as err:  # and not a parent's
        grant_unlock("teen_16_17", "parent_passcode", user="t", by="p", at=NOW, minutes=15)
    assert err.value.details["code"] == "unlock_not_allowed"


def test_a_13_to_15_unlocks_with_the_parent_s_passcode(stored: str) -> None:
    unlock = unlock_with_passcode(
        "teen_13_15", "parent_passcode", "4827", stored, user="t", by="p", at=NOW, rest_of_day=True
    )
    assert unlock.method == "parent_passcode" and unlock.rest_of_day and unlock.minutes is None


def test_approval_requests_and_grants() -> None:
    request = request_approval("teen_13_15", user="t", at=NOW, minutes=60)
    granted = approve(request, band="teen_13_15", parent="p", at=NOW + timedelta(minutes=4))
    assert (granted.method, granted.minutes, granted.by, granted.user) == (
        "parent_approval",
        60,
        "p",
        "t",
    )
    less = approve(request, band="teen_13_15", parent="p", at=NOW, minutes=15)
    assert less.minutes == 15
    rest = approve(request, band="teen_13_15", parent="p", at=NOW, rest_of_day=True)
    assert rest.rest_of_day and rest.minutes is None
    open_request = request_approval("teen_13_15", user="t", at=NOW)
    with pytest.raises(InputError):
        approve(open_request, band="teen_13_15", parent="p", at=NOW)
    assert approve(open_request, band="teen_13_15", parent="p", at=NOW, minutes=30).minutes == 30
    with pytest.raises(InputError):
        approve(request, band="teen_13_15", parent="p", at=NOW - timedelta(minutes=1))
    with pytest.raises(InputError):
        approve(request, band="teen_13_15", parent="t", at=NOW)  # the teen is not their parent
    with pytest.raises(InputError) as err:
        request_approval("teen_16_17", user="t", at=NOW)
    assert err.value.details["code"] == "unlock_not_allowed"


@pytest.mark.parametrize(
    ("minutes", "rest_of_day"), [(45, False), (15, True), (None, False), (0, False)]
)
def test_only_15_30_60_or_the_rest_of_the_day(minutes: int | None, rest_of_day: bool) -> None:
    with pytest.raises(InputError) as err:
        grant_unlock(
            "teen_13_15", "parent_approval", user="t", by="p", at=NOW, minutes=minutes,
            rest_of_day=rest_of_day,
        )  # fmt: skip
    assert err.value.details["code"] == "invalid_grant"
    with pytest.raises(InputError):
        ApprovalRequest("t", NOW, minutes=45)


def test_unlock_records_check_who_and_round_trip() -> None:
    with pytest.raises(InputError):
        Unlock("t", "p", NOW, "own_passcode", minutes=15)  # own code, someone else
    with pytest.raises(InputError):
        Unlock("t", "p", datetime(2026, 3, 2, 18), "parent_passcode", minutes=15)  # naive
    with pytest.raises(InputError):
        Unlock("t", "p", NOW, "bribe", minutes=15)  # type: ignore[arg-type]
    with pytest.raises(InputError):
        Unlock("t", "p", NOW, "parent_passcode", minutes=15, minutes_used_at_grant=-1)
    unlock = Unlock("t", "p", NOW, "parent_approval", minutes=30, minutes_used_at_grant=61.5)
    data = unlock.to_dict()
    assert data["at"] == "2026-03-02T18:00:00+00:00"
    assert Unlock.from_dict(data) == unlock
    with pytest.raises(InputError):
        Unlock.from_dict({"user": "t"})


# --- passcodes -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("123", "passcode_format"),
        ("123456789", "passcode_format"),
        ("12a4", "passcode_format"),
        ("12 34", "passcode_format"),
        ("²³⁴⁵", "passcode_format"),
        ("0000", "passcode_too_simple"),
        ("777777", "passcode_too_simple"),
        ("1234", "passcode_too_simple"),
        ("98765", "passcode_too_simple"),
        ("8901", "passcode_too_simple"),
        ("٠١٢٣", "passcode_too_simple"),
    ],
)
def test_passcode_rules(code: str, reason: str) -> None:
    with pytest.raises(InputError) as err:
        check_passcode(code)
    assert err.value.details["code"] == reason
    assert code not in err.value.message


def test_good_passcodes_and_arabic_digits() -> None:
    assert check_passcode("4827") == "4827"
    assert check_passcode("20170315") == "20170315"
    assert check_passcode("٤٨٢٧") == "4827"  # Arabic-Indic
    assert check_passcode("۴۸۲۷") == "4827"  # Eastern Arabic-Indic (Persian keyboards)


def test_hash_and_verify(stored: str) -> None:
    assert stored.startswith("$scrypt$ln=10,r=8,p=1$")
    assert "4827" not in stored
    assert verify_passcode("4827", stored)
    assert verify_passcode("٤٨٢٧", stored)  # typed on an Arabic keyboard
    assert not verify_passcode("4828", stored)
    assert not verify_passcode("48270", stored)
    assert not verify_passcode("abcd", stored)
    assert hash_passcode("4827", log_n=CHEAP) != stored  # salted


def test_a_bad_stored_hash_is_an_error() -> None:
    for bad in ("", "4827", "$scrypt$ln=30,r=8,p=1$AAAA$AAAA", "$argon2id$v=19$m=1,t=1,p=1$a$b"):
        with pytest.raises(InputError) as err:
            verify_passcode("4827", bad)
        assert err.value.details["code"] == "invalid_passcode_hash"
    with pytest.raises(InputError):
        hash_passcode("4827", log_n=8)


def test_the_default_cost_suits_an_api_server() -> None:
    started = clock.perf_counter()
    stored = hash_passcode("4827")
    assert stored.startswith("$scrypt$ln=14,r=8,p=1$")
    assert verify_passcode("4827", stored) and not verify_passcode("4872", stored)
    assert clock.perf_counter() - started < 20
    # a hash written with a higher cost (the old default) still verifies: the cost is read back
    old = hash_passcode("4827", log_n=15)
    assert verify_passcode("4827", old) and not verify_passcode("4872", old)
