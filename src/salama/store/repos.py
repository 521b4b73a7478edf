"""Repositories: narrow, tenant-scoped interfaces with dataclasses at the border.

Each interface (a ``Protocol``) states its contract in its docstrings; the ``Sql*`` classes
implement them with SQLAlchemy on SQLite or PostgreSQL. ORM rows never leave this package, and
database errors are translated here: a broken uniqueness or foreign key becomes ``ConflictError``
(or ``NotFoundError`` where the caller named a row that is not theirs), anything else from the
driver becomes ``StorageError``.

Every call takes the caller's ``tenant_id`` and sees only that tenant's rows: another tenant's id
reads as absent (``None``, or ``NotFoundError`` for a write). A few calls are cross-tenant on
purpose and say so: ``TenantStore.authenticate`` (a key finds its tenant),
``TenantStore.list_tenants`` (the operator's CLI) and the ``purge_expired`` calls (retention runs
for everyone).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal, Protocol

from sqlalchemy import (
    Connection,
    Engine,
    and_,
    bindparam,
    delete,
    exists,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement

from salama.errors import ConflictError, InputError, NotFoundError, StorageError
from salama.store.engine import WRITE
from salama.store.models import (
    ApiKeyRow,
    AuditRow,
    DecisionRow,
    OwnerSettingsRow,
    PolicyRow,
    ReviewItemRow,
    ShadowResultRow,
    TenantRow,
    UserRow,
)

__all__ = [
    "ACTIONS",
    "TEXT_KEPT_FOR",
    "ApiKeyRecord",
    "AuditEntry",
    "AuditLog",
    "ConflictError",
    "DecisionRecord",
    "DecisionStore",
    "NotFoundError",
    "OwnerSettings",
    "OwnerSettingsStore",
    "PolicyStore",
    "PolicyVersion",
    "ReviewItem",
    "ReviewStore",
    "ShadowResult",
    "ShadowStore",
    "StorageError",
    "Tenant",
    "TenantStore",
    "UserRecord",
    "UserStore",
]

Role = Literal["app", "admin"]
PolicyStatus = Literal["draft", "active", "shadow", "retired"]
ACTIONS = frozenset({"allow", "nudge", "limit", "hold", "block", "support"})
# Text is worth keeping only where someone may need to look at it again.
TEXT_KEPT_FOR = frozenset({"hold", "limit", "block", "support"})
DEFAULT_RETENTION = timedelta(days=30)
KEY_PREFIX = "slm"
MAX_LIST = 1000


# --- dataclasses at the border -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Tenant:
    id: str
    name: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ApiKeyRecord:
    """An API key as the store shows it: never the secret, never its hash."""

    id: str
    tenant_id: str
    prefix: str
    role: Role
    created_at: datetime
    revoked_at: datetime | None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


@dataclass(frozen=True, slots=True)
class DecisionRecord:
    id: str
    tenant_id: str
    surface: str
    action: str
    categories: dict[str, Any]
    reasons: list[Any]
    text: str | None
    author_ref: str | None
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class OwnerSettings:
    tenant_id: str
    owner_id: str
    settings: dict[str, Any]
    version: int
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class PolicyVersion:
    id: str
    tenant_id: str
    name: str
    version: int
    body: str
    status: PolicyStatus
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ReviewItem:
    id: str
    tenant_id: str
    decision_id: str
    status: Literal["open", "decided"]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ShadowResult:
    id: str
    tenant_id: str
    name: str
    live_version: int | None  # None: the shipped default policy was live
    candidate_version: int
    surface: str
    live_action: str
    candidate_action: str
    scores: dict[str, Any]
    text: str | None
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class UserRecord:
    """A host app's user as Salama keeps it. ``age_band`` is what the host said, or None when it
    gave a birth date instead (the band is then computed from the date, so it grows up)."""

    tenant_id: str
    user_id: str
    age_band: str | None
    birth_date: date | None
    country: str | None
    language: str | None
    timezone: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    tenant_id: str
    actor: str
    action: str
    target: str | None
    details: dict[str, Any]
    created_at: datetime


# --- interfaces ----------------------------------------------------------------------------


class TenantStore(Protocol):
    def create_tenant(self, name: str) -> Tenant:
        """Create a tenant with a new random id. Not idempotent: two calls make two tenants."""
        ...

    def get_tenant(self, tenant_id: str) -> Tenant | None:
        """The tenant, or None."""
        ...

    def list_tenants(self) -> list[Tenant]:
        """Every tenant, oldest first. Cross-tenant: for the operator's CLI, never for a route."""
        ...

    def create_api_key(self, tenant_id: str, role: Role = "app") -> tuple[ApiKeyRecord, str]:
        """Make a key; return its record and the plaintext secret, which is shown only here.

        Only the SHA-256 of the secret is stored. Raises NotFoundError for an unknown tenant,
        InputError for a role other than "app" or "admin"."""
        ...

    def authenticate(self, secret: str) -> ApiKeyRecord | None:
        """The key whose secret this is, or None (unknown, malformed or revoked). Cross-tenant.

        Compares hashes in constant time; never raises for a bad secret."""
        ...

    def revoke_key(self, tenant_id: str, key_id: str) -> ApiKeyRecord:
        """Revoke the key; idempotent (a revoked key keeps its first revoked_at).

        Raises NotFoundError when the key is not this tenant's."""
        ...

    def list_keys(self, tenant_id: str) -> list[ApiKeyRecord]:
        """This tenant's keys, revoked ones included, oldest first."""
        ...


