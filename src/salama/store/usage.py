"""Screen-time storage: usage events, per-user limits, unlocks, approval requests, passcodes and
wrong-passcode attempts. Tenant-scoped like every repository (``repos.py``): another tenant's rows
read as absent. Rows reference their user (tenant_id, user_id) with ON DELETE CASCADE.

``add_events`` is the ingestion path: one transaction per batch, two statements (which of the
batch's users exist; one ``INSERT ... ON CONFLICT DO NOTHING RETURNING`` of all the rows, on the
(tenant, user, device, key) unique constraint), so a replayed heartbeat changes nothing; it
returns only after the commit, so whatever it reports as inserted is durable. The insert is a
Core statement whose SQL is the same for every batch (compiled once; on PostgreSQL the rows
travel as arrays through ``unnest``), since compiling a fresh multi-row VALUES per batch cost
more than the database's work.

Wrong-passcode attempts are counted atomically (``claim_attempt``): the count in the window and
the new attempt are read and written in one transaction holding the user's row (``SELECT ...
FOR UPDATE`` on PostgreSQL; SQLite writes are serialised), so concurrent attempts can neither
lose a failure nor all pass a check made before any of them was counted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from sqlalchemy import Table, bindparam, delete, select, text, update
from sqlalchemy.dialects import sqlite
from sqlalchemy.dialects.postgresql import insert as _pg_insert
from sqlalchemy.orm import Session

from salama.errors import ConflictError
from salama.store.models import (
    UnlockAttemptRow,
    UnlockRequestRow,
    UsageEventRow,
    UsageLimitsRow,
    UsagePasscodeRow,
    UsageUnlockRow,
    UserRow,
    UserZoneChangeRow,
)
from salama.store.repos import Database, UserRecord, _check_str, _new_id, _now, _user

__all__ = [
    "AddedEvents",
    "NewUsageEvent",
    "SqlUsageStore",
    "UnlockRecord",
    "UnlockRequestRecord",
    "UsageEventRecord",
    "UsageLimitsRecord",
    "UsageStore",
    "ZoneChangeRecord",
]

EventKind = Literal["heartbeat", "session"]


@dataclass(frozen=True, slots=True)
class NewUsageEvent:
    user_id: str
    device_id: str
    key: str
    at: datetime
    foreground: bool
    kind: EventKind = "heartbeat"


@dataclass(frozen=True, slots=True)
class UsageEventRecord:
    user_id: str
    device_id: str
    key: str
    at: datetime
    foreground: bool
    kind: EventKind


@dataclass(frozen=True, slots=True)
class AddedEvents:
    """What ``add_events`` did, by index in the batch: ``inserted``, ``duplicates`` (the key was
    already stored, or repeated in the batch) and ``unknown_user`` (nothing written)."""

    inserted: tuple[int, ...]
    duplicates: tuple[int, ...]
    unknown_user: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class UsageLimitsRecord:
    tenant_id: str
    user_id: str
    settings: dict[str, Any]
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class UnlockRecord:
    id: str
    tenant_id: str
    user_id: str
    granted_by: str
    method: str
    minutes: int | None
    rest_of_day: bool
    minutes_used_at_grant: float | None
    request_id: str | None
    at: datetime


@dataclass(frozen=True, slots=True)
class UnlockRequestRecord:
    id: str
    tenant_id: str
    user_id: str
    minutes: int | None
    rest_of_day: bool
    status: Literal["pending", "approved"]
    created_at: datetime
    decided_at: datetime | None
    decided_by: str | None


@dataclass(frozen=True, slots=True)
class ZoneChangeRecord:
    """From ``at`` on, the user's days are cut in ``to_zone`` (before: ``from_zone``)."""

    at: datetime
    from_zone: str
    to_zone: str


