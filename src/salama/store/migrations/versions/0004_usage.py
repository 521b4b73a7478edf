"""Screen time: usage events (heartbeats and sessions), per-user limits, unlocks, approval
requests, own passcodes and wrong-passcode attempts. Every table references its user with a
composite key (tenant_id, user_id) and ON DELETE CASCADE, so erasing a user erases their usage.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AutoId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _user_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["tenant_id", "user_id"],
        ["users.tenant_id", "users.user_id"],
        name=op.f(f"fk_{table}_tenant_id_users"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "usage_events",
        sa.Column("id", AutoId, autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=200), nullable=False),
        sa.Column("device_id", sa.String(length=200), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("foreground", sa.Boolean(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('heartbeat', 'session')", name=op.f("ck_usage_events_kind")),
        _user_fk("usage_events"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_usage_events")),
        sa.UniqueConstraint(
            "tenant_id",
            "user_id",
            "device_id",
            "key",
            name=op.f("uq_usage_events_tenant_id_user_id_device_id_key"),
        ),
    )
    op.create_index(
        "ix_usage_events_tenant_id_user_id_at", "usage_events", ["tenant_id", "user_id", "at"]
    )
    op.create_table(
        "usage_limits",
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=200), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _user_fk("usage_limits"),
        sa.PrimaryKeyConstraint("tenant_id", "user_id", name=op.f("pk_usage_limits")),
    )
    op.create_table(
        "usage_unlocks",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=200), nullable=False),
        sa.Column("granted_by", sa.String(length=200), nullable=False),
        sa.Column("method", sa.String(length=32), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=True),
        sa.Column("rest_of_day", sa.Boolean(), nullable=False),
        sa.Column("minutes_used_at_grant", sa.Float(), nullable=True),
        sa.Column("request_id", sa.String(length=32), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "method IN ('own_passcode', 'parent_passcode', 'parent_approval')",
            name=op.f("ck_usage_unlocks_method"),
        ),
        _user_fk("usage_unlocks"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_usage_unlocks")),
    )
    op.create_index(
        "ix_usage_unlocks_tenant_id_user_id_at", "usage_unlocks", ["tenant_id", "user_id", "at"]
    )
    op.create_table(
        "unlock_requests",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=200), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=True),
        sa.Column("rest_of_day", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'approved')", name=op.f("ck_unlock_requests_status")
        ),
        _user_fk("unlock_requests"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unlock_requests")),
    )
    op.create_index(
        "ix_unlock_requests_tenant_id_user_id", "unlock_requests", ["tenant_id", "user_id"]
    )
    op.create_table(
        "usage_passcodes",
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=200), nullable=False),
        sa.Column("hash", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _user_fk("usage_passcodes"),
        sa.PrimaryKeyConstraint("tenant_id", "user_id", name=op.f("pk_usage_passcodes")),
    )
    op.create_table(
        "unlock_attempts",
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=200), nullable=False),
        sa.Column("failures", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _user_fk("unlock_attempts"),
        sa.PrimaryKeyConstraint("tenant_id", "user_id", name=op.f("pk_unlock_attempts")),
    )


def downgrade() -> None:
    op.drop_table("unlock_attempts")
    op.drop_table("usage_passcodes")
    op.drop_index("ix_unlock_requests_tenant_id_user_id", table_name="unlock_requests")
    op.drop_table("unlock_requests")
    op.drop_index("ix_usage_unlocks_tenant_id_user_id_at", table_name="usage_unlocks")
    op.drop_table("usage_unlocks")
    op.drop_index("ix_usage_events_tenant_id_user_id_at", table_name="usage_events")
    op.drop_table("usage_events")
    op.drop_table("usage_limits")