class DecisionStore(Protocol):
    def record_decision(
        self,
        tenant_id: str,
        *,
        surface: str,
        action: str,
        categories: Mapping[str, Any],
        reasons: Sequence[Any],
        text: str | None = None,
        author_ref: str | None = None,
        retention: timedelta = DEFAULT_RETENTION,
    ) -> DecisionRecord:
        """Store a decision; return it. The text is dropped unless the action is in TEXT_KEPT_FOR
        (allowed and nudged text is never kept). The decision expires after ``retention``.

        Raises InputError for an unknown action, NotFoundError for an unknown tenant."""
        ...

    def record_and_queue(
        self,
        tenant_id: str,
        *,
        surface: str,
        action: str,
        categories: Mapping[str, Any],
        reasons: Sequence[Any],
        text: str | None = None,
        author_ref: str | None = None,
        retention: timedelta = DEFAULT_RETENTION,
        review: bool = False,
    ) -> tuple[DecisionRecord, ReviewItem | None]:
        """:meth:`record_decision`, and with ``review`` an open review item for it, in one
        transaction: both rows are written or neither. Returns the decision and the item (None
        without ``review``). Raises as :meth:`record_decision`."""
        ...

    def get(self, tenant_id: str, decision_id: str) -> DecisionRecord | None:
        """The decision, or None when absent or another tenant's."""
        ...

    def list(
        self, tenant_id: str, *, action: str | None = None, limit: int = 100
    ) -> list[DecisionRecord]:
        """This tenant's decisions, newest first, at most ``limit`` (capped at 1000)."""
        ...

    def purge_expired(self, *, now: datetime | None = None) -> int:
        """Delete expired decisions of every tenant, except those with an open review item;
        return how many were deleted. Idempotent."""
        ...


class OwnerSettingsStore(Protocol):
    def get(self, tenant_id: str, owner_id: str) -> OwnerSettings | None:
        """The owner's settings, or None when none were ever written."""
        ...

    def put(
        self, tenant_id: str, owner_id: str, settings: Mapping[str, Any], *, expected_version: int
    ) -> OwnerSettings:
        """Replace the owner's settings if their version is still ``expected_version`` (0: none
        yet); return them with version + 1. Raises ConflictError when another writer got there
        first: nothing is overwritten silently; read again, merge, retry."""
        ...


class PolicyStore(Protocol):
    def add_version(self, tenant_id: str, name: str, body: str) -> PolicyVersion:
        """Add the next version (1, 2, …) of the named policy as a draft; return it.

        Raises ConflictError if a concurrent call took the same version number."""
        ...

    def activate(self, tenant_id: str, name: str, version: int) -> PolicyVersion:
        """Make this version the one active version of its name; the one active before is
        retired. Idempotent. Raises NotFoundError for an unknown (tenant, name, version)."""
        ...

    def get_active(self, tenant_id: str, name: str) -> PolicyVersion | None:
        """The active version of the named policy, or None."""
        ...

    def list(self, tenant_id: str, name: str | None = None) -> list[PolicyVersion]:
        """This tenant's policy versions (of one name if given), by name then version."""
        ...

    def get_version(self, tenant_id: str, name: str, version: int) -> PolicyVersion | None:
        """That version of the named policy, or None."""
        ...

    def set_shadow(self, tenant_id: str, name: str, version: int) -> PolicyVersion:
        """Run this version in shadow beside the active one: at most one shadow per name (the one
        before goes back to draft). Idempotent. Raises NotFoundError for an unknown version and
        ConflictError for the active version (it cannot shadow itself)."""
        ...

    def get_shadow(self, tenant_id: str, name: str) -> PolicyVersion | None:
        """The shadow version of the named policy, or None."""
        ...

    def clear_shadow(self, tenant_id: str, name: str) -> PolicyVersion | None:
        """Stop the shadow run (the version goes back to draft); return it, or None if none."""
        ...


class ShadowStore(Protocol):
    def record(
        self,
        tenant_id: str,
        *,
        name: str,
        live_version: int | None,
        candidate_version: int,
        surface: str,
        live_action: str,
        candidate_action: str,
        scores: Mapping[str, Any],
        text: str | None = None,
        retention: timedelta = DEFAULT_RETENTION,
    ) -> ShadowResult:
        """Record where the shadow version decided otherwise. The text is dropped unless one of
        the two actions is in TEXT_KEPT_FOR. Raises NotFoundError for an unknown tenant."""
        ...

    def list(
        self, tenant_id: str, *, name: str | None = None, limit: int = 100
    ) -> list[ShadowResult]:
        """This tenant's shadow results, newest first, at most ``limit`` (capped at 1000)."""
        ...

    def purge_expired(self, *, now: datetime | None = None) -> int:
        """Delete expired shadow results of every tenant; return how many. Idempotent."""
        ...


class ReviewStore(Protocol):
    def enqueue(self, tenant_id: str, decision_id: str) -> ReviewItem:
        """Put a decision in the review queue as an open item; return the item.

        Raises NotFoundError when the decision is not this tenant's."""
        ...

    def list_open(self, tenant_id: str, *, limit: int = 100) -> list[ReviewItem]:
        """This tenant's open items, oldest first, at most ``limit`` (capped at 1000)."""
        ...

    def mark_decided(self, tenant_id: str, item_id: str) -> ReviewItem:
        """Close the item; idempotent. Raises NotFoundError when it is not this tenant's."""
        ...