class UsageStore(Protocol):
    def add_events(self, tenant_id: str, events: Sequence[NewUsageEvent]) -> AddedEvents:
        """Insert the batch in one transaction; returns after the commit. Events of users the
        tenant does not have are not written (``unknown_user``); an event whose (user, device,
        key) is stored already is a duplicate and changes nothing."""
        ...

    def events(
        self, tenant_id: str, user_id: str, start: datetime, end: datetime
    ) -> list[UsageEventRecord]:
        """The user's events with ``start <= at < end``, in time order."""
        ...

    def get_limits(self, tenant_id: str, user_id: str) -> UsageLimitsRecord | None: ...

    def put_limits(
        self, tenant_id: str, user_id: str, settings: dict[str, Any]
    ) -> UsageLimitsRecord:
        """Replace the user's overrides. NotFoundError-like ConflictError when no such user."""
        ...

    def add_unlock(
        self,
        tenant_id: str,
        user_id: str,
        *,
        granted_by: str,
        method: str,
        at: datetime,
        minutes: int | None,
        rest_of_day: bool,
        minutes_used_at_grant: float | None,
    ) -> UnlockRecord: ...

    def unlocks(
        self, tenant_id: str, user_id: str, start: datetime, end: datetime
    ) -> list[UnlockRecord]:
        """The user's unlocks granted with ``start <= at < end``, in time order."""
        ...

    def create_request(
        self, tenant_id: str, user_id: str, *, minutes: int | None, rest_of_day: bool, at: datetime
    ) -> UnlockRequestRecord: ...

    def get_request(self, tenant_id: str, request_id: str) -> UnlockRequestRecord | None: ...

    def approve_request(
        self,
        tenant_id: str,
        request_id: str,
        *,
        parent_id: str,
        at: datetime,
        minutes: int | None,
        rest_of_day: bool,
        minutes_used_at_grant: float | None,
    ) -> UnlockRecord:
        """Mark a pending request approved and record its unlock, in one transaction.
        ConflictError when it was approved already (by this call's rival too)."""
        ...

    def get_passcode(self, tenant_id: str, user_id: str) -> str | None: ...

    def status_inputs(
        self, tenant_id: str, user_id: str, since: datetime
    ) -> tuple[UserRecord | None, dict[str, Any] | None, list[UnlockRecord]]:
        """What a status needs from the database, in one read: the user, their limit
        overrides, and their unlocks granted at ``since`` or later."""
        ...

    def set_passcode(self, tenant_id: str, user_id: str, hashed: str) -> None: ...

    def failures(self, tenant_id: str, user_id: str) -> list[datetime]: ...

    def set_failures(self, tenant_id: str, user_id: str, failures: Sequence[datetime]) -> None: ...

    def claim_attempt(
        self, tenant_id: str, user_id: str, at: datetime, *, since: datetime, max_failures: int
    ) -> tuple[bool, list[datetime]]:
        """Atomically, in one transaction: the user's failures later than ``since``; when fewer
        than ``max_failures``, ``at`` joins them (the attempt counts as a failure until
        :meth:`release_attempt`) and ``(True, failures)`` is returned; otherwise ``(False,
        failures)`` and nothing changes. Concurrent claims never exceed ``max_failures`` nor
        lose one another's. NotFoundError when no such user."""
        ...

    def release_attempt(self, tenant_id: str, user_id: str, at: datetime) -> None:
        """Forget one claimed attempt at ``at`` (it turned out right); no-op when none."""
        ...

    def pending_requests(
        self, tenant_id: str, user_id: str, since: datetime
    ) -> list[UnlockRequestRecord]:
        """The user's pending approval requests created at ``since`` or later, oldest first."""
        ...

    def zone_changes(self, tenant_id: str, user_id: str) -> list[ZoneChangeRecord]:
        """The user's recorded time-zone changes, oldest first."""
        ...

    def record_zone_change(
        self, tenant_id: str, user_id: str, change: ZoneChangeRecord, *, keep_since: datetime
    ) -> None:
        """In one transaction: forget changes before ``keep_since`` and those at or after
        ``change.at`` (a change replaces what it re-cuts), then add ``change``. NotFoundError
        when no such user."""
        ...


def _event(row: UsageEventRow) -> UsageEventRecord:
    kind: EventKind = "session" if row.kind == "session" else "heartbeat"
    return UsageEventRecord(row.user_id, row.device_id, row.key, row.at, row.foreground, kind)


