"""status_revision: the late note each version saved after the digest still owes its thread

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 07:00:00

Versions written before this revision had their note queued with them, so none is owed.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("status_revision", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("late_note_owed", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.create_index(
            "ix_status_revision_workspace_late_note_owed", ["workspace_id", "late_note_owed"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("status_revision", schema=None) as batch_op:
        batch_op.drop_index("ix_status_revision_workspace_late_note_owed")
        batch_op.drop_column("late_note_owed")