class UserStore(Protocol):
    def put(
        self,
        tenant_id: str,
        user_id: str,
        *,
        age_band: str | None,
        birth_date: date | None,
        country: str | None,
        language: str | None,
        timezone: str,
    ) -> tuple[UserRecord, bool]:
        """Create or replace the user; return it and whether it was created. Idempotent.

        Exactly one of ``age_band`` and ``birth_date`` is kept (a birth date wins). Raises
        InputError for over-long values, NotFoundError for an unknown tenant."""
        ...

    def get(self, tenant_id: str, user_id: str) -> UserRecord | None:
        """The user, or None."""
        ...

    def get_many(self, tenant_id: str, user_ids: Sequence[str]) -> dict[str, UserRecord]:
        """The users among ``user_ids`` that exist, by id (one query)."""
        ...

    def delete(self, tenant_id: str, user_id: str) -> bool:
        """Delete the user and everything kept about them: rows that reference the user
        (cascade) and the decisions they authored. Return whether the user existed."""
        ...


class AuditLog(Protocol):
    """Append-only: there is no update and no delete, here or anywhere in the store."""

    def append(
        self,
        tenant_id: str,
        *,
        actor: str,
        action: str,
        target: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> AuditEntry:
        """Append an entry; return it with its id (increasing). Raises NotFoundError for an
        unknown tenant."""
        ...

    def list(self, tenant_id: str, *, after_id: int = 0, limit: int = 100) -> list[AuditEntry]:
        """This tenant's entries with id > ``after_id``, oldest first, at most ``limit``."""
        ...


# --- shared plumbing -----------------------------------------------------------------------


def _now() -> datetime:
    return datetime.now(UTC)


def _new_id() -> str:
    return uuid.uuid4().hex


def _check_str(name: str, value: str | None, max_length: int, *, required: bool = True) -> None:
    # Checked here so that SQLite (which ignores VARCHAR lengths) and PostgreSQL agree.
    if value is None:
        if required:
            raise InputError(f"{name} is required")
        return
    if not isinstance(value, str) or (required and not value):
        raise InputError(f"{name} must be a non-empty string")
    if len(value) > max_length:
        raise InputError(f"{name} is longer than {max_length} characters")


def _storable(text: str | None) -> str | None:
    # PostgreSQL text cannot hold NUL; SQLite can. Store the same thing on both.
    return None if text is None else text.replace("\x00", "\ufffd")


def _cap(limit: int) -> int:
    return max(0, min(limit, MAX_LIST))


class Database:
    """Sessions with errors translated; SQLite writes go one at a time (BEGIN IMMEDIATE)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._read = sessionmaker(engine, expire_on_commit=False)
        self._writer = engine.execution_options(**{WRITE: True})
        self._write = sessionmaker(self._writer, expire_on_commit=False)
        # PostgreSQL: one statement that commits by itself costs one round trip, where
        # BEGIN, the statement and COMMIT cost three (see execute_one).
        self.single_statement = engine.dialect.name == "postgresql"
        self._lock: AbstractContextManager[Any] = (
            threading.Lock() if engine.dialect.name == "sqlite" else nullcontext()
        )
        # statements compiled for the driver: see execute_one and execute_in_transaction
        self._raw: dict[Any, _RawStatement] = {}

    @contextmanager
    def read(self) -> Iterator[Session]:
        try:
            with self._read() as session, session.begin():
                yield session
        except DBAPIError as exc:
            raise StorageError(f"database read failed: {exc.orig}") from exc

    @contextmanager
    def write(self, conflict: str = "the write conflicts with existing data") -> Iterator[Session]:
        try:
            with self._lock, self._write() as session, session.begin():
                yield session
        except IntegrityError as exc:
            raise ConflictError(conflict, details={"cause": str(exc.orig)}) from exc
        except DBAPIError as exc:
            raise StorageError(f"database write failed: {exc.orig}") from exc

    def execute_one(
        self,
        statement: ClauseElement,
        params: Mapping[str, Any],
        conflict: str = "the write conflicts with existing data",
    ) -> None:
        """Run one statement that commits by itself (autocommit: atomic as a statement is, with
        no BEGIN and COMMIT round trips) on the driver's own pooled connection. PostgreSQL only
        (``single_statement``): for the hottest write, a kept decision, where SQLAlchemy's
        execution around the statement (connection, context, result) cost as much as psycopg's
        own work (measured: 250 -> 145 us of CPU a write). The SQL is SQLAlchemy's compilation
        of ``statement`` and the values go through the columns' own bind processors (JSON, UTC
        times), so the row is the one SQLAlchemy would write. Errors as in :meth:`write`; a
        connection the server dropped is discarded with the whole pool, as SQLAlchemy does."""
        import psycopg  # the PostgreSQL driver (imported once; later a dictionary lookup)

        raw_statement = self._raw.get(statement)
        if raw_statement is None:
            raw_statement = self._raw[statement] = _RawStatement(statement, self.engine.dialect)
        values = raw_statement.values(params)
        pooled = self.engine.raw_connection()
        driver: Any = pooled.driver_connection
        try:
            driver.autocommit = True
            try:
                with driver.cursor() as cursor:
                    cursor.execute(raw_statement.sql, values, prepare=True)
            finally:
                if not driver.closed:
                    driver.autocommit = False
        except psycopg.IntegrityError as exc:
            raise ConflictError(conflict, details={"cause": str(exc)}) from exc
        except psycopg.Error as exc:
            if driver.closed or driver.broken:
                pooled.invalidate(exc)
                self.engine.dispose(close=False)  # the others are likely dead too: new pool
            raise StorageError(f"database write failed: {exc}") from exc
        finally:
            pooled.close()

    def execute_in_transaction(
        self,
        steps: Sequence[tuple[ClauseElement, Mapping[str, Any]]],
        conflict: str = "the write conflicts with existing data",
    ) -> None:
        """SQLite: run the statements in one ``BEGIN IMMEDIATE`` transaction on the driver's
        own pooled connection, all or none. For the hottest write, a kept decision, where
        SQLAlchemy's execution around the statements cost six times sqlite3's own work
        (measured: 174 -> 40 us a decision). The SQL and the values are made as in
        :meth:`execute_one`, so the rows are the ones SQLAlchemy would write. Errors as in
        :meth:`write`; writers take turns as in :meth:`write`."""
        import sqlite3  # the SQLite driver

        prepared = []
        for statement, params in steps:
            key = (statement, tuple(params))
            raw_statement = self._raw.get(key)
            if raw_statement is None:
                raw_statement = self._raw[key] = _RawStatement(
                    statement, self.engine.dialect, column_keys=list(params)
                )
            prepared.append((raw_statement.sql, raw_statement.values(params)))
        with self._lock:
            pooled = self.engine.raw_connection()
            try:
                driver: Any = pooled.driver_connection
                driver.execute("BEGIN IMMEDIATE")
                try:
                    for sql, values in prepared:
                        driver.execute(sql, values)
                    driver.execute("COMMIT")
                except BaseException:
                    if driver.in_transaction:
                        driver.execute("ROLLBACK")
                    raise
            except sqlite3.IntegrityError as exc:
                raise ConflictError(conflict, details={"cause": str(exc)}) from exc
            except sqlite3.Error as exc:
                raise StorageError(f"database write failed: {exc}") from exc
            finally:
                pooled.close()

    @contextmanager
    def write_core(
        self, conflict: str = "the write conflicts with existing data"
    ) -> Iterator[Connection]:
        """As :meth:`write`, with a Core connection instead of an ORM session: for the hot
        inserts, where the session's unit of work costs more than the statements."""
        try:
            with self._lock, self._writer.begin() as connection:
                yield connection
        except IntegrityError as exc:
            raise ConflictError(conflict, details={"cause": str(exc.orig)}) from exc
        except DBAPIError as exc:
            raise StorageError(f"database write failed: {exc.orig}") from exc


