"""Migration 0004: repeated versions in an update's history are renumbered, then made impossible."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from storage.db import make_engine, upgrade

AT = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)


def _seed_repeated_versions(connection: object) -> None:
    """Two updates as racing submissions left them: update 1 holds versions 1, 2, 2, 3, 3;
    update 2 is clean (1, 2)."""
    run = connection.execute  # type: ignore[attr-defined]
    run(
        text(
            "INSERT INTO workspace (id, slack_team_id, name, active, created_at) "
            "VALUES (1, 'T1', 'Acme Bank', :yes, :at)"
        ),
        {"yes": True, "at": AT},
    )
    for member_id, user in ((1, "U1"), (2, "U2")):
        run(
            text(
                "INSERT INTO member (id, workspace_id, slack_user_id, name, role, active, created_at, "
                "updated_at) VALUES (:id, 1, :user, :user, 'pm', :yes, :at, :at)"
            ),
            {"id": member_id, "user": user, "yes": True, "at": AT},
        )
    for update_id, revision in ((1, 3), (2, 2)):
        run(
            text(
                "INSERT INTO status_update (id, workspace_id, member_id, week, state, progress, plans, "
                "health_reason, topic, risk, revision, late, submitted_at, updated_at) VALUES "
                "(:id, 1, :id, '2026-W48', 'submitted', '', '', '', '', '', :revision, :no, :at, :at)"
            ),
            {"id": update_id, "revision": revision, "no": False, "at": AT},
        )
    rows = [(1, 1, 1), (2, 1, 2), (3, 1, 2), (4, 1, 3), (5, 1, 3), (6, 2, 1), (7, 2, 2)]
    for row_id, update_id, revision in rows:
        run(
            text(
                "INSERT INTO status_revision (id, workspace_id, update_id, revision, snapshot, late, "
                "created_at) VALUES (:id, 1, :update_id, :revision, :snapshot, :no, :at)"
            ),
            {
                "id": row_id,
                "update_id": update_id,
                "revision": revision,
                "snapshot": f'{{"progress": "row {row_id}"}}',
                "no": False,
                "at": AT,
            },
        )


def test_repeated_versions_are_renumbered_in_order_and_then_refused(fresh_database_url: str) -> None:
    engine = make_engine(fresh_database_url)
    upgrade(engine, "0002")
    with engine.begin() as connection:
        _seed_repeated_versions(connection)

    upgrade(engine)

    with engine.connect() as connection:
        history = connection.execute(
            text("SELECT update_id, revision, id FROM status_revision ORDER BY update_id, revision")
        ).all()
        current = dict(connection.execute(text("SELECT id, revision FROM status_update")).all())
    # Every version kept, in the order it was written, numbered once; the next edit follows the last.
    assert [tuple(r) for r in history] == [
        (1, 1, 1), (1, 2, 2), (1, 3, 3), (1, 4, 4), (1, 5, 5), (2, 1, 6), (2, 2, 7),
    ]  # fmt: skip
    assert current == {1: 5, 2: 2}
    uniques = {u["name"] for u in inspect(engine).get_unique_constraints("status_revision")}
    assert "uq_status_revision_update_id_revision" in uniques
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO status_revision (id, workspace_id, update_id, revision, snapshot, late, "
                "created_at) VALUES (100, 1, 1, 5, '{}', :no, :at)"
            ),
            {"no": False, "at": AT},
        )
    engine.dispose()
