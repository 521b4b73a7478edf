"""Family pairing (invites, pairings, controls, failed attempts) and webhooks (with an outbox).

Revision ID: 0005
Revises: 0003 (0004 is a sibling head on 0003; ``migrate()`` upgrades to all heads)
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.String(length=32)
_USER = sa.String(length=200)
_TS = sa.DateTime(timezone=True)
_AUTO = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _user_fk(table: str, column: str, name: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["tenant_id", column],
        ["users.tenant_id", "users.user_id"],
        name=name,
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "family_invites",
        sa.Column("id", _ID, nullable=False),
        sa.Column("tenant_id", _ID, nullable=False),
        sa.Column("parent_id", _USER, nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("expires_at", _TS, nullable=False),
        sa.Column("used_at", _TS, nullable=True),
        sa.Column("used_by", _USER, nullable=True),
        _user_fk("family_invites", "parent_id", "fk_family_invites_parent_users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_family_invites")),
        sa.UniqueConstraint(
            "tenant_id", "code_hash", name=op.f("uq_family_invites_tenant_id_code_hash")
        ),
    )
    op.create_index(
        "ix_family_invites_tenant_id_parent_id", "family_invites", ["tenant_id", "parent_id"]
    )
    op.create_table(
        "family_pairings",
        sa.Column("tenant_id", _ID, nullable=False),
        sa.Column("parent_id", _USER, nullable=False),
        sa.Column("teen_id", _USER, nullable=False),
        sa.Column("since", _TS, nullable=False),
        _user_fk("family_pairings", "parent_id", "fk_family_pairings_parent_users"),
        _user_fk("family_pairings", "teen_id", "fk_family_pairings_teen_users"),
        sa.PrimaryKeyConstraint(
            "tenant_id", "parent_id", "teen_id", name=op.f("pk_family_pairings")
        ),
    )
    op.create_index(
        "ix_family_pairings_tenant_id_teen_id", "family_pairings", ["tenant_id", "teen_id"]
    )
    op.create_table(
        "family_controls",
        sa.Column("tenant_id", _ID, nullable=False),
        sa.Column("teen_id", _USER, nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        _user_fk("family_controls", "teen_id", "fk_family_controls_teen_users"),
        sa.PrimaryKeyConstraint("tenant_id", "teen_id", name=op.f("pk_family_controls")),
    )
    op.create_table(
        "family_attempts",
        sa.Column("id", _AUTO, autoincrement=True, nullable=False),
        sa.Column("tenant_id", _ID, nullable=False),
        sa.Column("user_id", _USER, nullable=False),
        sa.Column("at", _TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_family_attempts_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_family_attempts")),
    )
    op.create_index(
        "ix_family_attempts_tenant_id_user_id_at",
        "family_attempts",
        ["tenant_id", "user_id", "at"],
    )
    op.create_table(
        "webhooks",
        sa.Column("tenant_id", _ID, nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("secret", sa.String(length=200), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_webhooks_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", name=op.f("pk_webhooks")),
    )
    op.create_table(
        "webhook_outbox",
        sa.Column("id", _AUTO, autoincrement=True, nullable=False),
        sa.Column("event_id", _ID, nullable=False),
        sa.Column("tenant_id", _ID, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", _TS, nullable=False),
        sa.Column("delivered_at", _TS, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_webhook_outbox_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_outbox")),
        sa.UniqueConstraint("event_id", name=op.f("uq_webhook_outbox_event_id")),
    )
    op.create_index(
        "ix_webhook_outbox_delivered_at_next_attempt_at",
        "webhook_outbox",
        ["delivered_at", "next_attempt_at"],
    )


def downgrade() -> None:
    op.drop_table("webhook_outbox")
    op.drop_table("webhooks")
    op.drop_table("family_attempts")
    op.drop_table("family_controls")
    op.drop_table("family_pairings")
    op.drop_table("family_invites")
