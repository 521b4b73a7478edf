"""The family store's contract on every backend (SQLite and PostgreSQL): invites kept as hashes,
single-use under a race, at most two parents, controls by compare-and-set, cascades from users,
the outbox written with the change, attempts counted in the database."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import text

from salama.errors import ConflictError, InputError, NotFoundError, SalamaError
from salama.family import ControlsState, apply_update, create_invite
from salama.service.family import FamilyService
from salama.store import Store
from salama.store.family import Audit

NOW = datetime.now(UTC)
AUDIT = Audit("test", "family.test")


def _users(store: Store, tenant_id: str) -> None:
    store.users.put(
        tenant_id,
        "parent",
        age_band="adult",
        birth_date=None,
        country=None,
        language=None,
        timezone="UTC",
    )
    store.users.put(
        tenant_id,
        "parent2",
        age_band="adult",
        birth_date=None,
        country=None,
        language=None,
        timezone="UTC",
    )
    store.users.put(
        tenant_id,
        "parent3",
        age_band="adult",
        birth_date=None,
        country=None,
        language=None,
        timezone="UTC",
    )
    for teen in ("teen", "teen2"):
        store.users.put(
            tenant_id,
            teen,
            age_band=None,
            birth_date=date(NOW.year - 15, 1, 1),
            country=None,
            language=None,
            timezone="Africa/Casablanca",
        )


@pytest.fixture
def tenant_id(store: Store) -> str:
    t = store.tenants.create_tenant("family")
    _users(store, t.id)
    return t.id


def _invite_code(svc: FamilyService, tenant_id: str, parent: str = "parent") -> str:
    return svc.create_invite(tenant_id, parent, actor="test").code


def test_invite_is_stored_as_its_hash_only(store: Store, tenant_id: str) -> None:
    new = create_invite(tenant_id, "parent", NOW)
    store.family.add_invite(new.invite, AUDIT)
    assert store.family.find_invite(tenant_id, new.invite.code_hash) == new.invite
    assert store.family.find_invite("other", new.invite.code_hash) is None
    with store.engine.connect() as conn:
        dump = " ".join(str(r) for r in conn.execute(text("SELECT * FROM family_invites")))
    assert new.code not in dump and new.code.replace("-", "") not in dump
    with pytest.raises(ConflictError):  # unique (tenant_id, code_hash)
        store.family.add_invite(new.invite, AUDIT)


def test_invite_of_unknown_parent_is_refused(store: Store, tenant_id: str) -> None:
    new = create_invite(tenant_id, "nobody", NOW)
    with pytest.raises(NotFoundError):
        store.family.add_invite(new.invite, AUDIT)


def test_two_concurrent_accepts_of_one_code_one_wins(store: Store, tenant_id: str) -> None:
    svc = FamilyService(store)
    code = _invite_code(svc, tenant_id)
    barrier = threading.Barrier(2)
    results: dict[str, object] = {}

    def accept(teen: str) -> None:
        barrier.wait()
        try:
            results[teen] = svc.accept(tenant_id, code, teen, actor="test")
        except SalamaError as exc:
            results[teen] = exc

    threads = [threading.Thread(target=accept, args=(t,)) for t in ("teen", "teen2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    errors = [r for r in results.values() if isinstance(r, SalamaError)]
    assert len(errors) == 1, results
    assert isinstance(errors[0], ConflictError) and errors[0].details["code"] == "invite_used"
    assert len(store.family.all_pairings(tenant_id)) == 1


def test_store_refuses_a_used_invite_and_a_third_parent(store: Store, tenant_id: str) -> None:
    svc = FamilyService(store)
    svc.accept(tenant_id, _invite_code(svc, tenant_id, "parent"), "teen", actor="t")
    svc.accept(tenant_id, _invite_code(svc, tenant_id, "parent2"), "teen", actor="t")
    with pytest.raises(ConflictError) as info:
        svc.accept(tenant_id, _invite_code(svc, tenant_id, "parent3"), "teen", actor="t")
    assert info.value.details["code"] == "too_many_parents"
    # the store itself refuses, even when handed a stale view of the teen's pairings
    new = create_invite(tenant_id, "parent3", NOW)
    store.family.add_invite(new.invite, AUDIT)
    from dataclasses import replace

    from salama.family import Pairing

    used = replace(new.invite, used_at=NOW, used_by="teen")
    with pytest.raises(ConflictError) as info:
        store.family.accept(used, Pairing(tenant_id, "parent3", "teen", NOW), [], AUDIT)
    assert info.value.details["code"] == "too_many_parents"
    with pytest.raises(ConflictError) as info:  # and the invite stays unused (rolled back)
        store.family.accept(used, Pairing(tenant_id, "parent3", "teen", NOW), [], AUDIT)
    assert info.value.details["code"] == "too_many_parents"


def test_controls_compare_and_set(store: Store, tenant_id: str) -> None:
    svc = FamilyService(store)
    svc.accept(tenant_id, _invite_code(svc, tenant_id), "teen", actor="t")
    pairings = store.family.pairings_of_teen(tenant_id, "teen")
    state0 = ControlsState(tenant_id, "teen")
    state1, event = apply_update(
        state0, {"daily_limit_minutes": 60}, "parent", NOW, pairings=pairings
    )
    assert event is not None
    store.family.save_controls(
        state1, expected_version=0, by_parent="parent", events=[event], audit=AUDIT
    )
    assert store.family.controls(tenant_id, "teen") == state1
    with pytest.raises(ConflictError):  # a second first write
        store.family.save_controls(
            state1, expected_version=0, by_parent="parent", events=[event], audit=AUDIT
        )
    state2, event2 = apply_update(
        state1, {"strictness": "strict"}, "parent", NOW, pairings=pairings
    )
    assert event2 is not None
    store.family.save_controls(
        state2, expected_version=1, by_parent="parent", events=[event2], audit=AUDIT
    )
    with pytest.raises(ConflictError):  # stale
        store.family.save_controls(
            state2, expected_version=1, by_parent="parent", events=[event2], audit=AUDIT
        )
    with pytest.raises(NotFoundError):  # an unpaired parent cannot write
        store.family.save_controls(
            state2, expected_version=2, by_parent="parent2", events=[], audit=AUDIT
        )
    assert store.family.controls("other-tenant", "teen") is None


def test_deleting_a_user_erases_their_links(store: Store, tenant_id: str) -> None:
    svc = FamilyService(store)
    svc.accept(tenant_id, _invite_code(svc, tenant_id), "teen", actor="t")
    _invite_code(svc, tenant_id)
    svc.update_controls(tenant_id, "teen", "parent", {"daily_limit_minutes": 30}, actor="t")
    assert store.users.delete(tenant_id, "teen")
    assert store.family.pairings_of_parent(tenant_id, "parent") == []
    assert store.family.controls(tenant_id, "teen") is None
    assert store.users.delete(tenant_id, "parent")
    assert store.family.invites_of(tenant_id, "parent") == []


def test_outbox_is_written_with_the_change_only(store: Store, tenant_id: str) -> None:
    svc = FamilyService(store)
    svc.accept(tenant_id, _invite_code(svc, tenant_id), "teen", actor="t")
    assert store.webhooks.outbox(tenant_id) == []  # no webhook yet: nothing queued
    store.webhooks.put(tenant_id, "http://127.0.0.1:9/hook")
    svc.update_controls(tenant_id, "teen", "parent", {"daily_limit_minutes": 30}, actor="t")
    with pytest.raises(ConflictError):  # a failed change queues nothing
        svc.accept(tenant_id, _invite_code(svc, tenant_id), "teen", actor="t")
    items = store.webhooks.outbox(tenant_id)
    assert [i.kind for i in items] == ["controls_changed"]
    assert items[0].payload["teen_id"] == "teen" and items[0].payload["notify"] == ["teen"]
    actions = [e.action for e in store.audit.list(tenant_id)]
    assert actions.count("family.accept") == 1 and "family.controls" in actions


def test_outbox_claim_is_exclusive(store: Store, tenant_id: str) -> None:
    svc = FamilyService(store)
    store.webhooks.put(tenant_id, "http://127.0.0.1:9/hook")
    svc.accept(tenant_id, _invite_code(svc, tenant_id), "teen", actor="t")
    now = datetime.now(UTC) + timedelta(seconds=1)
    (item,) = store.webhooks.due(now)
    assert store.webhooks.claim(item, now + timedelta(minutes=1))
    assert not store.webhooks.claim(item, now + timedelta(minutes=1))
    assert store.webhooks.due(now) == []
    store.webhooks.failed(item.id, "HTTP 500", now)
    (again,) = store.webhooks.due(now)
    assert again.attempts == 1 and again.last_error == "HTTP 500"
    store.webhooks.delivered(item.id, now)
    assert store.webhooks.due(now + timedelta(days=1)) == []


def test_attempts_are_counted_in_the_database(store: Store, tenant_id: str) -> None:
    since = NOW - timedelta(minutes=15)
    for i in range(3):
        store.family.record_failure(tenant_id, "teen", NOW + timedelta(seconds=i), since)
    assert len(store.family.failures(tenant_id, "teen", since)) == 3
    assert store.family.failures(tenant_id, "teen2", since) == []
    assert store.family.failures("other", "teen", since) == []
    later = NOW + timedelta(minutes=20)
    store.family.record_failure(tenant_id, "teen", later, later - timedelta(minutes=15))
    assert store.family.failures(tenant_id, "teen", since) == [later]


def test_too_many_failed_accepts_are_refused(store: Store, tenant_id: str) -> None:
    svc = FamilyService(store)
    for _ in range(10):
        with pytest.raises(SalamaError):
            svc.accept(tenant_id, "2222-2222", "teen", actor="t")
    code = _invite_code(svc, tenant_id)
    with pytest.raises(InputError) as info:  # even the right code, until the window passes
        svc.accept(tenant_id, code, "teen", actor="t")
    assert info.value.details["code"] == "too_many_attempts"
    later = datetime.now(UTC) + timedelta(minutes=16)
    fresh = svc.create_invite(tenant_id, "parent", actor="t", now=later).code
    svc.accept(tenant_id, fresh, "teen", actor="t", now=later)


def test_age_out_ends_pairings_and_controls(store: Store, tenant_id: str) -> None:
    svc = FamilyService(store)
    svc.accept(tenant_id, _invite_code(svc, tenant_id), "teen", actor="t")
    svc.update_controls(tenant_id, "teen", "parent", {"daily_limit_minutes": 30}, actor="t")
    assert svc.age_out(tenant_id) == 0
    in_three_years = datetime(NOW.year + 3, 1, 2, tzinfo=UTC)
    assert svc.age_out(tenant_id, in_three_years) == 1
    assert store.family.all_pairings(tenant_id) == []
    assert store.family.controls(tenant_id, "teen") is None
    assert "family.age_out" in [e.action for e in store.audit.list(tenant_id)]


def test_controls_feed_the_usage_limits(store: Store, tenant_id: str) -> None:
    from salama.wellbeing.limits import Limits

    svc = FamilyService(store)
    teen = store.users.get(tenant_id, "teen")
    assert teen is not None
    own = Limits(band="teen_13_15", daily=(60,) * 7, break_after=None, sleep=None)
    assert svc.usage_limits(tenant_id, teen, own) is None  # no parent
    svc.accept(tenant_id, _invite_code(svc, tenant_id), "teen", actor="t")
    assert not svc.is_parent_of(tenant_id, "parent2", "teen")
    assert svc.is_parent_of(tenant_id, "parent", "teen")
    svc.update_controls(
        tenant_id,
        "teen",
        "parent",
        {
            "daily_limit_minutes": 30,
            "weekday_limits": {"sat": 120, "sun": None},
            "sleep_hours": {"start": "22:00", "end": "07:00"},
        },
        actor="t",
    )
    got = svc.usage_limits(tenant_id, teen, own)
    assert got is not None
    assert got.daily == (30, 30, 30, 30, 30, 60, 60)  # the stricter each day
    assert got.sleep is not None and got.sleep.start.hour == 22
