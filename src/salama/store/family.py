"""Family pairing and webhooks in the store: invites (code hash only), pairings, controls,
failed attempts, the tenant's webhook and the webhook outbox.

Every change that the host app is told about writes its events to ``webhook_outbox`` and its
audit entry to ``audit_log`` in the SAME transaction as the change itself, so an event is never
lost (nor sent for a change that rolled back). Events are queued only for a tenant that has a
webhook at that moment. The rules that must hold under concurrency are enforced here:

- an invite is used once: ``UPDATE ... WHERE used_at IS NULL`` (a lost race: ConflictError
  ``invite_used``);
- a teen has at most ``MAX_PARENTS`` parents: the teen's user row is locked (PostgreSQL
  ``SELECT ... FOR UPDATE``; SQLite writers are serialised) before the count and the insert;
- a pairing is unique per (tenant, parent, teen) (its primary key);
- controls are written by compare-and-set on ``version`` while the writing parent is paired.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from salama.errors import ConflictError, InputError, NotFoundError
from salama.family import ControlsState, FamilyEvent, Invite, Pairing
from salama.family.pairing import MAX_PARENTS
from salama.store.models import (
    AuditRow,
    FamilyAttemptRow,
    FamilyControlsRow,
    FamilyInviteRow,
    FamilyPairingRow,
    UserRow,
    WebhookOutboxRow,
    WebhookRow,
)
from salama.store.repos import Database, _require_tenant

__all__ = [
    "Audit",
    "FamilyStore",
    "OutboxItem",
    "SqlFamilyStore",
    "SqlWebhookStore",
    "Webhook",
    "WebhookStore",
]

SECRET_PREFIX = "whsec_"


@dataclass(frozen=True, slots=True)
class Audit:
    """Who did a change, as ``actor_of`` names them, and what to log."""

    actor: str
    action: str
    target: str | None = None
    details: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Webhook:
    tenant_id: str
    url: str
    secret: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class OutboxItem:
    id: int
    event_id: str
    tenant_id: str
    kind: str
    payload: dict[str, Any]
    created_at: datetime
    attempts: int
    next_attempt_at: datetime
    delivered_at: datetime | None
    last_error: str | None


class FamilyStore(Protocol):
    def add_invite(self, invite: Invite, audit: Audit) -> None:
        """Store a new invite (its hash). ConflictError when the code hash exists already in
        this tenant (make a new invite); NotFoundError when the parent is not a user."""
        ...

    def find_invite(self, tenant_id: str, code_hash: str) -> Invite | None: ...

    def invites_of(self, tenant_id: str, parent_id: str) -> list[Invite]: ...

    def accept(
        self, invite: Invite, pairing: Pairing, events: Sequence[FamilyEvent], audit: Audit
    ) -> None:
        """Mark ``invite`` used and add ``pairing`` in one transaction (see the module doc).
        ConflictError ``invite_used`` / ``already_paired`` / ``too_many_parents`` on a race."""
        ...

    def pairings_of_teen(self, tenant_id: str, teen_id: str) -> list[Pairing]: ...

    def pairings_of_parent(self, tenant_id: str, parent_id: str) -> list[Pairing]: ...

    def all_pairings(self, tenant_id: str) -> list[Pairing]: ...

    def has_pairings(self, tenant_id: str) -> bool:
        """Whether the tenant has any pairing at all (one indexed row read)."""
        ...

    def controls(self, tenant_id: str, teen_id: str) -> ControlsState | None: ...

    def save_controls(
        self,
        state: ControlsState,
        *,
        expected_version: int,
        by_parent: str,
        events: Sequence[FamilyEvent],
        audit: Audit,
    ) -> None:
        """Compare-and-set: ConflictError ``stale_version`` when the stored version is not
        ``expected_version``; NotFoundError ``not_paired`` when ``by_parent`` is no longer
        paired with the teen."""
        ...

    def end_pairings(
        self,
        pairings: Sequence[Pairing],
        controls: Mapping[str, ControlsState | None],
        events: Sequence[FamilyEvent],
        audit: Audit,
    ) -> int:
        """Delete ``pairings``; write each teen's ``controls`` (None: delete them). Returns how
        many pairings were deleted (one gone already is skipped)."""
        ...

    def failures(self, tenant_id: str, user_id: str, since: datetime) -> list[datetime]: ...

    def record_failure(
        self, tenant_id: str, user_id: str, at: datetime, keep_after: datetime
    ) -> None:
        """Add a failed attempt at ``at``; forget this user's failures at or before
        ``keep_after``."""
        ...


class WebhookStore(Protocol):
    def put(self, tenant_id: str, url: str) -> Webhook:
        """Set the tenant's webhook URL with a NEW secret (returned, shown once)."""
        ...

    def get(self, tenant_id: str) -> Webhook | None: ...

    def delete(self, tenant_id: str) -> bool: ...

    def due(self, now: datetime, *, limit: int = 50, max_attempts: int = 20) -> list[OutboxItem]:
        """Undelivered events whose next attempt is due, oldest first (all tenants)."""
        ...

    def claim(self, item: OutboxItem, until: datetime) -> bool:
        """Take ``item`` for delivery until ``until`` (other deliverers skip it meanwhile).
        False when another deliverer took it first."""
        ...

    def delivered(self, item_id: int, at: datetime) -> None: ...

    def failed(self, item_id: int, error: str, retry_at: datetime) -> None: ...

    def outbox(self, tenant_id: str) -> list[OutboxItem]: ...


