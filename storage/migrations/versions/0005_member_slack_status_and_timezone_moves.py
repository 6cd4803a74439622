"""member: deactivated in Slack, previous timezone and when it changed

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 03:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.base

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("deactivated_in_slack", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("previous_timezone", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("timezone_changed_at", storage.base.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.drop_column("timezone_changed_at")
        batch_op.drop_column("previous_timezone")
        batch_op.drop_column("deactivated_in_slack")
