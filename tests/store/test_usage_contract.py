"""The usage store's contract (screen time), on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from salama.errors import ConflictError, NotFoundError
from salama.store import Store
from salama.store.usage import NewUsageEvent

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def _setup(store: Store) -> str:
    tenant = store.tenants.create_tenant("App")
    store.users.put(
        tenant.id,
        "u1",
        age_band="teen_13_15",
        birth_date=None,
        country="MA",
        language="ary",
        timezone="Africa/Casablanca",
    )
    return tenant.id


def _hb(key: str, minute: int, user: str = "u1", device: str = "d1") -> NewUsageEvent:
    return NewUsageEvent(user, device, key, T0 + timedelta(minutes=minute), True)


def test_add_events_is_idempotent_and_reports_unknown_users(store: Store) -> None:
    tid = _setup(store)
    added = store.usage.add_events(
        tid, [_hb("a", 0), _hb("b", 1), _hb("a", 5), _hb("x", 2, user="ghost")]
    )
    assert added.inserted == (0, 1)
    assert added.duplicates == (2,)  # same key in the batch: the first is kept
    assert added.unknown_user == (3,)
    again = store.usage.add_events(tid, [_hb("b", 1), _hb("c", 2)])
    assert again.inserted == (1,) and again.duplicates == (0,)
    events = store.usage.events(tid, "u1", T0 - timedelta(hours=1), T0 + timedelta(hours=1))
    assert [(e.key, e.at) for e in events] == [
        ("a", T0),
        ("b", T0 + timedelta(minutes=1)),
        ("c", T0 + timedelta(minutes=2)),
    ]
    assert all(e.at.tzinfo is not None for e in events)
    # the same key on another device is another event
    assert store.usage.add_events(tid, [_hb("a", 3, device="d2")]).inserted == (0,)


def test_events_are_tenant_scoped(store: Store) -> None:
    tid = _setup(store)
    other = store.tenants.create_tenant("Other").id
    store.usage.add_events(tid, [_hb("a", 0)])
    # the other tenant has no user u1: nothing written, nothing read
    assert store.usage.add_events(other, [_hb("z", 0)]).unknown_user == (0,)
    assert store.usage.events(other, "u1", T0 - timedelta(days=1), T0 + timedelta(days=1)) == []


def test_acknowledged_events_survive_reopening(db_url: str) -> None:
    store = Store.open(db_url)
    tid = _setup(store)
    added = store.usage.add_events(tid, [_hb(f"k{i}", i) for i in range(50)])
    assert len(added.inserted) == 50
    store.close()  # the process goes away right after the acknowledgement
    reopened = Store.open(db_url)
    try:
        events = reopened.usage.events(tid, "u1", T0, T0 + timedelta(hours=2))
        assert len(events) == 50
    finally:
        reopened.close()


def test_limits_unlocks_and_requests(store: Store) -> None:
    tid = _setup(store)
    assert store.usage.get_limits(tid, "u1") is None
    store.usage.put_limits(tid, "u1", {"daily_minutes": 90, "sleep": None})
    limits = store.usage.get_limits(tid, "u1")
    assert limits is not None and limits.settings == {"daily_minutes": 90, "sleep": None}
    with pytest.raises(NotFoundError):
        store.usage.put_limits(tid, "ghost", {})

    unlock = store.usage.add_unlock(
        tid,
        "u1",
        granted_by="p1",
        method="parent_passcode",
        at=T0,
        minutes=30,
        rest_of_day=False,
        minutes_used_at_grant=61.5,
    )
    assert store.usage.unlocks(tid, "u1", T0, T0 + timedelta(seconds=1)) == [unlock]
    assert store.usage.unlocks(tid, "u1", T0 + timedelta(seconds=1), T0 + timedelta(hours=1)) == []

    request = store.usage.create_request(tid, "u1", minutes=15, rest_of_day=False, at=T0)
    assert store.usage.get_request(tid, request.id) == request
    assert store.usage.get_request("another", request.id) is None
    approved = store.usage.approve_request(
        tid,
        request.id,
        parent_id="p1",
        at=T0 + timedelta(minutes=1),
        minutes=15,
        rest_of_day=False,
        minutes_used_at_grant=60.0,
    )
    assert approved.method == "parent_approval" and approved.request_id == request.id
    after = store.usage.get_request(tid, request.id)
    assert after is not None and after.status == "approved" and after.decided_by == "p1"
    with pytest.raises(ConflictError):
        store.usage.approve_request(
            tid,
            request.id,
            parent_id="p1",
            at=T0 + timedelta(minutes=2),
            minutes=15,
            rest_of_day=False,
            minutes_used_at_grant=None,
        )
    with pytest.raises(NotFoundError):
        store.usage.approve_request(
            "another",
            request.id,
            parent_id="p1",
            at=T0,
            minutes=15,
            rest_of_day=False,
            minutes_used_at_grant=None,
        )


def test_passcodes_and_failures(store: Store) -> None:
    tid = _setup(store)
    assert store.usage.get_passcode(tid, "u1") is None
    store.usage.set_passcode(tid, "u1", "$scrypt$ln=10,r=8,p=1$c2FsdA$aGFzaA")
    assert store.usage.get_passcode(tid, "u1") == "$scrypt$ln=10,r=8,p=1$c2FsdA$aGFzaA"
    assert store.usage.get_passcode("another", "u1") is None
    assert store.usage.failures(tid, "u1") == []
    store.usage.set_failures(tid, "u1", [T0, T0 + timedelta(seconds=5)])
    assert store.usage.failures(tid, "u1") == [T0, T0 + timedelta(seconds=5)]
    store.usage.set_failures(tid, "u1", [])
    assert store.usage.failures(tid, "u1") == []


def test_deleting_the_user_erases_their_usage(store: Store) -> None:
    tid = _setup(store)
    store.usage.add_events(tid, [_hb("a", 0)])
    store.usage.put_limits(tid, "u1", {"daily_minutes": 30})
    store.usage.set_passcode(tid, "u1", "$scrypt$ln=10,r=8,p=1$c2FsdA$aGFzaA")
    store.usage.create_request(tid, "u1", minutes=15, rest_of_day=False, at=T0)
    store.usage.add_unlock(
        tid,
        "u1",
        granted_by="p1",
        method="parent_passcode",
        at=T0,
        minutes=15,
        rest_of_day=False,
        minutes_used_at_grant=None,
    )
    assert store.users.delete(tid, "u1")
    store.users.put(
        tid,
        "u1",
        age_band="adult",
        birth_date=None,
        country=None,
        language=None,
        timezone="UTC",
    )
    day = (T0 - timedelta(days=1), T0 + timedelta(days=1))
    assert store.usage.events(tid, "u1", *day) == []
    assert store.usage.get_limits(tid, "u1") is None
    assert store.usage.get_passcode(tid, "u1") is None
    assert store.usage.unlocks(tid, "u1", *day) == []


def test_claimed_attempts_never_exceed_the_limit_under_concurrency(db_url: str) -> None:
    """Twelve attempts at once, each on its own connection, against a limit of 5: exactly five
    are claimed and all five are kept (a read-then-write count lets several pass the check and
    loses some of the writes)."""
    stores = [Store.open(db_url) for _ in range(4)]
    try:
        tid = _setup(stores[0])
        barrier = threading.Barrier(12)

        def attempt(i: int) -> bool:
            barrier.wait()
            claimed, _ = stores[i % 4].usage.claim_attempt(
                tid, "u1", T0 + timedelta(seconds=i), since=T0 - timedelta(minutes=15),
                max_failures=5,
            )  # fmt: skip
            return claimed

        with ThreadPoolExecutor(12) as pool:
            results = list(pool.map(attempt, range(12)))
        assert results.count(True) == 5
        assert len(stores[0].usage.failures(tid, "u1")) == 5
    finally:
        for s in stores:
            s.close()


def test_claim_window_release_and_unknown_user(store: Store) -> None:
    tid = _setup(store)
    since = T0 - timedelta(minutes=15)
    store.usage.set_failures(tid, "u1", [T0 - timedelta(minutes=20), T0 - timedelta(minutes=1)])
    claimed, recent = store.usage.claim_attempt(tid, "u1", T0, since=since, max_failures=2)
    # the failure older than the window no longer counts (and is dropped)
    assert claimed and recent == [T0 - timedelta(minutes=1), T0]
    claimed, recent = store.usage.claim_attempt(tid, "u1", T0, since=since, max_failures=2)
    assert not claimed and len(recent) == 2
    store.usage.release_attempt(tid, "u1", T0)  # the attempt at T0 was right after all
    assert store.usage.failures(tid, "u1") == [T0 - timedelta(minutes=1)]
    store.usage.release_attempt(tid, "u1", T0)  # nothing at T0 left: no-op
    assert store.usage.failures(tid, "u1") == [T0 - timedelta(minutes=1)]
    with pytest.raises(NotFoundError):
        store.usage.claim_attempt(tid, "ghost", T0, since=since, max_failures=2)


def test_pending_requests(store: Store) -> None:
    tid = _setup(store)
    old = store.usage.create_request(tid, "u1", minutes=15, rest_of_day=False, at=T0)
    a = store.usage.create_request(tid, "u1", minutes=30, rest_of_day=False, at=T0 + HOUR)
    b = store.usage.create_request(tid, "u1", minutes=None, rest_of_day=True, at=T0 + 2 * HOUR)
    store.usage.approve_request(
        tid,
        b.id,
        parent_id="p1",
        at=T0 + 3 * HOUR,
        minutes=None,
        rest_of_day=True,
        minutes_used_at_grant=None,
    )
    assert [r.id for r in store.usage.pending_requests(tid, "u1", T0)] == [old.id, a.id]
    assert [r.id for r in store.usage.pending_requests(tid, "u1", T0 + HOUR)] == [a.id]
    assert store.usage.pending_requests("another", "u1", T0) == []


def test_a_batch_mixes_new_stored_repeated_and_unknown(store: Store) -> None:
    tid = _setup(store)
    store.users.put(
        tid, "u2", age_band="adult", birth_date=None, country=None, language=None, timezone="UTC"
    )
    assert store.usage.add_events(tid, [_hb("a", 0), _hb("b", 1, user="u2")]).inserted == (0, 1)
    batch = [
        _hb("a", 0),  # stored already
        _hb("c", 2),
        _hb("x", 3, user="ghost"),
        _hb("c", 2),  # repeated in the batch
        _hb("a", 0, user="u2"),  # same key, another user: new
        _hb("a", 0, device="d2"),  # same key, another device: new
    ]
    added = store.usage.add_events(tid, batch)
    assert added.inserted == (1, 4, 5)
    assert added.duplicates == (0, 3)
    assert added.unknown_user == (2,)
    assert len(store.usage.events(tid, "u1", T0, T0 + HOUR)) == 3