def _now() -> datetime:
    return datetime.now(UTC)


def _invite(row: FamilyInviteRow) -> Invite:
    return Invite(
        tenant_id=row.tenant_id,
        parent_id=row.parent_id,
        code_hash=row.code_hash,
        created_at=row.created_at,
        expires_at=row.expires_at,
        used_at=row.used_at,
        used_by=row.used_by,
    )


def _pairing(row: FamilyPairingRow) -> Pairing:
    return Pairing(row.tenant_id, row.parent_id, row.teen_id, row.since)


def _outbox_item(row: WebhookOutboxRow) -> OutboxItem:
    return OutboxItem(
        row.id,
        row.event_id,
        row.tenant_id,
        row.kind,
        dict(row.payload),
        row.created_at,
        row.attempts,
        row.next_attempt_at,
        row.delivered_at,
        row.last_error,
    )


def _queue_and_audit(
    s: Session, tenant_id: str, events: Iterable[FamilyEvent], audit: Audit
) -> None:
    now = _now()
    if s.get(WebhookRow, tenant_id) is not None:
        for event in events:
            s.add(
                WebhookOutboxRow(
                    event_id=uuid.uuid4().hex,
                    tenant_id=tenant_id,
                    kind=event.kind,
                    payload=event.to_dict(),
                    created_at=now,
                    attempts=0,
                    next_attempt_at=now,
                )
            )
    s.add(
        AuditRow(
            tenant_id=tenant_id,
            actor=audit.actor[:200],
            action=audit.action,
            target=audit.target,
            details=dict(audit.details or {}),
            created_at=now,
        )
    )


def _lock_user(s: Session, tenant_id: str, user_id: str) -> None:
    # PostgreSQL: serialise writers per teen. SQLite: writers are serialised already.
    row = s.execute(
        select(UserRow.user_id)
        .where(UserRow.tenant_id == tenant_id, UserRow.user_id == user_id)
        .with_for_update()
    ).first()
    if row is None:
        raise NotFoundError("no such user", details={"code": "user_not_found", "user_id": user_id})


