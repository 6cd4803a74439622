"""Repositories stay inside their workspace and follow the unit of work's scope; event IDs are
claimed once."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.services.workspaces import find_workspace, set_team_setting
from storage.base import WorkspaceScoped
from storage.roster import Member
from storage.uow import UnitOfWork, per_workspace
from tests.support.factories import add_goal, add_member, add_workspace


def two_workspaces(session_factory: sessionmaker[Session]) -> tuple[int, int]:
    a = add_workspace(session_factory, "TA", name="A", bot_user_id="UB")
    b = add_workspace(
        session_factory, "TB", name="B", bot_user_id="UB", timezone="Asia/Shanghai", locale="zh-CN"
    )
    return a.id, b.id


def test_no_query_crosses_workspaces(session_factory: sessionmaker[Session]) -> None:
    a, b = two_workspaces(session_factory)
    with UnitOfWork(session_factory, a) as uow:
        member = uow.members.add(Member(slack_user_id="U1", role="pm", name="Li"))
        line = uow.product_lines.get_or_create("Cards")
        uow.product_lines.assign(member, line, now=dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC))
        add_goal(uow, member)
        uow.commit()
        member_id = member.id

    with UnitOfWork(session_factory, b) as uow:
        assert uow.members.get_by_slack_id("U1") is None
        assert uow.members.get(member_id) is None
        assert list(uow.members.list()) == []
        assert list(uow.goals.for_owners([member_id])) == []
        assert list(uow.product_lines.list()) == []
        uow.members.add(
            Member(slack_user_id="U1", role="manager", name="Li in B")
        )  # same Slack ID, other team
        uow.commit()

    with UnitOfWork(session_factory, a) as uow:
        found = uow.members.get_by_slack_id("U1")
        assert found is not None and found.role == "pm"
        assert [line.name for line in found.product_lines] == ["Cards"]


def test_product_lines_match_case_insensitively(session_factory: sessionmaker[Session]) -> None:
    a, _ = two_workspaces(session_factory)
    with UnitOfWork(session_factory, a) as uow:
        first = uow.product_lines.get_or_create("Credit Cards")
        again = uow.product_lines.get_or_create("credit cards")
        assert first.id == again.id


def test_event_ids_are_claimed_once_per_workspace(session_factory: sessionmaker[Session]) -> None:
    a, b = two_workspaces(session_factory)
    with UnitOfWork(session_factory, a) as uow:
        assert uow.events.claim("Ev1") is True
        assert uow.events.claim("Ev1") is False
        uow.commit()
    with UnitOfWork(session_factory, a) as uow:
        assert uow.events.claim("Ev1") is False
    with UnitOfWork(session_factory, b) as uow:
        assert uow.events.claim("Ev1") is True


def test_uncommitted_work_is_discarded(session_factory: sessionmaker[Session]) -> None:
    a, _ = two_workspaces(session_factory)
    with UnitOfWork(session_factory, a) as uow:
        uow.members.add(Member(slack_user_id="U9", role="pm", name="x"))
    with UnitOfWork(session_factory, a) as uow:
        assert uow.members.get_by_slack_id("U9") is None


def test_team_settings_changes_are_audited(session_factory: sessionmaker[Session]) -> None:
    a, _ = two_workspaces(session_factory)
    with UnitOfWork(session_factory, a) as uow:
        set_team_setting(uow, actor="cli", setting="prompt_time", text="15:30")
        set_team_setting(uow, actor="cli", setting="timezone", text="Europe/London")
    ref = find_workspace(session_factory, "TA")
    assert ref is not None and ref.timezone == "Europe/London"
    with UnitOfWork(session_factory, a) as uow:
        settings = uow.team_settings.get()
        assert settings is not None and settings.prompt_time == dt.time(15, 30)
        details = [e.detail for e in uow.audit.recent()]
    assert {"key": "prompt_time", "old": "16:00", "new": "15:30"} in details


def test_tenant_repositories_wait_for_a_workspace_and_follow_each_scope(
    session_factory: sessionmaker[Session],
) -> None:
    a, b = two_workspaces(session_factory)
    with UnitOfWork(session_factory, a) as uow:
        uow.members.add(Member(slack_user_id="U1", role="pm", name="Li"))
        uow.commit()

    with UnitOfWork(session_factory) as uow:
        # Lookups across workspaces work before any scope; a tenant's rows need one.
        found = uow.workspaces.get_by_team_id("TB")
        assert found is not None and found.id == b
        assert uow.outbox.workspace_id is None
        with pytest.raises(RuntimeError, match=r"uow\.members needs a workspace"):
            uow.members.list()
        with pytest.raises(RuntimeError, match=r"uow\.goals needs a workspace"):
            uow.goals.for_owners([1])

        uow.scope(a)
        members = uow.members
        assert members is uow.members and members.workspace_id == a
        assert uow.members.get_by_slack_id("U1") is not None
        assert uow.outbox.workspace_id == a

        uow.scope(b)
        assert uow.members is not members
        assert uow.members.workspace_id == uow.goals.workspace_id == uow.outbox.workspace_id == b
        assert uow.members.get_by_slack_id("U1") is None
        assert uow.weekly.workspace_id == b and list(uow.weekly.active_members()) == []


class _MemberCount(WorkspaceScoped):
    def count(self) -> int:
        query = select(Member.id).where(Member.workspace_id == self.workspace_id)
        return len(self.session.scalars(query).all())


class _WithCounts(UnitOfWork):
    counts = per_workspace(_MemberCount)


def test_a_new_repository_is_one_line_on_the_unit_of_work(session_factory: sessionmaker[Session]) -> None:
    a, b = two_workspaces(session_factory)
    with _WithCounts(session_factory, a) as uow:
        uow.members.add(Member(slack_user_id="U1", role="pm", name="Li"))
        assert uow.counts.count() == 1
        uow.scope(b)
        assert uow.counts.count() == 0


def test_people_are_the_active_or_inactive_ones_of_the_role_and_manager_asked(
    session_factory: sessionmaker[Session],
) -> None:
    """What `/pm status team` reads: the PMs in view, and the former ones whose answers stay in
    view, filtered by the database rather than after loading the whole roster."""
    workspace = add_workspace(session_factory, "T1")
    with UnitOfWork(session_factory, workspace.id) as uow:
        mei = add_member(uow, "UMEI", "manager")
        max_ = add_member(uow, "UMAX", "manager")
        uow.session.flush()
        add_member(uow, "UPMA", "pm", manager=mei, name="Ann")  # active: never former
        add_member(uow, "UPMB", "pm", manager=mei, name="Bea", active=False)
        add_member(uow, "UPMC", "pm", manager=max_, name="Cy", active=False)
        add_member(uow, "UPMD", "pm", manager=mei, name="Al", active=False, deactivated_in_slack=True)
        add_member(uow, "UOLD", "manager", name="Old", active=False)
        uow.commit()

        def people(role: str = "pm", manager_id: int | None = None, active: bool = False) -> list[str]:
            return [m.slack_user_id for m in uow.members.people(role, manager_id=manager_id, active=active)]

        assert people() == ["UPMD", "UPMB", "UPMC"]  # by name: Al, Bea, Cy
        assert people(manager_id=mei.id) == ["UPMD", "UPMB"]
        assert people(manager_id=max_.id) == ["UPMC"]
        assert people("manager") == ["UOLD"]
        assert people(active=True) == ["UPMA"]
        assert people("manager", active=True) == ["UMAX", "UMEI"]
        assert people(manager_id=max_.id, active=True) == []


def test_a_members_card_is_their_row_manager_and_product_lines_in_one_statement(
    session_factory: sessionmaker[Session],
) -> None:
    """Read on every request and App Home publish: what `get_by_slack_id` and its relations say,
    as plain values; a member without a manager or product lines is one row of nothing joined."""
    a, b = two_workspaces(session_factory)
    now = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)
    with UnitOfWork(session_factory, a) as uow:
        mei = add_member(uow, "UMEI", "manager", name="Mei", timezone="Asia/Shanghai", locale="zh-CN")
        li = add_member(uow, "ULI", "pm", name="Li", manager=mei)
        for name in ("Loans", "Cards"):
            uow.product_lines.assign(li, uow.product_lines.get_or_create(name), now=now)
        uow.commit()
    with UnitOfWork(session_factory, b) as uow:
        add_member(uow, "ULI", "admin", name="Li in B")
        uow.commit()

    with UnitOfWork(session_factory, a) as uow:
        li_card, mei_card = uow.members.card("ULI"), uow.members.card("UMEI")
        assert uow.members.card("UNOBODY") is None
        orm = uow.members.get_by_slack_id("ULI")
    assert li_card is not None and mei_card is not None and orm is not None
    assert li_card.id == orm.id
    assert (li_card.name, li_card.role, li_card.active) == ("Li", "pm", True)
    assert (li_card.manager_slack_id, li_card.manager_name) == ("UMEI", "Mei")
    assert li_card.product_lines == ("Cards", "Loans")  # by name, as the relationship orders them
    assert (mei_card.manager_slack_id, mei_card.product_lines) == (None, ())
    assert (mei_card.timezone, mei_card.locale) == ("Asia/Shanghai", "zh-CN")
    with UnitOfWork(session_factory, b) as uow:
        other = uow.members.card("ULI")
    assert other is not None and (other.name, other.role, other.product_lines) == ("Li in B", "admin", ())


def test_goal_rows_are_the_owners_goals_of_their_workspace(session_factory: sessionmaker[Session]) -> None:
    """App Home shows the open ones (with their product line); a status save validates against
    those of every status, closed ones included, since they may hold the week's values."""
    a, b = two_workspaces(session_factory)
    with UnitOfWork(session_factory, a) as uow:
        li = add_member(uow, "ULI", "pm")
        cards = uow.product_lines.get_or_create("Cards")
        later = add_goal(uow, li, title="Later", due_date=dt.date(2027, 6, 30), product_line_id=cards.id)
        sooner = add_goal(uow, li, title="Sooner", due_date=dt.date(2027, 1, 31))
        closed = add_goal(uow, li, title="Closed", status="closed")
        uow.commit()
        li_id = li.id
    with UnitOfWork(session_factory, a) as uow:
        rows = uow.goals.open_rows(li_id)
        kpi = uow.goals.kpi_goals(li_id)
    assert [(g.id, g.title, g.product_line) for g in rows] == [
        (sooner.id, "Sooner", None),
        (later.id, "Later", "Cards"),
    ]
    assert {(g.id, g.status) for g in kpi} == {(sooner.id, "open"), (later.id, "open"), (closed.id, "closed")}
    with UnitOfWork(session_factory, b) as uow:
        assert uow.goals.open_rows(li_id) == [] and uow.goals.kpi_goals(li_id) == []