class _RawStatement:
    """A statement compiled once for the driver: its SQL, and how a row's values become the
    driver's parameters (bound literals of the statement added, the columns' bind processors
    applied), exactly as SQLAlchemy's own execution would make them."""

    def __init__(
        self, statement: ClauseElement, dialect: Dialect, column_keys: Sequence[str] | None = None
    ) -> None:
        compiled = statement.compile(dialect=dialect, column_keys=column_keys)
        if not isinstance(compiled, SQLCompiler):  # DDL has no parameters to bind
            raise TypeError(f"not a DML or SELECT statement: {statement!r}")
        self.compiled = compiled
        self.sql = str(self.compiled)
        self.processors = {
            name: processor
            for name, bind in self.compiled.binds.items()
            if (processor := bind.type.bind_processor(dialect)) is not None
        }

    def values(self, params: Mapping[str, Any]) -> dict[str, Any] | tuple[Any, ...]:
        """The driver's parameters: a dict for named styles (psycopg), a tuple in the
        statement's order for positional ones (sqlite3's ``?``)."""
        values: dict[str, Any] = dict(self.compiled.construct_params(dict(params)) or {})
        for name, processor in self.processors.items():
            if name in values:
                values[name] = processor(values[name])
        order = self.compiled.positiontup
        return tuple(values[name] for name in order) if order is not None else values


def _tenant_exists(session: Session, tenant_id: str) -> bool:
    return session.get(TenantRow, tenant_id) is not None


def _require_tenant(session: Session, tenant_id: str) -> None:
    if not _tenant_exists(session, tenant_id):
        raise NotFoundError("no such tenant", details={"tenant_id": tenant_id})


# --- implementations -----------------------------------------------------------------------


def _key_record(row: ApiKeyRow) -> ApiKeyRecord:
    role: Role = "admin" if row.role == "admin" else "app"
    return ApiKeyRecord(row.id, row.tenant_id, row.prefix, role, row.created_at, row.revoked_at)


