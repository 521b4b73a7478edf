"""SQLite as a first-class backend: pragmas on every connection, writers wait, close() twice."""

import threading
from pathlib import Path

from sqlalchemy import text

from salama.store import Store


def _pragma(store: Store, name: str) -> object:
    with store.engine.connect() as conn:
        return conn.execute(text(f"PRAGMA {name}")).scalar()


def test_pragmas_are_on(tmp_path: Path) -> None:
    with Store.open(f"sqlite:///{tmp_path / 'x.db'}") as store:
        assert str(_pragma(store, "journal_mode")).lower() == "wal"
        assert _pragma(store, "foreign_keys") == 1
        assert _pragma(store, "busy_timeout") == 5000


def test_two_stores_on_one_file_write_concurrently(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    first, second = Store.open(url), Store.open(url)
    tenant = first.tenants.create_tenant("t")
    errors: list[BaseException] = []

    def write(store: Store) -> None:
        try:
            for i in range(25):
                store.audit.append(tenant.id, actor="a", action=f"x{i}")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(s,)) for s in (first, second, first)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(first.audit.list(tenant.id, limit=1000)) == 75
    first.close()
    second.close()
