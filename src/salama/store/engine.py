"""Engines and migrations: SQLite by default, PostgreSQL by URL.

SQLite is a first-class backend: every connection gets WAL, ``busy_timeout=5000`` and
``foreign_keys=ON``; writes open with ``BEGIN IMMEDIATE`` (so that two writers wait for each
other instead of failing half-way), reads with a plain ``BEGIN`` (so that reads run beside a
writer). Migrations are Alembic's, run programmatically: no ``alembic.ini`` is needed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url

from salama.jsonio import dumps

__all__ = ["DEFAULT_URL", "MIGRATIONS_DIR", "WRITE", "alembic_config", "make_engine", "migrate"]

DEFAULT_URL = "sqlite:///salama.db"
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

# Execution option that marks a connection as a writer (SQLite: BEGIN IMMEDIATE).
WRITE = "salama_write"


def json_dumps(value: Any) -> str:
    """How JSON columns are written (``salama.jsonio``): UTF-8 as it is, Arabic text a third of
    the bytes of its \\u escapes."""
    return dumps(value).decode("utf-8")


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event emit BEGIN itself, so that writers can ask for IMMEDIATE.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA busy_timeout = 5000")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA synchronous = NORMAL")  # safe with WAL, far fewer fsyncs
    finally:
        cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    immediate = conn.get_execution_options().get(WRITE, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Build an engine for ``url``; SQLite connections get WAL, busy_timeout and foreign keys.

    A bare ``postgresql://`` URL uses psycopg 3 (``postgresql+psycopg://``).

    ``kwargs`` pass through to ``sqlalchemy.create_engine``. Nothing connects until first use.
    """
    parsed = make_url(url)
    kwargs.setdefault("json_serializer", json_dumps)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(parsed, **kwargs)
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")  # psycopg 3, not psycopg2
    # No pool_pre_ping: it costs a round trip on every checkout, i.e. on every request. A
    # connection the server dropped (a restart) fails the one call that meets it (StorageError:
    # 503); SQLAlchemy then sees the disconnect and refreshes the whole pool, so the next calls
    # get new connections. Pass pool_pre_ping=True to trade the round trip for that one error.
    return create_engine(parsed, **kwargs)


def alembic_config(url: str) -> Config:
    """An Alembic ``Config`` pointing at the packaged migrations and at ``url``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # ConfigParser interpolates '%': escape it (URL-encoded passwords contain it).
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def migrate(url: str, *, engine: Engine | None = None, revision: str = "heads") -> None:
    """Upgrade the database at ``url`` to ``revision`` (default: the newest). Idempotent.

    With ``engine`` the migration runs on one of its connections (so SQLite pragmas apply).
    """
    owned = engine is None
    eng = make_engine(url) if engine is None else engine
    try:
        with eng.connect().execution_options(**{WRITE: True}) as connection:
            config = alembic_config(url)
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        if owned:
            eng.dispose()


def downgrade(url: str, revision: str = "base") -> None:
    """Downgrade the database at ``url`` to ``revision`` (default: empty); for tests, rollbacks."""
    eng = make_engine(url)
    try:
        with eng.connect().execution_options(**{WRITE: True}) as connection:
            config = alembic_config(url)
            config.attributes["connection"] = connection
            command.downgrade(config, revision)
    finally:
        eng.dispose()