def _unlock(row: UsageUnlockRow) -> UnlockRecord:
    return UnlockRecord(
        row.id,
        row.tenant_id,
        row.user_id,
        row.granted_by,
        row.method,
        row.minutes,
        row.rest_of_day,
        row.minutes_used_at_grant,
        row.request_id,
        row.at,
    )


def _request(row: UnlockRequestRow) -> UnlockRequestRecord:
    status: Literal["pending", "approved"] = "approved" if row.status == "approved" else "pending"
    return UnlockRequestRecord(
        row.id,
        row.tenant_id,
        row.user_id,
        row.minutes,
        row.rest_of_day,
        status,
        row.created_at,
        row.decided_at,
        row.decided_by,
    )


def _require_user(s: Session, tenant_id: str, user_id: str) -> None:
    from salama.errors import NotFoundError

    if s.get(UserRow, (tenant_id, user_id)) is None:
        raise NotFoundError("no such user", details={"user_id": user_id})


_EVENTS: Table = UsageEventRow.__table__  # type: ignore[assignment]
_KNOWN_USERS = select(UserRow.user_id).where(
    UserRow.tenant_id == bindparam("tenant_id"),
    UserRow.user_id.in_(bindparam("users", expanding=True)),
)
# SQLite: one statement per batch too (SQLAlchemy's "insertmanyvalues" folds the executemany
# into a multi-row INSERT ... RETURNING), compiled once.
_SQLITE_INSERT_EVENTS = (
    sqlite.insert(_EVENTS)
    .on_conflict_do_nothing(index_elements=["tenant_id", "user_id", "device_id", "key"])
    .returning(_EVENTS.c.user_id, _EVENTS.c.device_id, _EVENTS.c.key)
)
# PostgreSQL: the rows as eight arrays, whatever the batch size: the same SQL every time.
_PG_INSERT_EVENTS = text(
    """
    INSERT INTO usage_events
        (tenant_id, user_id, device_id, key, kind, foreground, at, received_at)
    SELECT :tenant_id, v.user_id, v.device_id, v.key, v.kind, v.foreground, v.at, :received_at
    FROM unnest(
        CAST(:users AS varchar[]), CAST(:devices AS varchar[]), CAST(:keys AS varchar[]),
        CAST(:kinds AS varchar[]), CAST(:foregrounds AS boolean[]), CAST(:ats AS timestamptz[])
    ) AS v(user_id, device_id, key, kind, foreground, at)
    ON CONFLICT (tenant_id, user_id, device_id, key) DO NOTHING
    RETURNING user_id, device_id, key
    """
)


