"""The store's contract, run on every backend (SQLite and PostgreSQL)."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from salama.errors import InputError, SalamaError
from salama.store import (
    AuditLog,
    ConflictError,
    NotFoundError,
    Store,
    Tenant,
)

# --- tenants and API keys ------------------------------------------------------------------


def test_errors_carry_codes() -> None:
    assert issubclass(NotFoundError, SalamaError) and NotFoundError.code == "not_found"
    assert issubclass(ConflictError, SalamaError) and ConflictError.code == "conflict"


def test_create_and_get_tenant(store: Store) -> None:
    tenant = store.tenants.create_tenant("App")
    assert store.tenants.get_tenant(tenant.id) == tenant
    assert tenant.created_at.tzinfo is not None
    assert store.tenants.get_tenant("nope") is None


def test_api_key_is_stored_hashed(store: Store, db_url: str) -> None:
    tenant = store.tenants.create_tenant("App")
    record, secret = store.tenants.create_api_key(tenant.id, "admin")
    assert record.role == "admin" and not record.revoked
    with store.engine.connect() as conn:
        dump = [str(r) for r in conn.execute(text("SELECT * FROM api_keys"))]
    assert dump and not any(secret in row for row in dump)
    # the random part (which may itself hold "_") never reaches the database
    random_part = secret.split("_", 2)[2]
    assert not any(random_part in row for row in dump)
    assert not hasattr(record, "hash")


def test_authenticate_and_revoke(store: Store) -> None:
    tenant = store.tenants.create_tenant("App")
    record, secret = store.tenants.create_api_key(tenant.id)
    assert store.tenants.authenticate(secret) == record
    assert store.tenants.authenticate(secret + "x") is None
    assert store.tenants.authenticate(secret[:-1] + ("A" if secret[-1] != "A" else "B")) is None
    assert store.tenants.authenticate("") is None
    assert store.tenants.authenticate("garbage") is None
    revoked = store.tenants.revoke_key(tenant.id, record.id)
    assert revoked.revoked_at is not None
    assert store.tenants.authenticate(secret) is None
    assert store.tenants.revoke_key(tenant.id, record.id) == revoked  # idempotent


def test_api_key_bad_role_and_unknown_tenant(store: Store) -> None:
    tenant = store.tenants.create_tenant("App")
    with pytest.raises(InputError):
        store.tenants.create_api_key(tenant.id, "root")  # type: ignore[arg-type]
    with pytest.raises(NotFoundError):
        store.tenants.create_api_key("missing")


# --- tenant isolation ----------------------------------------------------------------------


@pytest.fixture
def two(store: Store) -> tuple[Tenant, Tenant]:
    return store.tenants.create_tenant("A"), store.tenants.create_tenant("B")


def test_keys_are_isolated(store: Store, two: tuple[Tenant, Tenant]) -> None:
    a, b = two
    key, secret = store.tenants.create_api_key(a.id)
    assert store.tenants.list_keys(b.id) == []
    with pytest.raises(NotFoundError):
        store.tenants.revoke_key(b.id, key.id)
    assert store.tenants.authenticate(secret) == key  # untouched
    assert key.tenant_id == a.id


def test_decisions_are_isolated(store: Store, two: tuple[Tenant, Tenant]) -> None:
    a, b = two
    d = store.decisions.record_decision(
        a.id, surface="dm", action="block", categories={"threat": 0.9}, reasons=[], text="x"
    )
    assert store.decisions.get(b.id, d.id) is None
    assert store.decisions.list(b.id) == []
    with pytest.raises(NotFoundError):
        store.review.enqueue(b.id, d.id)


def test_settings_are_isolated(store: Store, two: tuple[Tenant, Tenant]) -> None:
    a, b = two
    store.settings.put(a.id, "owner-1", {"strict": True}, expected_version=0)
    assert store.settings.get(b.id, "owner-1") is None
    with pytest.raises(ConflictError):  # B cannot update A's row: it has none at version 1
        store.settings.put(b.id, "owner-1", {"strict": False}, expected_version=1)
    got = store.settings.get(a.id, "owner-1")
    assert got is not None and got.settings == {"strict": True}


def test_policies_are_isolated(store: Store, two: tuple[Tenant, Tenant]) -> None:
    a, b = two
    store.policies.add_version(a.id, "default", "rules: []")
    assert store.policies.list(b.id) == []
    with pytest.raises(NotFoundError):
        store.policies.activate(b.id, "default", 1)
    assert store.policies.get_active(a.id, "default") is None


def test_review_is_isolated(store: Store, two: tuple[Tenant, Tenant]) -> None:
    a, b = two
    d = store.decisions.record_decision(
        a.id, surface="post", action="hold", categories={}, reasons=[]
    )
    item = store.review.enqueue(a.id, d.id)
    assert store.review.list_open(b.id) == []
    with pytest.raises(NotFoundError):
        store.review.mark_decided(b.id, item.id)
    assert store.review.list_open(a.id) == [item]


def test_audit_is_isolated(store: Store, two: tuple[Tenant, Tenant]) -> None:
    a, b = two
    store.audit.append(a.id, actor="admin", action="key.create")
    assert store.audit.list(b.id) == []


def test_writes_for_unknown_tenant_are_not_found(store: Store) -> None:
    with pytest.raises(NotFoundError):
        store.decisions.record_decision(
            "missing", surface="dm", action="allow", categories={}, reasons=[]
        )
    with pytest.raises(NotFoundError):
        store.settings.put("missing", "o", {}, expected_version=0)
    with pytest.raises(NotFoundError):
        store.policies.add_version("missing", "p", "")
    with pytest.raises(NotFoundError):
        store.audit.append("missing", actor="a", action="b")


# --- decisions -----------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["allow", "nudge"])
def test_allowed_and_nudged_text_is_not_kept(store: Store, action: str) -> None:
    t = store.tenants.create_tenant("App")
    d = store.decisions.record_decision(
        t.id, surface="comment", action=action, categories={}, reasons=[], text="hello"
    )
    assert d.text is None
    got = store.decisions.get(t.id, d.id)
    assert got is not None and got.text is None


@pytest.mark.parametrize("action", ["hold", "limit", "block", "support"])
def test_text_is_kept_where_it_may_be_reviewed(store: Store, action: str) -> None:
    t = store.tenants.create_tenant("App")
    reasons = [{"rule": "r1", "evidence": ["x"]}]
    d = store.decisions.record_decision(
        t.id,
        surface="dm",
        action=action,
        categories={"insult": 0.8},
        reasons=reasons,
        text="نص بالعربية",
        author_ref="u1",
    )
    assert store.decisions.get(t.id, d.id) == d
    assert d.text == "نص بالعربية" and d.reasons == reasons and d.categories == {"insult": 0.8}
    assert d.expires_at > d.created_at


def test_unknown_action_is_refused(store: Store) -> None:
    t = store.tenants.create_tenant("App")
    with pytest.raises(InputError):
        store.decisions.record_decision(t.id, surface="dm", action="ban", categories={}, reasons=[])


def test_list_newest_first_and_filtered(store: Store) -> None:
    t = store.tenants.create_tenant("App")
    ids = [
        store.decisions.record_decision(t.id, surface="dm", action=a, categories={}, reasons=[]).id
        for a in ("allow", "block", "allow")
    ]
    assert [d.id for d in store.decisions.list(t.id)] == ids[::-1]
    assert [d.id for d in store.decisions.list(t.id, action="block")] == [ids[1]]
    assert len(store.decisions.list(t.id, limit=1)) == 1


def test_purge_expired_keeps_open_review_items(store: Store) -> None:
    t = store.tenants.create_tenant("App")
    short = timedelta(seconds=1)
    old = store.decisions.record_decision(
        t.id, surface="dm", action="block", categories={}, reasons=[], retention=short
    )
    held = store.decisions.record_decision(
        t.id, surface="dm", action="hold", categories={}, reasons=[], retention=short
    )
    fresh = store.decisions.record_decision(
        t.id, surface="dm", action="block", categories={}, reasons=[]
    )
    store.review.enqueue(t.id, held.id)
    later = datetime.now(UTC) + timedelta(minutes=1)
    assert store.decisions.purge_expired(now=later) == 1
    assert store.decisions.get(t.id, old.id) is None
    assert store.decisions.get(t.id, held.id) is not None
    assert store.decisions.get(t.id, fresh.id) is not None
    assert store.decisions.purge_expired(now=later) == 0


# --- owner settings: optimistic concurrency ------------------------------------------------


def test_settings_versions(store: Store) -> None:
    t = store.tenants.create_tenant("App")
    assert store.settings.get(t.id, "o") is None
    first = store.settings.put(t.id, "o", {"a": 1}, expected_version=0)
    assert first.version == 1
    second = store.settings.put(t.id, "o", {"a": 2}, expected_version=1)
    assert second.version == 2
    assert store.settings.get(t.id, "o") == second


def test_stale_writer_gets_conflict_and_nothing_is_lost(store: Store, db_url: str) -> None:
    t = store.tenants.create_tenant("App")
    store.settings.put(t.id, "o", {"filters": []}, expected_version=0)
    other = Store.open(db_url)  # a second process, in effect
    try:
        mine = store.settings.get(t.id, "o")
        theirs = other.settings.get(t.id, "o")
        assert mine is not None and theirs is not None
        other.settings.put(t.id, "o", {"filters": ["theirs"]}, expected_version=theirs.version)
        with pytest.raises(ConflictError):
            store.settings.put(t.id, "o", {"filters": ["mine"]}, expected_version=mine.version)
        # The loser reads again, merges, retries: both changes survive.
        now = store.settings.get(t.id, "o")
        assert now is not None and now.settings == {"filters": ["theirs"]}
        merged = store.settings.put(
            t.id, "o", {"filters": [*now.settings["filters"], "mine"]}, expected_version=now.version
        )
        assert merged.settings == {"filters": ["theirs", "mine"]} and merged.version == 3
    finally:
        other.close()


def test_concurrent_first_writes_conflict(store: Store) -> None:
    t = store.tenants.create_tenant("App")
    store.settings.put(t.id, "o", {"x": 1}, expected_version=0)
    with pytest.raises(ConflictError):
        store.settings.put(t.id, "o", {"x": 2}, expected_version=0)
    got = store.settings.get(t.id, "o")
    assert got is not None and got.settings == {"x": 1}


def test_many_threads_increment_without_losing_any(store: Store) -> None:
    t = store.tenants.create_tenant("App")
    store.settings.put(t.id, "o", {"n": 0}, expected_version=0)
    errors: list[BaseException] = []

    def bump() -> None:
        try:
            for _ in range(5):
                while True:
                    cur = store.settings.get(t.id, "o")
                    assert cur is not None
                    try:
                        store.settings.put(
                            t.id, "o", {"n": cur.settings["n"] + 1}, expected_version=cur.version
                        )
                        break
                    except ConflictError:
                        continue
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=bump) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    final = store.settings.get(t.id, "o")
    assert final is not None and final.settings == {"n": 20} and final.version == 21


# --- policies ------------------------------------------------------------------------------


def test_policy_versions_and_one_active(store: Store) -> None:
    t = store.tenants.create_tenant("App")
    v1 = store.policies.add_version(t.id, "default", "v1")
    v2 = store.policies.add_version(t.id, "default", "v2")
    other = store.policies.add_version(t.id, "strict", "s1")
    assert (v1.version, v2.version, other.version) == (1, 2, 1)
    assert v1.status == "draft"
    store.policies.activate(t.id, "default", 1)
    store.policies.activate(t.id, "strict", 1)
    active = store.policies.activate(t.id, "default", 2)
    assert active.status == "active"
    assert store.policies.activate(t.id, "default", 2) == active  # idempotent
    statuses = {(p.name, p.version): p.status for p in store.policies.list(t.id)}
    assert statuses == {
        ("default", 1): "retired",
        ("default", 2): "active",
        ("strict", 1): "active",
    }
    assert store.policies.get_active(t.id, "default") == active
    assert [p.version for p in store.policies.list(t.id, "default")] == [1, 2]
    with pytest.raises(NotFoundError):
        store.policies.activate(t.id, "default", 9)


def test_database_refuses_a_second_active_version(store: Store) -> None:
    t = store.tenants.create_tenant("App")
    store.policies.add_version(t.id, "p", "a")
    store.policies.add_version(t.id, "p", "b")
    store.policies.activate(t.id, "p", 1)
    with pytest.raises(Exception) as info, store.engine.begin() as conn:
        conn.execute(
            text("UPDATE policies SET status = 'active' WHERE tenant_id = :t AND version = 2"),
            {"t": t.id},
        )
    assert "unique" in str(info.value).lower()


# --- review queue --------------------------------------------------------------------------


def test_review_queue(store: Store) -> None:
    t = store.tenants.create_tenant("App")
    d1 = store.decisions.record_decision(
        t.id, surface="dm", action="hold", categories={}, reasons=[]
    )
    d2 = store.decisions.record_decision(
        t.id, surface="dm", action="hold", categories={}, reasons=[]
    )
    i1, i2 = store.review.enqueue(t.id, d1.id), store.review.enqueue(t.id, d2.id)
    assert [i.id for i in store.review.list_open(t.id)] == [i1.id, i2.id]
    assert store.review.mark_decided(t.id, i1.id).status == "decided"
    assert store.review.mark_decided(t.id, i1.id).status == "decided"  # idempotent
    assert store.review.list_open(t.id) == [i2]
    with pytest.raises(NotFoundError):
        store.review.enqueue(t.id, "missing")


# --- audit log -----------------------------------------------------------------------------


def test_audit_log_appends_in_order(store: Store) -> None:
    t = store.tenants.create_tenant("App")
    e1 = store.audit.append(t.id, actor="admin", action="policy.activate", target="default")
    e2 = store.audit.append(t.id, actor="admin", action="key.revoke", details={"key": "k"})
    assert e2.id > e1.id
    assert store.audit.list(t.id) == [e1, e2]
    assert store.audit.list(t.id, after_id=e1.id) == [e2]
    assert e2.details == {"key": "k"}


def test_audit_log_has_no_update_or_delete(store: Store) -> None:
    public = {n for n in dir(AuditLog) if not n.startswith("_")}
    assert public == {"append", "list"}
    impl = {n for n in dir(store.audit) if not n.startswith("_")}
    assert impl == {"append", "list"}


# --- lifecycle -----------------------------------------------------------------------------


def test_close_is_idempotent(db_url: str) -> None:
    store = Store.open(db_url)
    store.tenants.create_tenant("App")
    store.close()
    store.close()
    assert store.closed
    with Store.open(db_url) as again:
        assert again.tenants.create_tenant("B").name == "B"
    again.close()


def test_shadow_version_one_per_name(store: Store) -> None:
    t = store.tenants.create_tenant("a")
    v1 = store.policies.add_version(t.id, "main", "name: a\n")
    v2 = store.policies.add_version(t.id, "main", "name: b\n")
    v3 = store.policies.add_version(t.id, "main", "name: c\n")
    store.policies.activate(t.id, "main", v1.version)
    with pytest.raises(ConflictError):
        store.policies.set_shadow(t.id, "main", v1.version)
    assert store.policies.set_shadow(t.id, "main", v2.version).status == "shadow"
    store.policies.set_shadow(t.id, "main", v3.version)
    shadow = store.policies.get_shadow(t.id, "main")
    assert shadow is not None and shadow.version == v3.version
    got = store.policies.get_version(t.id, "main", v2.version)
    assert got is not None and got.status == "draft"
    with pytest.raises(NotFoundError):
        store.policies.set_shadow(t.id, "main", 99)
    cleared = store.policies.clear_shadow(t.id, "main")
    assert cleared is not None and cleared.version == v3.version
    assert store.policies.get_shadow(t.id, "main") is None
    assert store.policies.clear_shadow(t.id, "main") is None


def test_shadow_results_keep_text_only_where_reviewable(store: Store) -> None:
    t = store.tenants.create_tenant("a")
    other = store.tenants.create_tenant("b")
    kept = store.shadows.record(
        t.id,
        name="main",
        live_version=None,
        candidate_version=2,
        surface="comment",
        live_action="allow",
        candidate_action="hold",
        scores={"insult": 0.7},
        text="x y",
    )
    dropped = store.shadows.record(
        t.id,
        name="main",
        live_version=1,
        candidate_version=2,
        surface="comment",
        live_action="allow",
        candidate_action="nudge",
        scores={},
        text="secret",
    )
    assert kept.text == "x y" and dropped.text is None
    assert {r.id for r in store.shadows.list(t.id)} == {kept.id, dropped.id}
    assert store.shadows.list(other.id) == []
    with pytest.raises(InputError):
        store.shadows.record(
            t.id,
            name="main",
            live_version=1,
            candidate_version=2,
            surface="comment",
            live_action="maybe",
            candidate_action="hold",
            scores={},
        )
    later = datetime.now(UTC) + timedelta(days=31)
    assert store.shadows.purge_expired(now=later) == 2
    assert store.shadows.list(t.id) == []


def test_users_put_get_delete_and_isolation(store: Store) -> None:
    from datetime import date

    t = store.tenants.create_tenant("a")
    other = store.tenants.create_tenant("b")
    user, created = store.users.put(
        t.id,
        "u1",
        age_band="teen_13_15",
        birth_date=None,
        country="MA",
        language="ary",
        timezone="Africa/Casablanca",
    )
    assert created and user.age_band == "teen_13_15"
    again, created = store.users.put(
        t.id,
        "u1",
        age_band="adult",
        birth_date=date(2010, 2, 28),
        country="MA",
        language="ary",
        timezone="Africa/Casablanca",
    )
    assert not created and again.birth_date == date(2010, 2, 28) and again.age_band is None
    assert store.users.get(other.id, "u1") is None
    assert set(store.users.get_many(t.id, ["u1", "nobody"])) == {"u1"}
    kept = store.decisions.record_decision(
        t.id,
        surface="comment",
        action="block",
        categories={},
        reasons=[],
        text="x",
        author_ref="u1",
    )
    assert store.users.delete(other.id, "u1") is False
    assert store.users.get(t.id, "u1") is not None
    assert store.users.delete(t.id, "u1") is True
    assert store.users.get(t.id, "u1") is None
    assert store.decisions.get(t.id, kept.id) is None
    with pytest.raises(InputError):
        store.users.put(
            t.id,
            "u2",
            age_band=None,
            birth_date=None,
            country="MAR",
            language=None,
            timezone="UTC",
        )
