"""SQLAlchemy 2 models: the tables behind the store.

These rows never leave ``salama.store``: repositories turn them into the dataclasses in
``repos.py``. Every table but ``tenants`` carries ``tenant_id``. Times are stored in UTC and come
back timezone-aware on every backend (SQLite keeps no offset, so ``UTCDateTime`` adds it back).
The Alembic migrations in ``migrations/versions`` create exactly these tables; a test compares
the migrated schema with this metadata on every backend.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from salama.bands import AGE_BANDS

__all__ = [
    "ApiKeyRow",
    "AuditRow",
    "Base",
    "DecisionRow",
    "OwnerSettingsRow",
    "PolicyRow",
    "ReviewItemRow",
    "ShadowResultRow",
    "TenantRow",
    "UTCDateTime",
    "UserRow",
]

# Stable constraint names, so that migrations can name what they create and drop.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ID_LENGTH = 32  # uuid4 hex


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend; naive values are refused."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; pass an aware UTC datetime")
        value = value.astimezone(UTC)
        # SQLite stores text without an offset: store naive UTC there.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


# Integer is what SQLite auto-increments (its ROWID); BigInteger elsewhere.
AutoId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
        list[Any]: JSON(),
    }


class TenantRow(Base):
    __tablename__ = "tenants"

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]


class ApiKeyRow(Base):
    __tablename__ = "api_keys"
    __table_args__ = (CheckConstraint("role IN ('app', 'admin')", name="role"),)

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    prefix: Mapped[str] = mapped_column(String(32), unique=True)
    hash: Mapped[str] = mapped_column(String(64))  # sha256 hex of the whole secret
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class DecisionRow(Base):
    __tablename__ = "decisions"
    __table_args__ = (
        CheckConstraint(
            "action IN ('allow', 'nudge', 'limit', 'hold', 'block', 'support')", name="action"
        ),
        Index("ix_decisions_tenant_id_created_at", "tenant_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    surface: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(16))
    categories: Mapped[dict[str, Any]]
    reasons: Mapped[list[Any]]
    text: Mapped[str | None] = mapped_column(Text)
    author_ref: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)


class OwnerSettingsRow(Base):
    __tablename__ = "owner_settings"

    tenant_id: Mapped[str] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True
    )
    owner_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    settings: Mapped[dict[str, Any]]
    version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime]


class PolicyRow(Base):
    __tablename__ = "policies"
    __table_args__ = (
        UniqueConstraint("tenant_id", "name", "version"),
        CheckConstraint("status IN ('draft', 'active', 'shadow', 'retired')", name="status"),
        # At most one active version per (tenant, name), enforced by the database itself.
        Index(
            "uq_policies_one_active",
            "tenant_id",
            "name",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
    )

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]


class ReviewItemRow(Base):
    __tablename__ = "review_items"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'decided')", name="status"),
        Index("ix_review_items_tenant_id_status_created_at", "tenant_id", "status", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    decision_id: Mapped[str] = mapped_column(
        ForeignKey("decisions.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]


class AuditRow(Base):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_tenant_id_id", "tenant_id", "id"),)

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="RESTRICT"))
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(100))
    target: Mapped[str | None] = mapped_column(String(200))
    details: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]


class ShadowResultRow(Base):
    """Where a shadow policy would have decided otherwise than the live one. The text is kept
    only when either action is one that keeps text (see TEXT_KEPT_FOR), until ``expires_at``."""

    __tablename__ = "shadow_results"
    __table_args__ = (
        Index("ix_shadow_results_tenant_id_name_created_at", "tenant_id", "name", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    live_version: Mapped[int | None] = mapped_column(Integer)  # None: the shipped default
    candidate_version: Mapped[int] = mapped_column(Integer)
    surface: Mapped[str] = mapped_column(String(32))
    live_action: Mapped[str] = mapped_column(String(16))
    candidate_action: Mapped[str] = mapped_column(String(16))
    scores: Mapped[dict[str, Any]]
    text: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)


class UserRow(Base):
    """A host app's user, with the least Salama needs: an age band or a birth date (to end a
    family pairing at 18), country, language, time zone. No name, no contact."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(
            f"age_band IS NULL OR age_band IN ({', '.join(repr(b) for b in AGE_BANDS)})",
            name="age_band",
        ),
    )

    tenant_id: Mapped[str] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    age_band: Mapped[str | None] = mapped_column(String(16))
    birth_date: Mapped[date | None] = mapped_column(Date)
    country: Mapped[str | None] = mapped_column(String(2))
    language: Mapped[str | None] = mapped_column(String(16))
    timezone: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


# --- family pairing and webhooks (migration 0005) -------------------------------------------

from sqlalchemy import ForeignKeyConstraint  # noqa: E402  (appended section)


class FamilyInviteRow(Base):
    """A parent's invite: the hash of its code only (``salama.family.hash_code``), never the
    code. Deleting the parent (a user) deletes their invites."""

    __tablename__ = "family_invites"
    __table_args__ = (
        UniqueConstraint("tenant_id", "code_hash"),
        ForeignKeyConstraint(
            ["tenant_id", "parent_id"],
            ["users.tenant_id", "users.user_id"],
            ondelete="CASCADE",
            name="fk_family_invites_parent_users",
        ),
        Index("ix_family_invites_tenant_id_parent_id", "tenant_id", "parent_id"),
    )

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    parent_id: Mapped[str] = mapped_column(String(200))
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    used_by: Mapped[str | None] = mapped_column(String(200))