class SqlFamilyStore:
    """FamilyStore on SQLAlchemy."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def add_invite(self, invite: Invite, audit: Audit) -> None:
        with self._db.write("an invite with this code exists already; make a new one") as s:
            _lock_user(s, invite.tenant_id, invite.parent_id)
            s.add(
                FamilyInviteRow(
                    id=uuid.uuid4().hex,
                    tenant_id=invite.tenant_id,
                    parent_id=invite.parent_id,
                    code_hash=invite.code_hash,
                    created_at=invite.created_at,
                    expires_at=invite.expires_at,
                )
            )
            s.flush()
            _queue_and_audit(s, invite.tenant_id, (), audit)

    def find_invite(self, tenant_id: str, code_hash: str) -> Invite | None:
        with self._db.read() as s:
            row = s.scalars(
                select(FamilyInviteRow).where(
                    FamilyInviteRow.tenant_id == tenant_id,
                    FamilyInviteRow.code_hash == code_hash,
                )
            ).first()
            return None if row is None else _invite(row)

    def invites_of(self, tenant_id: str, parent_id: str) -> list[Invite]:
        with self._db.read() as s:
            rows = s.scalars(
                select(FamilyInviteRow)
                .where(
                    FamilyInviteRow.tenant_id == tenant_id,
                    FamilyInviteRow.parent_id == parent_id,
                    FamilyInviteRow.used_at.is_(None),
                )
                .order_by(FamilyInviteRow.created_at)
            )
            return [_invite(r) for r in rows]

    def accept(
        self, invite: Invite, pairing: Pairing, events: Sequence[FamilyEvent], audit: Audit
    ) -> None:
        if invite.used_at is None or invite.used_by is None:
            raise InputError("accept takes the invite marked used", details={"code": "invalid"})
        tenant_id = pairing.tenant_id
        with self._db.write("this parent and teen are paired already") as s:
            _lock_user(s, tenant_id, pairing.teen_id)
            result = s.execute(
                update(FamilyInviteRow)
                .where(
                    FamilyInviteRow.tenant_id == tenant_id,
                    FamilyInviteRow.code_hash == invite.code_hash,
                    FamilyInviteRow.used_at.is_(None),
                )
                .values(used_at=invite.used_at, used_by=invite.used_by),
                execution_options={"synchronize_session": False},
            )
            if int(getattr(result, "rowcount", 0) or 0) != 1:
                raise ConflictError("this invite was used already", details={"code": "invite_used"})
            parents = list(
                s.scalars(
                    select(FamilyPairingRow.parent_id).where(
                        FamilyPairingRow.tenant_id == tenant_id,
                        FamilyPairingRow.teen_id == pairing.teen_id,
                    )
                )
            )
            if pairing.parent_id in parents:
                raise ConflictError(
                    "this parent and teen are paired already", details={"code": "already_paired"}
                )
            if len(parents) >= MAX_PARENTS:
                raise ConflictError(
                    f"a teen can be paired with at most {MAX_PARENTS} parents",
                    details={"code": "too_many_parents", "limit": MAX_PARENTS},
                )
            s.add(
                FamilyPairingRow(
                    tenant_id=tenant_id,
                    parent_id=pairing.parent_id,
                    teen_id=pairing.teen_id,
                    since=pairing.since,
                )
            )
            s.flush()
            _queue_and_audit(s, tenant_id, events, audit)

    def _pairings(self, tenant_id: str, **where: str) -> list[Pairing]:
        with self._db.read() as s:
            query = select(FamilyPairingRow).where(FamilyPairingRow.tenant_id == tenant_id)
            for name, value in where.items():
                query = query.where(getattr(FamilyPairingRow, name) == value)
            rows = s.scalars(query.order_by(FamilyPairingRow.since, FamilyPairingRow.parent_id))
            return [_pairing(r) for r in rows]

    def pairings_of_teen(self, tenant_id: str, teen_id: str) -> list[Pairing]:
        return self._pairings(tenant_id, teen_id=teen_id)

    def pairings_of_parent(self, tenant_id: str, parent_id: str) -> list[Pairing]:
        return self._pairings(tenant_id, parent_id=parent_id)

    def all_pairings(self, tenant_id: str) -> list[Pairing]:
        return self._pairings(tenant_id)

    def has_pairings(self, tenant_id: str) -> bool:
        with self._db.read() as s:
            found = s.execute(
                select(FamilyPairingRow.teen_id)
                .where(FamilyPairingRow.tenant_id == tenant_id)
                .limit(1)
            ).first()
            return found is not None

    def controls(self, tenant_id: str, teen_id: str) -> ControlsState | None:
        with self._db.read() as s:
            row = s.get(FamilyControlsRow, (tenant_id, teen_id))
            return None if row is None else ControlsState.from_dict(row.state)

    def save_controls(
        self,
        state: ControlsState,
        *,
        expected_version: int,
        by_parent: str,
        events: Sequence[FamilyEvent],
        audit: Audit,
    ) -> None:
        stale = "the controls changed since they were read; read again and retry"
        tenant_id, teen_id = state.tenant_id, state.teen_id
        now = _now()
        with self._db.write(stale) as s:
            _lock_user(s, tenant_id, teen_id)
            if s.get(FamilyPairingRow, (tenant_id, by_parent, teen_id)) is None:
                raise NotFoundError(
                    "this parent is not paired with this teen", details={"code": "not_paired"}
                )
            _write_controls(s, state, expected_version, now, stale)
            _queue_and_audit(s, tenant_id, events, audit)

    def end_pairings(
        self,
        pairings: Sequence[Pairing],
        controls: Mapping[str, ControlsState | None],
        events: Sequence[FamilyEvent],
        audit: Audit,
    ) -> int:
        if not pairings:
            return 0
        tenant_id = pairings[0].tenant_id
        now = _now()
        ended = 0
        with self._db.write() as s:
            for teen_id in sorted({p.teen_id for p in pairings}):
                _lock_user(s, tenant_id, teen_id)
            for p in pairings:
                result = s.execute(
                    delete(FamilyPairingRow).where(
                        FamilyPairingRow.tenant_id == tenant_id,
                        FamilyPairingRow.parent_id == p.parent_id,
                        FamilyPairingRow.teen_id == p.teen_id,
                    ),
                    execution_options={"synchronize_session": False},
                )
                ended += int(getattr(result, "rowcount", 0) or 0)
            if not ended:
                return 0
            for teen_id, state in controls.items():
                if state is None:
                    s.execute(
                        delete(FamilyControlsRow).where(
                            FamilyControlsRow.tenant_id == tenant_id,
                            FamilyControlsRow.teen_id == teen_id,
                        ),
                        execution_options={"synchronize_session": False},
                    )
                else:
                    row = s.get(FamilyControlsRow, (tenant_id, teen_id))
                    if row is not None:
                        # Reset the leaving parent's fields over whatever is stored now.
                        row.state = state.to_dict()
                        row.version = state.version
                        row.updated_at = now
            _queue_and_audit(s, tenant_id, events, audit)
        return ended

    def failures(self, tenant_id: str, user_id: str, since: datetime) -> list[datetime]:
        with self._db.read() as s:
            return list(
                s.scalars(
                    select(FamilyAttemptRow.at)
                    .where(
                        FamilyAttemptRow.tenant_id == tenant_id,
                        FamilyAttemptRow.user_id == user_id,
                        FamilyAttemptRow.at > since,
                    )
                    .order_by(FamilyAttemptRow.at)
                )
            )

    def record_failure(
        self, tenant_id: str, user_id: str, at: datetime, keep_after: datetime
    ) -> None:
        with self._db.write() as s:
            _require_tenant(s, tenant_id)
            s.execute(
                delete(FamilyAttemptRow).where(
                    FamilyAttemptRow.tenant_id == tenant_id,
                    FamilyAttemptRow.user_id == user_id,
                    FamilyAttemptRow.at <= keep_after,
                ),
                execution_options={"synchronize_session": False},
            )
            s.add(FamilyAttemptRow(tenant_id=tenant_id, user_id=user_id[:200], at=at))


def _write_controls(
    s: Session, state: ControlsState, expected_version: int, now: datetime, stale: str
) -> None:
    key = (state.tenant_id, state.teen_id)
    if expected_version == 0:
        if s.get(FamilyControlsRow, key) is not None:
            raise ConflictError(stale, details={"code": "stale_version"})
        s.add(
            FamilyControlsRow(
                tenant_id=state.tenant_id,
                teen_id=state.teen_id,
                state=state.to_dict(),
                version=state.version,
                updated_at=now,
            )
        )
        s.flush()
        return
    result = s.execute(
        update(FamilyControlsRow)
        .where(
            FamilyControlsRow.tenant_id == state.tenant_id,
            FamilyControlsRow.teen_id == state.teen_id,
            FamilyControlsRow.version == expected_version,
        )
        .values(state=state.to_dict(), version=state.version, updated_at=now),
        execution_options={"synchronize_session": False},
    )
    if int(getattr(result, "rowcount", 0) or 0) != 1:
        raise ConflictError(stale, details={"code": "stale_version"})


class SqlWebhookStore:
    """WebhookStore on SQLAlchemy. ``due``/``claim`` work across tenants (the deliverer)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def put(self, tenant_id: str, url: str) -> Webhook:
        secret = SECRET_PREFIX + secrets.token_urlsafe(32)
        now = _now()
        with self._db.write() as s:
            _require_tenant(s, tenant_id)
            row = s.get(WebhookRow, tenant_id)
            if row is None:
                row = WebhookRow(tenant_id=tenant_id, created_at=now)
                s.add(row)
            row.url = url
            row.secret = secret
            row.updated_at = now
            s.flush()
            return Webhook(tenant_id, row.url, row.secret, row.created_at, row.updated_at)

    def get(self, tenant_id: str) -> Webhook | None:
        with self._db.read() as s:
            row = s.get(WebhookRow, tenant_id)
            if row is None:
                return None
            return Webhook(tenant_id, row.url, row.secret, row.created_at, row.updated_at)

    def delete(self, tenant_id: str) -> bool:
        with self._db.write() as s:
            row = s.get(WebhookRow, tenant_id)
            if row is None:
                return False
            s.delete(row)
            return True

    def due(self, now: datetime, *, limit: int = 50, max_attempts: int = 20) -> list[OutboxItem]:
        with self._db.read() as s:
            rows = s.scalars(
                select(WebhookOutboxRow)
                .where(
                    WebhookOutboxRow.delivered_at.is_(None),
                    WebhookOutboxRow.next_attempt_at <= now,
                    WebhookOutboxRow.attempts < max_attempts,
                )
                .order_by(WebhookOutboxRow.id)
                .limit(max(1, min(limit, 1000)))
            )
            return [_outbox_item(r) for r in rows]

    def claim(self, item: OutboxItem, until: datetime) -> bool:
        with self._db.write() as s:
            result = s.execute(
                update(WebhookOutboxRow)
                .where(
                    WebhookOutboxRow.id == item.id,
                    WebhookOutboxRow.delivered_at.is_(None),
                    WebhookOutboxRow.next_attempt_at == item.next_attempt_at,
                )
                .values(next_attempt_at=until),
                execution_options={"synchronize_session": False},
            )
            return int(getattr(result, "rowcount", 0) or 0) == 1

    def delivered(self, item_id: int, at: datetime) -> None:
        with self._db.write() as s:
            s.execute(
                update(WebhookOutboxRow)
                .where(WebhookOutboxRow.id == item_id)
                .values(
                    delivered_at=at,
                    attempts=WebhookOutboxRow.attempts + 1,
                    last_error=None,
                ),
                execution_options={"synchronize_session": False},
            )

    def failed(self, item_id: int, error: str, retry_at: datetime) -> None:
        with self._db.write() as s:
            s.execute(
                update(WebhookOutboxRow)
                .where(WebhookOutboxRow.id == item_id)
                .values(
                    attempts=WebhookOutboxRow.attempts + 1,
                    next_attempt_at=retry_at,
                    last_error=error[:1000],
                ),
                execution_options={"synchronize_session": False},
            )

    def outbox(self, tenant_id: str) -> list[OutboxItem]:
        with self._db.read() as s:
            rows = s.scalars(
                select(WebhookOutboxRow)
                .where(WebhookOutboxRow.tenant_id == tenant_id)
                .order_by(WebhookOutboxRow.id)
                .limit(1000)
            )
            return [_outbox_item(r) for r in rows]