class SqlUsageStore:
    """UsageStore on SQLAlchemy (SQLite or PostgreSQL)."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._dialect = db.engine.dialect.name

    def add_events(self, tenant_id: str, events: Sequence[NewUsageEvent]) -> AddedEvents:
        for e in events:
            _check_str("user_id", e.user_id, 200)
            _check_str("device_id", e.device_id, 200)
            _check_str("key", e.key, 200)
        if not events:
            return AddedEvents((), (), ())
        now = _now()
        wanted = list(dict.fromkeys(e.user_id for e in events))
        with self._db.write_core("usage events conflict with a concurrent write") as conn:
            known = set(conn.scalars(_KNOWN_USERS, {"tenant_id": tenant_id, "users": wanted}))
            unknown: list[int] = []
            first: dict[tuple[str, str, str], int] = {}
            repeated: list[int] = []
            for i, e in enumerate(events):
                if e.user_id not in known:
                    unknown.append(i)
                    continue
                ident = (e.user_id, e.device_id, e.key)
                if ident in first:
                    repeated.append(i)
                else:
                    first[ident] = i
            inserted: set[tuple[str, str, str]] = set()
            if first:
                batch = [events[i] for i in first.values()]
                if self._dialect == "postgresql":
                    result = conn.execute(
                        _PG_INSERT_EVENTS,
                        {
                            "tenant_id": tenant_id,
                            "received_at": now,
                            "users": [e.user_id for e in batch],
                            "devices": [e.device_id for e in batch],
                            "keys": [e.key for e in batch],
                            "kinds": [e.kind for e in batch],
                            "foregrounds": [e.foreground for e in batch],
                            "ats": [e.at.astimezone(UTC) for e in batch],
                        },
                    )
                else:
                    result = conn.execute(
                        _SQLITE_INSERT_EVENTS,
                        [
                            {
                                "tenant_id": tenant_id,
                                "user_id": e.user_id,
                                "device_id": e.device_id,
                                "key": e.key,
                                "kind": e.kind,
                                "foreground": e.foreground,
                                "at": e.at.astimezone(UTC),
                                "received_at": now,
                            }
                            for e in batch
                        ],
                    )
                inserted = {(r[0], r[1], r[2]) for r in result}
        # the transaction has committed here: what is reported as inserted is durable
        ok = tuple(sorted(i for ident, i in first.items() if ident in inserted))
        dup = tuple(sorted([i for ident, i in first.items() if ident not in inserted] + repeated))
        return AddedEvents(ok, dup, tuple(unknown))

    def events(
        self, tenant_id: str, user_id: str, start: datetime, end: datetime
    ) -> list[UsageEventRecord]:
        with self._db.read() as s:
            rows = s.scalars(
                select(UsageEventRow)
                .where(
                    UsageEventRow.tenant_id == tenant_id,
                    UsageEventRow.user_id == user_id,
                    UsageEventRow.at >= start,
                    UsageEventRow.at < end,
                )
                .order_by(UsageEventRow.at, UsageEventRow.id)
            )
            return [_event(r) for r in rows]

    def get_limits(self, tenant_id: str, user_id: str) -> UsageLimitsRecord | None:
        with self._db.read() as s:
            row = s.get(UsageLimitsRow, (tenant_id, user_id))
            if row is None:
                return None
            return UsageLimitsRecord(tenant_id, user_id, dict(row.settings), row.updated_at)

    def put_limits(
        self, tenant_id: str, user_id: str, settings: dict[str, Any]
    ) -> UsageLimitsRecord:
        now = _now()
        with self._db.write() as s:
            _require_user(s, tenant_id, user_id)
            row = s.get(UsageLimitsRow, (tenant_id, user_id))
            if row is None:
                row = UsageLimitsRow(tenant_id=tenant_id, user_id=user_id)
                s.add(row)
            row.settings = dict(settings)
            row.updated_at = now
            return UsageLimitsRecord(tenant_id, user_id, dict(settings), now)

    def add_unlock(
        self,
        tenant_id: str,
        user_id: str,
        *,
        granted_by: str,
        method: str,
        at: datetime,
        minutes: int | None,
        rest_of_day: bool,
        minutes_used_at_grant: float | None,
    ) -> UnlockRecord:
        _check_str("granted_by", granted_by, 200)
        row = UsageUnlockRow(
            id=_new_id(),
            tenant_id=tenant_id,
            user_id=user_id,
            granted_by=granted_by,
            method=method,
            minutes=minutes,
            rest_of_day=rest_of_day,
            minutes_used_at_grant=minutes_used_at_grant,
            request_id=None,
            at=at,
        )
        with self._db.write() as s:
            _require_user(s, tenant_id, user_id)
            s.add(row)
            s.flush()
            return _unlock(row)

    def unlocks(
        self, tenant_id: str, user_id: str, start: datetime, end: datetime
    ) -> list[UnlockRecord]:
        with self._db.read() as s:
            rows = s.scalars(
                select(UsageUnlockRow)
                .where(
                    UsageUnlockRow.tenant_id == tenant_id,
                    UsageUnlockRow.user_id == user_id,
                    UsageUnlockRow.at >= start,
                    UsageUnlockRow.at < end,
                )
                .order_by(UsageUnlockRow.at)
            )
            return [_unlock(r) for r in rows]

    def create_request(
        self, tenant_id: str, user_id: str, *, minutes: int | None, rest_of_day: bool, at: datetime
    ) -> UnlockRequestRecord:
        row = UnlockRequestRow(
            id=_new_id(),
            tenant_id=tenant_id,
            user_id=user_id,
            minutes=minutes,
            rest_of_day=rest_of_day,
            status="pending",
            created_at=at,
            decided_at=None,
            decided_by=None,
        )
        with self._db.write() as s:
            _require_user(s, tenant_id, user_id)
            s.add(row)
            s.flush()
            return _request(row)

    def get_request(self, tenant_id: str, request_id: str) -> UnlockRequestRecord | None:
        with self._db.read() as s:
            row = s.get(UnlockRequestRow, request_id)
            if row is None or row.tenant_id != tenant_id:
                return None
            return _request(row)

    def approve_request(
        self,
        tenant_id: str,
        request_id: str,
        *,
        parent_id: str,
        at: datetime,
        minutes: int | None,
        rest_of_day: bool,
        minutes_used_at_grant: float | None,
    ) -> UnlockRecord:
        from salama.errors import NotFoundError

        _check_str("parent_id", parent_id, 200)
        with self._db.write() as s:
            row = s.get(UnlockRequestRow, request_id)
            if row is None or row.tenant_id != tenant_id:
                raise NotFoundError("no such unlock request", details={"id": request_id})
            changed = s.execute(
                update(UnlockRequestRow)
                .where(UnlockRequestRow.id == request_id, UnlockRequestRow.status == "pending")
                .values(status="approved", decided_at=at, decided_by=parent_id)
                .execution_options(synchronize_session=False)
            )
            if getattr(changed, "rowcount", 0) != 1:
                raise ConflictError(
                    "the request was approved already", details={"code": "already_decided"}
                )
            unlock = UsageUnlockRow(
                id=_new_id(),
                tenant_id=tenant_id,
                user_id=row.user_id,
                granted_by=parent_id,
                method="parent_approval",
                minutes=minutes,
                rest_of_day=rest_of_day,
                minutes_used_at_grant=minutes_used_at_grant,
                request_id=request_id,
                at=at,
            )
            s.add(unlock)
            s.flush()
            return _unlock(unlock)

    def status_inputs(
        self, tenant_id: str, user_id: str, since: datetime
    ) -> tuple[UserRecord | None, dict[str, Any] | None, list[UnlockRecord]]:
        with self._db.read() as s:
            user = s.get(UserRow, (tenant_id, user_id))
            if user is None:
                return None, None, []
            limits = s.get(UsageLimitsRow, (tenant_id, user_id))
            rows = s.scalars(
                select(UsageUnlockRow)
                .where(
                    UsageUnlockRow.tenant_id == tenant_id,
                    UsageUnlockRow.user_id == user_id,
                    UsageUnlockRow.at >= since,
                )
                .order_by(UsageUnlockRow.at)
            )
            return (
                _user(user),
                None if limits is None else dict(limits.settings),
                [_unlock(r) for r in rows],
            )

    def get_passcode(self, tenant_id: str, user_id: str) -> str | None:
        with self._db.read() as s:
            row = s.get(UsagePasscodeRow, (tenant_id, user_id))
            return None if row is None else row.hash

    def set_passcode(self, tenant_id: str, user_id: str, hashed: str) -> None:
        _check_str("hash", hashed, 200)
        with self._db.write() as s:
            _require_user(s, tenant_id, user_id)
            row = s.get(UsagePasscodeRow, (tenant_id, user_id))
            if row is None:
                row = UsagePasscodeRow(tenant_id=tenant_id, user_id=user_id)
                s.add(row)
            row.hash = hashed
            row.updated_at = _now()

    def failures(self, tenant_id: str, user_id: str) -> list[datetime]:
        with self._db.read() as s:
            row = s.get(UnlockAttemptRow, (tenant_id, user_id))
            if row is None:
                return []
            return [datetime.fromisoformat(t) for t in row.failures]

    def set_failures(self, tenant_id: str, user_id: str, failures: Sequence[datetime]) -> None:
        with self._db.write() as s:
            if not failures:
                s.execute(
                    delete(UnlockAttemptRow).where(
                        UnlockAttemptRow.tenant_id == tenant_id,
                        UnlockAttemptRow.user_id == user_id,
                    )
                )
                return
            _require_user(s, tenant_id, user_id)
            row = s.get(UnlockAttemptRow, (tenant_id, user_id))
            if row is None:
                row = UnlockAttemptRow(tenant_id=tenant_id, user_id=user_id)
                s.add(row)
            row.failures = [t.astimezone(UTC).isoformat() for t in failures]
            row.updated_at = _now()

    def claim_attempt(
        self, tenant_id: str, user_id: str, at: datetime, *, since: datetime, max_failures: int
    ) -> tuple[bool, list[datetime]]:
        with self._db.write() as s:
            _require_user(s, tenant_id, user_id)
            if self._dialect == "postgresql":
                # the row must exist to be locked: two first attempts race on this insert only
                s.execute(
                    _pg_insert(UnlockAttemptRow)
                    .values(tenant_id=tenant_id, user_id=user_id, failures=[], updated_at=_now())
                    .on_conflict_do_nothing(index_elements=["tenant_id", "user_id"])
                )
            row = s.scalars(
                select(UnlockAttemptRow)
                .where(UnlockAttemptRow.tenant_id == tenant_id, UnlockAttemptRow.user_id == user_id)
                .with_for_update()
            ).one_or_none()
            recent = [] if row is None else [datetime.fromisoformat(t) for t in row.failures]
            recent = sorted(t for t in recent if t > since)
            if len(recent) >= max_failures:
                return False, recent
            recent = sorted([*recent, at.astimezone(UTC)])
            if row is None:
                row = UnlockAttemptRow(tenant_id=tenant_id, user_id=user_id)
                s.add(row)
            row.failures = [t.isoformat() for t in recent]
            row.updated_at = _now()
            return True, recent

    def release_attempt(self, tenant_id: str, user_id: str, at: datetime) -> None:
        with self._db.write() as s:
            row = s.scalars(
                select(UnlockAttemptRow)
                .where(UnlockAttemptRow.tenant_id == tenant_id, UnlockAttemptRow.user_id == user_id)
                .with_for_update()
            ).one_or_none()
            if row is None:
                return
            stamp = at.astimezone(UTC).isoformat()
            kept = list(row.failures)
            if stamp in kept:
                kept.remove(stamp)
                row.failures = kept
                row.updated_at = _now()

    def pending_requests(
        self, tenant_id: str, user_id: str, since: datetime
    ) -> list[UnlockRequestRecord]:
        with self._db.read() as s:
            rows = s.scalars(
                select(UnlockRequestRow)
                .where(
                    UnlockRequestRow.tenant_id == tenant_id,
                    UnlockRequestRow.user_id == user_id,
                    UnlockRequestRow.status == "pending",
                    UnlockRequestRow.created_at >= since,
                )
                .order_by(UnlockRequestRow.created_at, UnlockRequestRow.id)
            )
            return [_request(r) for r in rows]

    def zone_changes(self, tenant_id: str, user_id: str) -> list[ZoneChangeRecord]:
        with self._db.read() as s:
            rows = s.scalars(
                select(UserZoneChangeRow)
                .where(
                    UserZoneChangeRow.tenant_id == tenant_id,
                    UserZoneChangeRow.user_id == user_id,
                )
                .order_by(UserZoneChangeRow.at)
            )
            return [ZoneChangeRecord(r.at, r.from_zone, r.to_zone) for r in rows]

    def record_zone_change(
        self, tenant_id: str, user_id: str, change: ZoneChangeRecord, *, keep_since: datetime
    ) -> None:
        mine = (UserZoneChangeRow.tenant_id == tenant_id, UserZoneChangeRow.user_id == user_id)
        with self._db.write() as s:
            _require_user(s, tenant_id, user_id)
            s.execute(
                delete(UserZoneChangeRow).where(
                    *mine,
                    (UserZoneChangeRow.at < keep_since) | (UserZoneChangeRow.at >= change.at),
                )
            )
            s.add(
                UserZoneChangeRow(
                    tenant_id=tenant_id,
                    user_id=user_id,
                    at=change.at,
                    from_zone=change.from_zone,
                    to_zone=change.to_zone,
                )
            )
