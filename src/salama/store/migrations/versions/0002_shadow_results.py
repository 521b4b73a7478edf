"""Shadow results: where a shadow policy would have decided otherwise than the live one.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "shadow_results",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("live_version", sa.Integer(), nullable=True),
        sa.Column("candidate_version", sa.Integer(), nullable=False),
        sa.Column("surface", sa.String(length=32), nullable=False),
        sa.Column("live_action", sa.String(length=16), nullable=False),
        sa.Column("candidate_action", sa.String(length=16), nullable=False),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_shadow_results_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shadow_results")),
    )
    op.create_index(
        "ix_shadow_results_tenant_id_name_created_at",
        "shadow_results",
        ["tenant_id", "name", "created_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_shadow_results_expires_at"), "shadow_results", ["expires_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_shadow_results_expires_at"), table_name="shadow_results")
    op.drop_index("ix_shadow_results_tenant_id_name_created_at", table_name="shadow_results")
    op.drop_table("shadow_results")
