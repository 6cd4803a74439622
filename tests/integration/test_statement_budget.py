"""What a status save costs the database, statement by statement.

A weekly status edit is the write of the Friday burst: every statement it sends is paid for
by two hundred PMs within minutes. The list is exact so that one more query (a lazy load, a
refresh, a row written one at a time) fails here rather than in production.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from bot.domain.roster import Role
from bot.services import home, status
from bot.services.workspaces import WorkspaceRef
from storage.seen_requests import SeenRequestRepository
from storage.uow import UnitOfWork
from tests.support.factories import add_goal, add_member, add_workspace, status_form

NOW = dt.datetime(2026, 12, 3, 2, 0, tzinfo=dt.UTC)
WEEK = "2026-W49"


def _shape(statement: str) -> str:
    """`SELECT member`, `INSERT status_revision`: the verb and the first table it names."""
    words = statement.split()
    verb = words[0].upper()
    table = {
        "SELECT": r"\bFROM\s+(\w+)",
        "INSERT": r"\bINTO\s+(\w+)",
        "UPDATE": r"^UPDATE\s+(\w+)",
        "DELETE": r"\bFROM\s+(\w+)",
    }.get(verb)
    found = re.search(table, statement, re.IGNORECASE | re.DOTALL) if table else None
    return f"{verb} {found.group(1)}" if found else verb


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    sent: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(_shape(statement))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _team(session_factory: sessionmaker[Session]) -> tuple[WorkspaceRef, list[int]]:
    """A PM with two open goals and a manager; the goals' IDs."""
    workspace = add_workspace(session_factory, "T1", name="Bank", timezone="Asia/Shanghai", locale="en")
    with UnitOfWork(session_factory, workspace.id) as uow:
        manager = add_member(uow, "UMGR", role=Role.MANAGER, name="Mei")
        pm = add_member(uow, "UPM1", role=Role.PM, name="Li", manager_id=manager.id)
        goals = [add_goal(uow, pm, title=title) for title in ("Travel card", "Deposits")]
        uow.commit()
        return workspace, [goal.id for goal in goals]


def test_a_status_edit_sends_a_fixed_list_of_statements(
    engine: Engine, session_factory: sessionmaker[Session]
) -> None:
    team, goals = _team(session_factory)

    def submit(**fields: Any) -> None:
        status.submit_status(
            lambda workspace_id: UnitOfWork(session_factory, workspace_id),
            workspace=team,
            user_id="UPM1",
            week=WEEK,
            form=status_form(**fields),
            now=NOW,
        )

    submit(kpis={goals[0]: "121"})
    with statements(engine) as sent:
        submit(
            progress="Pilot live in two branches",
            blockers="Vendor contract\nRisk sign-off\nCore banking freeze",
            kpis={goals[0]: "125", goals[1]: "130"},
        )
    assert sent == [
        "SELECT member",  # the PM, without the relationships a roster row can load
        "SELECT goal",  # the PM's goals, once: validation and the view both use them
        "INSERT status_update",  # the next revision (ON CONFLICT DO UPDATE), the row returned locked
        "SELECT digest_post",  # saved after the digest went out? then a late note is owed
        "SELECT blocker",
        "UPDATE blocker",  # the kept blockers move to their new places
        "INSERT blocker",  # the new one
        "UPDATE status_update",
        "INSERT status_revision",
        "INSERT audit_log",
        "INSERT kpi_value",  # the week's values, one upsert for all goals
        "SELECT kpi_value",  # the values as saved, for the confirmation
    ]


def test_the_status_modal_is_read_in_five_statements(
    engine: Engine, session_factory: sessionmaker[Session]
) -> None:
    """Every *Write my update* click reads it: the PM, their goals, the week's values, the update
    to prefill and its blockers; nothing loads per goal or per blocker."""
    team, goals = _team(session_factory)

    def uow(workspace_id: int) -> UnitOfWork:
        return UnitOfWork(session_factory, workspace_id)

    status.submit_status(
        uow, workspace=team, user_id="UPM1", week=WEEK, form=status_form(kpis={goals[0]: "121"}), now=NOW
    )
    with statements(engine) as sent:
        data = status.status_form(uow, workspace=team, user_id="UPM1", week=WEEK, now=NOW)
    assert [(g.title, g.value) for g in data.goals] == [("Travel card", 121.0), ("Deposits", None)]
    assert data.current is not None and [b.text for b in data.current.blockers] == [
        "Risk sign-off",
        "Vendor contract",
    ]
    assert sent == [
        "SELECT member",  # the PM's card
        "SELECT goal",
        "SELECT kpi_value",
        "SELECT status_update",
        "SELECT blocker",
    ]


def test_a_replay_is_refused_by_one_insert(engine: Engine, session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        assert SeenRequestRepository(session).claim("d" * 64, NOW)
    with statements(engine) as sent, session_factory.begin() as session:
        assert not SeenRequestRepository(session).claim("d" * 64, NOW)
    assert [s for s in sent if s not in ("BEGIN", "COMMIT")] == ["INSERT seen_request"]


def test_app_home_is_read_in_a_few_statements(engine: Engine, session_factory: sessionmaker[Session]) -> None:
    """Published on every visit to the tab: the PM's own row with its relations, their update
    this week with its open blockers counted (and, with none yet, their leave), and their goals."""
    team, _goals = _team(session_factory)

    def dashboard(user_id: str) -> home.Dashboard:
        return home.dashboard(
            lambda workspace_id: UnitOfWork(session_factory, workspace_id),
            workspace=team,
            user_id=user_id,
            now=NOW,
        )

    with statements(engine) as sent:
        mine = dashboard("UPM1")
    assert [g.title for g in mine.my_goals] == ["Travel card", "Deposits"]
    assert mine.me.manager_slack_id == "UMGR"
    assert sent == ["SELECT member", "SELECT status_update", "SELECT leave", "SELECT goal"]

    with statements(engine) as sent:
        managers = dashboard("UMGR")
    assert managers.team_goal_counts == {"UPM1": 2}
    assert sent == [
        "SELECT member",
        "SELECT status_update",  # the manager's own update this week
        "SELECT leave",  # none written: away this week?
        "SELECT goal",
        "SELECT member",  # the reports
        "SELECT member_product_line",  # ...and their product lines
        "SELECT goal",  # the reports' goals, counted
    ]
