"""The sliding-window attempt counter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from salama.errors import InputError
from salama.family import INVITE_ATTEMPTS, UNLOCK_ATTEMPTS, AttemptLimit

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def test_documented_numbers() -> None:
    assert (INVITE_ATTEMPTS.max_failures, INVITE_ATTEMPTS.window) == (10, timedelta(minutes=15))
    assert (UNLOCK_ATTEMPTS.max_failures, UNLOCK_ATTEMPTS.window) == (5, timedelta(minutes=15))


def test_ten_failures_block_the_eleventh_attempt() -> None:
    failures: tuple[datetime, ...] = ()
    for i in range(10):
        INVITE_ATTEMPTS.check(failures, T0 + timedelta(seconds=i))  # allowed
        failures = INVITE_ATTEMPTS.record(failures, T0 + timedelta(seconds=i))
    now = T0 + timedelta(seconds=10)
    with pytest.raises(InputError) as caught:
        INVITE_ATTEMPTS.check(failures, now)
    details = caught.value.details
    assert details["code"] == "too_many_attempts"
    assert details["retry_after_s"] == 15 * 60 - 10  # until the first failure leaves the window
    assert details["limit"] == 10 and details["window_s"] == 900


def test_the_window_slides_at_exactly_its_length() -> None:
    failures = [T0 + timedelta(minutes=i) for i in range(10)]
    end = T0 + timedelta(minutes=15)
    assert INVITE_ATTEMPTS.retry_after(failures, end - timedelta(microseconds=1)) == timedelta(
        microseconds=1
    )
    assert INVITE_ATTEMPTS.retry_after(failures, end) is None  # the first failure no longer counts
    INVITE_ATTEMPTS.check(failures, end)


def test_record_keeps_only_what_counts() -> None:
    old = [T0 - timedelta(hours=1)] * 3
    recent = [T0 - timedelta(minutes=m) for m in range(14, 0, -1)]
    kept = INVITE_ATTEMPTS.record([*old, *recent], T0)
    assert len(kept) == 10
    assert kept == tuple(sorted(kept))
    assert kept[-1] == T0 and old[0] not in kept


def test_future_failures_count() -> None:
    ahead = [T0 + timedelta(seconds=5)] * 5  # another process's clock runs ahead
    with pytest.raises(InputError):
        UNLOCK_ATTEMPTS.check(ahead, T0)


def test_bad_limits_and_naive_times_are_refused() -> None:
    for args in ((0, timedelta(minutes=1)), (1, timedelta(0)), (True, timedelta(minutes=1))):
        with pytest.raises(InputError):
            AttemptLimit(*args)  # type: ignore[arg-type]
    with pytest.raises(InputError) as caught:
        INVITE_ATTEMPTS.check([datetime(2026, 1, 1)], T0)
    assert caught.value.details["code"] == "naive_datetime"


@given(st.lists(st.integers(min_value=0, max_value=3 * 3600), max_size=200))
def test_never_more_than_the_limit_in_any_window(offsets: list[int]) -> None:
    """Whatever the attempts, the failures the limit let through never exceed it in a window."""
    limit = AttemptLimit(5, timedelta(minutes=15))
    stored: tuple[datetime, ...] = ()
    let_through: list[datetime] = []
    for offset in sorted(offsets):
        now = T0 + timedelta(seconds=offset)
        if limit.retry_after(stored, now) is None:
            let_through.append(now)
            stored = limit.record(stored, now)  # every attempt let through fails
        assert len(stored) <= 5
    for t in let_through:
        in_window = [u for u in let_through if t - limit.window < u <= t]
        assert len(in_window) <= 5