def _hash_secret(secret: str) -> str:
    # The secret carries 256 random bits, so a fast hash is enough (no password stretching).
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class SqlTenantStore:
    """TenantStore on SQLAlchemy."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def create_tenant(self, name: str) -> Tenant:
        _check_str("name", name, 200)
        row = TenantRow(id=_new_id(), name=name, created_at=_now())
        with self._db.write() as s:
            s.add(row)
        return Tenant(row.id, row.name, row.created_at)

    def get_tenant(self, tenant_id: str) -> Tenant | None:
        with self._db.read() as s:
            row = s.get(TenantRow, tenant_id)
            return None if row is None else Tenant(row.id, row.name, row.created_at)

    def list_tenants(self) -> list[Tenant]:
        with self._db.read() as s:
            rows = s.scalars(select(TenantRow).order_by(TenantRow.created_at, TenantRow.id))
            return [Tenant(r.id, r.name, r.created_at) for r in rows]

    def create_api_key(self, tenant_id: str, role: Role = "app") -> tuple[ApiKeyRecord, str]:
        if role not in ("app", "admin"):
            raise InputError("role must be 'app' or 'admin'", details={"role": role})
        prefix = secrets.token_hex(6)
        secret = f"{KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
        row = ApiKeyRow(
            id=_new_id(),
            tenant_id=tenant_id,
            prefix=prefix,
            hash=_hash_secret(secret),
            role=role,
            created_at=_now(),
            revoked_at=None,
        )
        with self._db.write() as s:
            _require_tenant(s, tenant_id)
            s.add(row)
        return _key_record(row), secret

    def authenticate(self, secret: str) -> ApiKeyRecord | None:
        if not isinstance(secret, str) or len(secret) > 200:
            return None
        parts = secret.split("_", 2)
        if len(parts) != 3 or parts[0] != KEY_PREFIX:
            return None
        digest = _hash_secret(secret)
        with self._db.read() as s:
            row = s.scalars(select(ApiKeyRow).where(ApiKeyRow.prefix == parts[1])).one_or_none()
            stored = row.hash if row is not None else "0" * 64
            matches = hmac.compare_digest(stored.encode(), digest.encode())
            if row is None or not matches or row.revoked_at is not None:
                return None
            return _key_record(row)

    def revoke_key(self, tenant_id: str, key_id: str) -> ApiKeyRecord:
        with self._db.write() as s:
            row = s.scalars(
                select(ApiKeyRow).where(ApiKeyRow.id == key_id, ApiKeyRow.tenant_id == tenant_id)
            ).one_or_none()
            if row is None:
                raise NotFoundError("no such API key", details={"key_id": key_id})
            if row.revoked_at is None:
                row.revoked_at = _now()
            return _key_record(row)

    def list_keys(self, tenant_id: str) -> list[ApiKeyRecord]:
        with self._db.read() as s:
            rows = s.scalars(
                select(ApiKeyRow)
                .where(ApiKeyRow.tenant_id == tenant_id)
                .order_by(ApiKeyRow.created_at, ApiKeyRow.id)
            )
            return [_key_record(r) for r in rows]


def _decision(row: DecisionRow) -> DecisionRecord:
    return DecisionRecord(
        row.id,
        row.tenant_id,
        row.surface,
        row.action,
        dict(row.categories),
        list(row.reasons),
        row.text,
        row.author_ref,
        row.created_at,
        row.expires_at,
    )


_DECISIONS = DecisionRow.metadata.tables[DecisionRow.__tablename__]
_REVIEW_ITEMS = ReviewItemRow.metadata.tables[ReviewItemRow.__tablename__]
_INSERT_DECISION = insert(_DECISIONS)
_INSERT_REVIEW_ITEM = insert(_REVIEW_ITEMS)
# PostgreSQL only: the decision and its open review item in one statement. The item shares the
# decision's tenant and time; its own id is "item_id".
_INSERT_DECISION_AND_ITEM = (
    insert(_REVIEW_ITEMS)
    .values(
        id=bindparam("item_id", type_=_REVIEW_ITEMS.c.id.type),
        tenant_id=bindparam("item_tenant_id", type_=_REVIEW_ITEMS.c.tenant_id.type),
        decision_id=bindparam("item_decision_id", type_=_REVIEW_ITEMS.c.decision_id.type),
        status="open",
        created_at=bindparam("item_created_at", type_=_REVIEW_ITEMS.c.created_at.type),
    )
    .add_cte(
        insert(_DECISIONS)
        .values({c.name: bindparam(c.name, type_=c.type) for c in _DECISIONS.columns})
        .cte("decision")
    )
)


class SqlDecisionStore:
    """DecisionStore on SQLAlchemy."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def record_decision(
        self,
        tenant_id: str,
        *,
        surface: str,
        action: str,
        categories: Mapping[str, Any],
        reasons: Sequence[Any],
        text: str | None = None,
        author_ref: str | None = None,
        retention: timedelta = DEFAULT_RETENTION,
    ) -> DecisionRecord:
        record, _ = self.record_and_queue(
            tenant_id,
            surface=surface,
            action=action,
            categories=categories,
            reasons=reasons,
            text=text,
            author_ref=author_ref,
            retention=retention,
        )
        return record

    def record_and_queue(
        self,
        tenant_id: str,
        *,
        surface: str,
        action: str,
        categories: Mapping[str, Any],
        reasons: Sequence[Any],
        text: str | None = None,
        author_ref: str | None = None,
        retention: timedelta = DEFAULT_RETENTION,
        review: bool = False,
    ) -> tuple[DecisionRecord, ReviewItem | None]:
        # Every check that keeps its decision comes through here: Core inserts in one
        # transaction, and no tenant lookup first (the foreign key refuses an unknown tenant;
        # only then is the tenant looked up, to tell NotFoundError from a real conflict).
        if action not in ACTIONS:
            raise InputError(f"unknown action {action!r}", details={"action": action})
        _check_str("surface", surface, 32)
        _check_str("author_ref", author_ref, 200, required=False)
        if retention <= timedelta(0):
            raise InputError("retention must be positive")
        now = _now()
        record = DecisionRecord(
            id=_new_id(),
            tenant_id=tenant_id,
            surface=surface,
            action=action,
            categories=dict(categories),
            reasons=list(reasons),
            text=_storable(text) if action in TEXT_KEPT_FOR else None,
            author_ref=author_ref,
            created_at=now,
            expires_at=now + retention,
        )
        item = None
        if review:
            item = ReviewItem(_new_id(), tenant_id, record.id, "open", now)
        row = {
            "id": record.id,
            "tenant_id": tenant_id,
            "surface": surface,
            "action": action,
            # copies, as the record's: a caller's later change reaches neither
            "categories": dict(record.categories),
            "reasons": list(record.reasons),
            "text": record.text,
            "author_ref": author_ref,
            "created_at": now,
            "expires_at": record.expires_at,
        }
        try:
            if self._db.single_statement:
                # PostgreSQL: one statement (both rows through a data-modifying WITH), one
                # round trip; a statement is atomic, so both rows are written or neither.
                if item is None:
                    self._db.execute_one(_INSERT_DECISION, row)
                else:
                    self._db.execute_one(
                        _INSERT_DECISION_AND_ITEM,
                        {
                            **row,
                            "item_id": item.id,
                            "item_tenant_id": tenant_id,
                            "item_decision_id": record.id,
                            "item_created_at": now,
                        },
                    )
            else:
                steps: list[tuple[ClauseElement, Mapping[str, Any]]] = [(_INSERT_DECISION, row)]
                if item is not None:
                    steps.append(
                        (
                            _INSERT_REVIEW_ITEM,
                            {
                                "id": item.id,
                                "tenant_id": tenant_id,
                                "decision_id": record.id,
                                "status": "open",
                                "created_at": now,
                            },
                        )
                    )
                self._db.execute_in_transaction(steps)
        except ConflictError:
            with self._db.read() as s:
                missing = not _tenant_exists(s, tenant_id)
            if missing:
                raise NotFoundError("no such tenant", details={"tenant_id": tenant_id}) from None
            raise
        return record, item

    def get(self, tenant_id: str, decision_id: str) -> DecisionRecord | None:
        with self._db.read() as s:
            row = s.scalars(
                select(DecisionRow).where(
                    DecisionRow.id == decision_id, DecisionRow.tenant_id == tenant_id
                )
            ).one_or_none()
            return None if row is None else _decision(row)

    def list(
        self, tenant_id: str, *, action: str | None = None, limit: int = 100
    ) -> list[DecisionRecord]:
        query = select(DecisionRow).where(DecisionRow.tenant_id == tenant_id)
        if action is not None:
            query = query.where(DecisionRow.action == action)
        query = query.order_by(DecisionRow.created_at.desc(), DecisionRow.id).limit(_cap(limit))
        with self._db.read() as s:
            return [_decision(r) for r in s.scalars(query)]

    def purge_expired(self, *, now: datetime | None = None) -> int:
        cutoff = now or _now()
        open_item = exists().where(
            and_(ReviewItemRow.decision_id == DecisionRow.id, ReviewItemRow.status == "open")
        )
        with self._db.write() as s:
            result = s.execute(
                delete(DecisionRow).where(DecisionRow.expires_at <= cutoff, ~open_item),
                execution_options={"synchronize_session": False},
            )
            return int(getattr(result, "rowcount", 0) or 0)


