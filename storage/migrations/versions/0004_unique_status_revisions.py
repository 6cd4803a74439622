"""one history row per version of a status update

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 03:00:00

Two submissions of one modal at once could both be saved as the same version. Before the unique
constraint goes on, the history of every update with a repeated version is renumbered 1, 2, 3...
in the order the rows were written (so no version is lost), and the update's own revision is set
to its last one, so the next edit continues after it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_revision = sa.table(
    "status_revision",
    sa.column("id", sa.Integer),
    sa.column("update_id", sa.Integer),
    sa.column("revision", sa.Integer),
)
_update = sa.table("status_update", sa.column("id", sa.Integer), sa.column("revision", sa.Integer))


def _renumber_repeated_versions() -> None:
    bind = op.get_bind()
    repeated = bind.execute(
        sa.select(_revision.c.update_id)
        .group_by(_revision.c.update_id, _revision.c.revision)
        .having(sa.func.count() > 1)
        .distinct()
    ).scalars()
    for update_id in sorted(set(repeated)):
        ids = bind.execute(
            sa.select(_revision.c.id)
            .where(_revision.c.update_id == update_id)
            .order_by(_revision.c.revision, _revision.c.id)
        ).scalars()
        number = 0
        for number, row_id in enumerate(ids, start=1):
            bind.execute(sa.update(_revision).where(_revision.c.id == row_id).values(revision=number))
        bind.execute(
            sa.update(_update)
            .where(_update.c.id == update_id, _update.c.revision < number)
            .values(revision=number)
        )


def upgrade() -> None:
    _renumber_repeated_versions()
    with op.batch_alter_table("status_revision", schema=None) as batch_op:
        batch_op.create_unique_constraint(
            batch_op.f("uq_status_revision_update_id_revision"), ["update_id", "revision"]
        )


def downgrade() -> None:
    with op.batch_alter_table("status_revision", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_status_revision_update_id_revision"), type_="unique")