class FamilyPairingRow(Base):
    """A parent and a teen of one tenant; deleting either user deletes the link."""

    __tablename__ = "family_pairings"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "parent_id"],
            ["users.tenant_id", "users.user_id"],
            ondelete="CASCADE",
            name="fk_family_pairings_parent_users",
        ),
        ForeignKeyConstraint(
            ["tenant_id", "teen_id"],
            ["users.tenant_id", "users.user_id"],
            ondelete="CASCADE",
            name="fk_family_pairings_teen_users",
        ),
        Index("ix_family_pairings_tenant_id_teen_id", "tenant_id", "teen_id"),
    )

    tenant_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    parent_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    teen_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    since: Mapped[datetime]


class FamilyControlsRow(Base):
    """A teen's controls: ``ControlsState.to_dict()`` (passcode as its scrypt hash only), with
    ``version`` for compare-and-set."""

    __tablename__ = "family_controls"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "teen_id"],
            ["users.tenant_id", "users.user_id"],
            ondelete="CASCADE",
            name="fk_family_controls_teen_users",
        ),
    )

    tenant_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    teen_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    state: Mapped[dict[str, Any]]
    version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime]


class FamilyAttemptRow(Base):
    """One failed invite acceptance by an acting user: rows, not a counter, so that concurrent
    failures in several processes never overwrite each other."""

    __tablename__ = "family_attempts"
    __table_args__ = (
        Index("ix_family_attempts_tenant_id_user_id_at", "tenant_id", "user_id", "at"),
    )

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime]


class WebhookRow(Base):
    """A tenant's webhook: where to POST events, and the secret that signs them (kept as-is:
    signing needs it)."""

    __tablename__ = "webhooks"

    tenant_id: Mapped[str] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True
    )
    url: Mapped[str] = mapped_column(String(2000))
    secret: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class WebhookOutboxRow(Base):
    """An event waiting for delivery, written in the same transaction as the change."""

    __tablename__ = "webhook_outbox"
    __table_args__ = (
        Index("ix_webhook_outbox_delivered_at_next_attempt_at", "delivered_at", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(ID_LENGTH), unique=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)


# --- screen time (salama.wellbeing), migration 0004 -----------------------------------------

from sqlalchemy import Boolean, Float  # noqa: E402  (appended section)
from sqlalchemy import ForeignKeyConstraint as _UsageFK  # noqa: E402


def _usage_user_fk() -> _UsageFK:
    return _UsageFK(
        ["tenant_id", "user_id"], ["users.tenant_id", "users.user_id"], ondelete="CASCADE"
    )


class UsageEventRow(Base):
    """A heartbeat or session start/stop, as admitted (clamped times already applied). Unique
    per (tenant, user, device, key): the client's idempotency key."""

    __tablename__ = "usage_events"
    __table_args__ = (
        CheckConstraint("kind IN ('heartbeat', 'session')", name="kind"),
        _usage_user_fk(),
        UniqueConstraint("tenant_id", "user_id", "device_id", "key"),
        Index("ix_usage_events_tenant_id_user_id_at", "tenant_id", "user_id", "at"),
    )

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    user_id: Mapped[str] = mapped_column(String(200))
    device_id: Mapped[str] = mapped_column(String(200))
    key: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    foreground: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime]
    received_at: Mapped[datetime]


class UsageLimitsRow(Base):
    """A user's own overrides of the band's defaults: only the keys set (daily_minutes,
    weekdays, break_after, sleep); a key set to null turns that setting off."""

    __tablename__ = "usage_limits"
    __table_args__ = (_usage_user_fk(),)

    tenant_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    settings: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]


class UsageUnlockRow(Base):
    __tablename__ = "usage_unlocks"
    __table_args__ = (
        CheckConstraint(
            "method IN ('own_passcode', 'parent_passcode', 'parent_approval')", name="method"
        ),
        _usage_user_fk(),
        Index("ix_usage_unlocks_tenant_id_user_id_at", "tenant_id", "user_id", "at"),
    )

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    user_id: Mapped[str] = mapped_column(String(200))
    granted_by: Mapped[str] = mapped_column(String(200))
    method: Mapped[str] = mapped_column(String(32))
    minutes: Mapped[int | None] = mapped_column(Integer)
    rest_of_day: Mapped[bool] = mapped_column(Boolean)
    minutes_used_at_grant: Mapped[float | None] = mapped_column(Float)
    request_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    at: Mapped[datetime]


class UnlockRequestRow(Base):
    __tablename__ = "unlock_requests"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'approved')", name="status"),
        _usage_user_fk(),
        Index("ix_unlock_requests_tenant_id_user_id", "tenant_id", "user_id"),
    )

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    user_id: Mapped[str] = mapped_column(String(200))
    minutes: Mapped[int | None] = mapped_column(Integer)
    rest_of_day: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(200))


class UsagePasscodeRow(Base):
    """The scrypt hash (PHC string) of a user's own passcode; never the passcode."""

    __tablename__ = "usage_passcodes"
    __table_args__ = (_usage_user_fk(),)

    tenant_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    hash: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime]


class UnlockAttemptRow(Base):
    """Recent wrong unlock passcodes for a user (ISO times, at most the limit's count)."""

    __tablename__ = "unlock_attempts"
    __table_args__ = (_usage_user_fk(),)

    tenant_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[list[Any]]
    updated_at: Mapped[datetime]


class UserZoneChangeRow(Base):
    """A change of a user's time zone (migration 0006): from ``at`` on, the user's days are cut
    in ``to_zone``. Kept only as long as the weekly summaries look back (see
    ``salama.store.usage``); erased with the user."""

    __tablename__ = "user_zone_changes"
    __table_args__ = (_usage_user_fk(),)

    tenant_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    at: Mapped[datetime] = mapped_column(primary_key=True)
    from_zone: Mapped[str] = mapped_column(String(64))
    to_zone: Mapped[str] = mapped_column(String(64))