def _settings(row: OwnerSettingsRow) -> OwnerSettings:
    return OwnerSettings(
        row.tenant_id, row.owner_id, dict(row.settings), row.version, row.updated_at
    )


class SqlOwnerSettingsStore:
    """OwnerSettingsStore on SQLAlchemy: optimistic concurrency on ``version``."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def get(self, tenant_id: str, owner_id: str) -> OwnerSettings | None:
        with self._db.read() as s:
            row = s.get(OwnerSettingsRow, (tenant_id, owner_id))
            return None if row is None else _settings(row)

    def put(
        self, tenant_id: str, owner_id: str, settings: Mapping[str, Any], *, expected_version: int
    ) -> OwnerSettings:
        _check_str("owner_id", owner_id, 200)
        if expected_version < 0:
            raise InputError("expected_version must be 0 or more")
        stale = "owner settings changed since they were read; read again and retry"
        now = _now()
        values = dict(settings)
        with self._db.write(stale) as s:
            if expected_version == 0:
                _require_tenant(s, tenant_id)
                row = OwnerSettingsRow(
                    tenant_id=tenant_id,
                    owner_id=owner_id,
                    settings=values,
                    version=1,
                    updated_at=now,
                )
                s.add(row)
                s.flush()  # a concurrent first write surfaces here as IntegrityError
                return _settings(row)
            # Compare-and-set in one statement: the database serialises concurrent writers.
            result = s.execute(
                update(OwnerSettingsRow)
                .where(
                    OwnerSettingsRow.tenant_id == tenant_id,
                    OwnerSettingsRow.owner_id == owner_id,
                    OwnerSettingsRow.version == expected_version,
                )
                .values(settings=values, version=expected_version + 1, updated_at=now),
                execution_options={"synchronize_session": False},
            )
            if int(getattr(result, "rowcount", 0) or 0) != 1:
                raise ConflictError(
                    stale, details={"owner_id": owner_id, "expected_version": expected_version}
                )
        return OwnerSettings(tenant_id, owner_id, values, expected_version + 1, now)


def _policy(row: PolicyRow) -> PolicyVersion:
    status: PolicyStatus = row.status  # type: ignore[assignment]  # CHECK constraint holds
    return PolicyVersion(
        row.id, row.tenant_id, row.name, row.version, row.body, status, row.created_at
    )


class SqlPolicyStore:
    """PolicyStore on SQLAlchemy; the database also enforces one active version per name."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def add_version(self, tenant_id: str, name: str, body: str) -> PolicyVersion:
        _check_str("name", name, 200)
        if not isinstance(body, str):
            raise InputError("body must be a string")
        with self._db.write("another version of this policy was added at the same time") as s:
            _require_tenant(s, tenant_id)
            latest = s.scalar(
                select(func.max(PolicyRow.version)).where(
                    PolicyRow.tenant_id == tenant_id, PolicyRow.name == name
                )
            )
            row = PolicyRow(
                id=_new_id(),
                tenant_id=tenant_id,
                name=name,
                version=(latest or 0) + 1,
                body=body,
                status="draft",
                created_at=_now(),
            )
            s.add(row)
            s.flush()
            return _policy(row)

    def activate(self, tenant_id: str, name: str, version: int) -> PolicyVersion:
        with self._db.write("another version of this policy was activated at the same time") as s:
            row = s.scalars(
                select(PolicyRow).where(
                    PolicyRow.tenant_id == tenant_id,
                    PolicyRow.name == name,
                    PolicyRow.version == version,
                )
            ).one_or_none()
            if row is None:
                raise NotFoundError(
                    "no such policy version", details={"name": name, "version": version}
                )
            if row.status != "active":
                s.execute(
                    update(PolicyRow)
                    .where(
                        PolicyRow.tenant_id == tenant_id,
                        PolicyRow.name == name,
                        PolicyRow.status == "active",
                    )
                    .values(status="retired"),
                    execution_options={"synchronize_session": False},
                )
                row.status = "active"
                s.flush()
            return _policy(row)

    def get_active(self, tenant_id: str, name: str) -> PolicyVersion | None:
        with self._db.read() as s:
            row = s.scalars(
                select(PolicyRow).where(
                    PolicyRow.tenant_id == tenant_id,
                    PolicyRow.name == name,
                    PolicyRow.status == "active",
                )
            ).one_or_none()
            return None if row is None else _policy(row)

    def list(self, tenant_id: str, name: str | None = None) -> list[PolicyVersion]:
        query = select(PolicyRow).where(PolicyRow.tenant_id == tenant_id)
        if name is not None:
            query = query.where(PolicyRow.name == name)
        with self._db.read() as s:
            rows = s.scalars(query.order_by(PolicyRow.name, PolicyRow.version))
            return [_policy(r) for r in rows]

    def get_version(self, tenant_id: str, name: str, version: int) -> PolicyVersion | None:
        with self._db.read() as s:
            row = self._row(s, tenant_id, name, version)
            return None if row is None else _policy(row)

    def set_shadow(self, tenant_id: str, name: str, version: int) -> PolicyVersion:
        with self._db.write("another shadow was set at the same time") as s:
            row = self._row(s, tenant_id, name, version)
            if row is None:
                raise NotFoundError(
                    "no such policy version", details={"name": name, "version": version}
                )
            if row.status == "active":
                raise ConflictError(
                    "the active version cannot run in shadow of itself",
                    details={"name": name, "version": version},
                )
            if row.status != "shadow":
                s.execute(
                    update(PolicyRow)
                    .where(
                        PolicyRow.tenant_id == tenant_id,
                        PolicyRow.name == name,
                        PolicyRow.status == "shadow",
                    )
                    .values(status="draft"),
                    execution_options={"synchronize_session": False},
                )
                row.status = "shadow"
                s.flush()
            return _policy(row)

    def get_shadow(self, tenant_id: str, name: str) -> PolicyVersion | None:
        with self._db.read() as s:
            row = s.scalars(
                select(PolicyRow)
                .where(
                    PolicyRow.tenant_id == tenant_id,
                    PolicyRow.name == name,
                    PolicyRow.status == "shadow",
                )
                .order_by(PolicyRow.version.desc())
                .limit(1)
            ).one_or_none()
            return None if row is None else _policy(row)

    def clear_shadow(self, tenant_id: str, name: str) -> PolicyVersion | None:
        with self._db.write() as s:
            rows = list(
                s.scalars(
                    select(PolicyRow).where(
                        PolicyRow.tenant_id == tenant_id,
                        PolicyRow.name == name,
                        PolicyRow.status == "shadow",
                    )
                )
            )
            for row in rows:
                row.status = "draft"
            s.flush()
            return _policy(rows[0]) if rows else None

    @staticmethod
    def _row(s: Session, tenant_id: str, name: str, version: int) -> PolicyRow | None:
        return s.scalars(
            select(PolicyRow).where(
                PolicyRow.tenant_id == tenant_id,
                PolicyRow.name == name,
                PolicyRow.version == version,
            )
        ).one_or_none()


