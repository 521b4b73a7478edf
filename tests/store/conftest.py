"""One contract suite, every backend: each ``store`` test runs on SQLite and on PostgreSQL.

SQLite: a fresh file per test. PostgreSQL: one fresh database per session, named
``salama_test_<random>`` and created through ``SALAMA_TEST_POSTGRES_URL`` (default: the local
server, database ``test``), migrated once, emptied after each test and dropped at the end. Where
no server answers, the PostgreSQL runs are skipped with the reason.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from salama.store import Store
from salama.store.models import Base

ADMIN_URL = os.environ.get(
    "SALAMA_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "postgres: needs a PostgreSQL server (SALAMA_TEST_POSTGRES_URL); skipped if none"
    )


class PostgresServer:
    """Creates and drops throwaway databases on the server behind ADMIN_URL."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = make_url(admin_url)
        self.engine = create_engine(
            self.admin_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
        )
        self.created: list[str] = []

    def create_database(self) -> str:
        name = f"salama_test_{secrets.token_hex(6)}"
        with self.engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        self.created.append(name)
        return self.admin_url.set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        with self.engine.connect() as conn:
            for name in self.created:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.engine.dispose()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    server = PostgresServer(ADMIN_URL)
    try:
        with server.engine.connect():
            pass
    except OperationalError as exc:
        server.engine.dispose()
        pytest.skip(f"PostgreSQL unreachable at {server.admin_url!r}: {exc.orig}")
    yield server
    server.drop_all()


@pytest.fixture(scope="session")
def postgres_url(postgres_server: PostgresServer) -> str:
    """One migrated database for the session; tests empty it after themselves."""
    url = postgres_server.create_database()
    Store.open(url).close()
    return url


BACKENDS = ["sqlite", "postgresql"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Marked here, not in BACKENDS: this conftest is imported before its pytest_configure runs,
    # and --strict-markers refuses `pytest.mark.postgres` until the marker is registered.
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("backend") == "postgresql":
            item.add_marker("postgres")


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def fresh_url(
    backend: str, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Callable[[], str]:
    """Makes URLs of new, empty (unmigrated) databases on the test's backend."""
    if backend == "sqlite":
        return lambda: f"sqlite:///{tmp_path_factory.mktemp('db') / 'salama.db'}"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.create_database


@pytest.fixture
def db_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """A migrated-or-to-be-migrated database URL, empty at the start of every test."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path}/salama.db"
        return
    url: str = request.getfixturevalue("postgres_url")
    yield url
    engine = create_engine(url)
    names = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    s = Store.open(db_url)
    yield s
    s.close()
