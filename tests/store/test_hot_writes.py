"""The check's write path: a decision and its review item in one transaction (every backend),
and a PostgreSQL pool without pre-ping that recovers after the server drops its connections."""

import contextlib
import json
import uuid

import pytest
from sqlalchemy import create_engine, text

from salama.store import NotFoundError, StorageError, Store, repos


def _record(store: Store, tenant_id: str, *, review: bool, action: str = "hold") -> tuple:
    return store.decisions.record_and_queue(
        tenant_id,
        surface="comment",
        action=action,
        categories={"insult": 0.9},
        reasons=[{"rule": "r", "evidence": [{"text": "x"}]}],
        text="a held text",
        author_ref="u1",
        review=review,
    )


def test_decision_and_review_item_written_together(store: Store) -> None:
    tenant = store.tenants.create_tenant("App")
    record, item = _record(store, tenant.id, review=True)
    assert item is not None and item.decision_id == record.id and item.status == "open"
    assert item.tenant_id == tenant.id and item.created_at == record.created_at
    assert store.decisions.get(tenant.id, record.id) == record
    assert store.review.list_open(tenant.id) == [item]
    assert record.text == "a held text" and record.created_at.tzinfo is not None


def test_without_review_no_item(store: Store) -> None:
    tenant = store.tenants.create_tenant("App")
    record, item = _record(store, tenant.id, review=False, action="block")
    assert item is None
    assert store.decisions.get(tenant.id, record.id) == record
    assert store.review.list_open(tenant.id) == []


def test_record_keeps_copies(store: Store) -> None:
    tenant = store.tenants.create_tenant("App")
    categories = {"insult": 0.9}
    record, _ = store.decisions.record_and_queue(
        tenant.id, surface="dm", action="block", categories=categories, reasons=[]
    )
    categories["hate"] = 1.0
    assert record.categories == {"insult": 0.9}
    assert store.decisions.get(tenant.id, record.id) == record


def test_unknown_tenant_is_not_found_and_writes_nothing(store: Store) -> None:
    with pytest.raises(NotFoundError):
        _record(store, "missing", review=True)
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM decisions")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM review_items")).scalar() == 0


def test_failed_review_item_leaves_no_decision(
    backend: str, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    tenant = store.tenants.create_tenant("App")
    if backend == "sqlite":  # two statements in one transaction: break the second
        broken = text("INSERT INTO no_such_table (id) VALUES (:id)")
        monkeypatch.setattr(repos, "_INSERT_REVIEW_ITEM", broken)
    else:  # one statement: give the item an id too long for its column (PostgreSQL checks)
        ids = iter([uuid.uuid4().hex, "x" * 40])
        monkeypatch.setattr(repos, "_new_id", lambda: next(ids))
    with pytest.raises(StorageError):
        _record(store, tenant.id, review=True)
    assert store.decisions.list(tenant.id) == []
    assert store.review.list_open(tenant.id) == []
    monkeypatch.undo()
    record, item = _record(store, tenant.id, review=True)  # the store still writes
    assert item is not None and store.decisions.list(tenant.id) == [record]


@pytest.mark.parametrize("first", ["read", "kept decision"])
def test_pool_recovers_after_the_server_drops_connections(
    backend: str, store: Store, db_url: str, first: str
) -> None:
    if backend != "postgresql":
        pytest.skip("PostgreSQL only: a server that drops its connections")
    tenant = store.tenants.create_tenant("App")
    assert store.tenants.get_tenant(tenant.id) is not None  # a pooled connection exists
    admin = create_engine(db_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            dropped = conn.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).scalar()
    finally:
        admin.dispose()
    assert dropped and dropped >= 1
    # Without pre-ping, the first call may meet a dead connection (503 at the API); after it
    # the pool is refreshed, and every following call works.
    # The kept decision goes through the driver's own connection (Database.execute_one).
    with contextlib.suppress(StorageError):
        if first == "read":
            store.tenants.get_tenant(tenant.id)
        else:
            _record(store, tenant.id, review=True)
    for _ in range(3):
        assert store.tenants.get_tenant(tenant.id) is not None
        record, item = _record(store, tenant.id, review=True)
        assert item is not None and store.decisions.get(tenant.id, record.id) == record


def test_kept_decision_row_is_the_one_sqlalchemy_writes(backend: str, store: Store) -> None:
    """PostgreSQL writes a kept decision on the driver's connection (Database.execute_one): the
    stored row must be what SQLAlchemy's own execution stores (JSON, UTC times, the item)."""
    tenant = store.tenants.create_tenant("App")
    reasons = [{"rule": "r", "message": {"ar": "سبان قوي", "fr": "Insulte forte"}, "score": 0.5}]
    record, item = store.decisions.record_and_queue(
        tenant.id,
        surface="comment",
        action="hold",
        categories={"insult": 0.9, "hate": 0.25},
        reasons=reasons,
        text="نص محجوز",
        author_ref="u1",
        review=True,
    )
    assert item is not None
    with store.engine.connect() as conn:
        row = conn.execute(
            text("SELECT categories, reasons, text, created_at FROM decisions WHERE id = :id"),
            {"id": record.id},
        ).one()
        status = conn.execute(
            text("SELECT status, decision_id FROM review_items WHERE id = :id"), {"id": item.id}
        ).one()
    stored = [json.loads(v) if isinstance(v, str) else v for v in row[:2]]
    assert stored == [{"insult": 0.9, "hate": 0.25}, reasons]
    assert row[2] == "نص محجوز"
    assert tuple(status) == ("open", record.id)
    assert store.decisions.get(tenant.id, record.id) == record
    assert store.review.list_open(tenant.id) == [item]


def test_kept_decisions_from_many_threads_are_all_written(store: Store) -> None:
    """The kept-decision write runs on the driver's connection (SQLite: its own BEGIN IMMEDIATE
    transaction, writers taking turns): threads writing at once lose nothing and fail nothing."""
    from concurrent.futures import ThreadPoolExecutor

    tenant = store.tenants.create_tenant("App")

    def write(k: int) -> tuple:
        return _record(store, tenant.id, review=k % 2 == 0)

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(write, range(120)))
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM decisions")).scalar() == 120
        assert conn.execute(text("SELECT count(*) FROM review_items")).scalar() == 60
    assert len({record.id for record, _ in results}) == 120