def _shadow(row: ShadowResultRow) -> ShadowResult:
    return ShadowResult(
        row.id,
        row.tenant_id,
        row.name,
        row.live_version,
        row.candidate_version,
        row.surface,
        row.live_action,
        row.candidate_action,
        dict(row.scores),
        row.text,
        row.created_at,
        row.expires_at,
    )


class SqlShadowStore:
    """ShadowStore on SQLAlchemy."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def record(
        self,
        tenant_id: str,
        *,
        name: str,
        live_version: int | None,
        candidate_version: int,
        surface: str,
        live_action: str,
        candidate_action: str,
        scores: Mapping[str, Any],
        text: str | None = None,
        retention: timedelta = DEFAULT_RETENTION,
    ) -> ShadowResult:
        for what, action in (("live_action", live_action), ("candidate_action", candidate_action)):
            if action not in ACTIONS:
                raise InputError(f"unknown {what} {action!r}", details={what: action})
        keep = live_action in TEXT_KEPT_FOR or candidate_action in TEXT_KEPT_FOR
        now = _now()
        row = ShadowResultRow(
            id=_new_id(),
            tenant_id=tenant_id,
            name=name,
            live_version=live_version,
            candidate_version=candidate_version,
            surface=surface,
            live_action=live_action,
            candidate_action=candidate_action,
            scores=dict(scores),
            text=_storable(text) if keep else None,
            created_at=now,
            expires_at=now + retention,
        )
        with self._db.write() as s:
            _require_tenant(s, tenant_id)
            s.add(row)
        return _shadow(row)

    def list(
        self, tenant_id: str, *, name: str | None = None, limit: int = 100
    ) -> list[ShadowResult]:
        query = select(ShadowResultRow).where(ShadowResultRow.tenant_id == tenant_id)
        if name is not None:
            query = query.where(ShadowResultRow.name == name)
        query = query.order_by(ShadowResultRow.created_at.desc(), ShadowResultRow.id).limit(
            _cap(limit)
        )
        with self._db.read() as s:
            return [_shadow(r) for r in s.scalars(query)]

    def purge_expired(self, *, now: datetime | None = None) -> int:
        cutoff = now or _now()
        with self._db.write() as s:
            result = s.execute(
                delete(ShadowResultRow).where(ShadowResultRow.expires_at <= cutoff),
                execution_options={"synchronize_session": False},
            )
            return int(getattr(result, "rowcount", 0) or 0)


def _review(row: ReviewItemRow) -> ReviewItem:
    status: Literal["open", "decided"] = "decided" if row.status == "decided" else "open"
    return ReviewItem(row.id, row.tenant_id, row.decision_id, status, row.created_at)


class SqlReviewStore:
    """ReviewStore on SQLAlchemy."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def enqueue(self, tenant_id: str, decision_id: str) -> ReviewItem:
        row = ReviewItemRow(
            id=_new_id(),
            tenant_id=tenant_id,
            decision_id=decision_id,
            status="open",
            created_at=_now(),
        )
        with self._db.write() as s:
            owned = s.scalar(
                select(DecisionRow.id).where(
                    DecisionRow.id == decision_id, DecisionRow.tenant_id == tenant_id
                )
            )
            if owned is None:
                raise NotFoundError("no such decision", details={"decision_id": decision_id})
            s.add(row)
        return _review(row)

    def list_open(self, tenant_id: str, *, limit: int = 100) -> list[ReviewItem]:
        with self._db.read() as s:
            rows = s.scalars(
                select(ReviewItemRow)
                .where(ReviewItemRow.tenant_id == tenant_id, ReviewItemRow.status == "open")
                .order_by(ReviewItemRow.created_at, ReviewItemRow.id)
                .limit(_cap(limit))
            )
            return [_review(r) for r in rows]

    def mark_decided(self, tenant_id: str, item_id: str) -> ReviewItem:
        with self._db.write() as s:
            row = s.scalars(
                select(ReviewItemRow).where(
                    ReviewItemRow.id == item_id, ReviewItemRow.tenant_id == tenant_id
                )
            ).one_or_none()
            if row is None:
                raise NotFoundError("no such review item", details={"item_id": item_id})
            row.status = "decided"
            return _review(row)


