"""Time-zone changes of a user (``user_zone_changes``), so that a day in progress is cut the
same way before and after the change (salama.wellbeing.change_zone). Also the merge point of
the two branches that grew from 0003 (0004 screen time, 0005 family).

Revision ID: 0006
Revises: 0004, 0005
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: tuple[str, ...] | None = ("0004", "0005")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "user_zone_changes",
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("from_zone", sa.String(length=64), nullable=False),
        sa.Column("to_zone", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "user_id"],
            ["users.tenant_id", "users.user_id"],
            name=op.f("fk_user_zone_changes_tenant_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "user_id", "at", name=op.f("pk_user_zone_changes")),
    )


def downgrade() -> None:
    op.drop_table("user_zone_changes")