def _user(row: UserRow) -> UserRecord:
    return UserRecord(
        row.tenant_id,
        row.user_id,
        row.age_band,
        row.birth_date,
        row.country,
        row.language,
        row.timezone,
        row.created_at,
        row.updated_at,
    )


class SqlUserStore:
    """UserStore on SQLAlchemy."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def put(
        self,
        tenant_id: str,
        user_id: str,
        *,
        age_band: str | None,
        birth_date: date | None,
        country: str | None,
        language: str | None,
        timezone: str,
    ) -> tuple[UserRecord, bool]:
        _check_str("user_id", user_id, 200)
        _check_str("country", country, 2, required=False)
        _check_str("language", language, 16, required=False)
        _check_str("timezone", timezone, 64)
        if birth_date is not None:
            age_band = None
        now = _now()
        with self._db.write("the user was written twice at the same time") as s:
            _require_tenant(s, tenant_id)
            row = s.get(UserRow, (tenant_id, user_id))
            created = row is None
            if row is None:
                row = UserRow(tenant_id=tenant_id, user_id=user_id, created_at=now)
                s.add(row)
            row.age_band = age_band
            row.birth_date = birth_date
            row.country = country
            row.language = language
            row.timezone = timezone
            row.updated_at = now
            s.flush()
            return _user(row), created

    def get(self, tenant_id: str, user_id: str) -> UserRecord | None:
        with self._db.read() as s:
            row = s.get(UserRow, (tenant_id, user_id))
            return None if row is None else _user(row)

    def get_many(self, tenant_id: str, user_ids: Sequence[str]) -> dict[str, UserRecord]:
        ids = list(dict.fromkeys(user_ids))
        if not ids:
            return {}
        with self._db.read() as s:
            rows = s.scalars(
                select(UserRow).where(UserRow.tenant_id == tenant_id, UserRow.user_id.in_(ids))
            )
            return {r.user_id: _user(r) for r in rows}

    def delete(self, tenant_id: str, user_id: str) -> bool:
        with self._db.write() as s:
            s.execute(
                delete(DecisionRow).where(
                    DecisionRow.tenant_id == tenant_id, DecisionRow.author_ref == user_id
                ),
                execution_options={"synchronize_session": False},
            )
            row = s.get(UserRow, (tenant_id, user_id))
            if row is None:
                return False
            s.delete(row)
            return True


def _audit(row: AuditRow) -> AuditEntry:
    return AuditEntry(
        row.id, row.tenant_id, row.actor, row.action, row.target, dict(row.details), row.created_at
    )


class SqlAuditLog:
    """AuditLog on SQLAlchemy: ``append`` and ``list`` only."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def append(
        self,
        tenant_id: str,
        *,
        actor: str,
        action: str,
        target: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> AuditEntry:
        _check_str("actor", actor, 200)
        _check_str("action", action, 100)
        _check_str("target", target, 200, required=False)
        row = AuditRow(
            tenant_id=tenant_id,
            actor=actor,
            action=action,
            target=target,
            details=dict(details or {}),
            created_at=_now(),
        )
        with self._db.write() as s:
            _require_tenant(s, tenant_id)
            s.add(row)
            s.flush()
            return _audit(row)

    def list(self, tenant_id: str, *, after_id: int = 0, limit: int = 100) -> list[AuditEntry]:
        with self._db.read() as s:
            rows = s.scalars(
                select(AuditRow)
                .where(AuditRow.tenant_id == tenant_id, AuditRow.id > after_id)
                .order_by(AuditRow.id)
                .limit(_cap(limit))
            )
            return [_audit(r) for r in rows]
