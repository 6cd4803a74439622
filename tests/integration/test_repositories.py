"""Repositories stay inside their workspace; event IDs are claimed once."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session, sessionmaker

from bot.services.workspaces import ensure_workspace, find_workspace, set_team_setting
from storage.models import Goal, Member
from storage.uow import UnitOfWork


def two_workspaces(session_factory: sessionmaker[Session]) -> tuple[int, int]:
    a = ensure_workspace(
        session_factory,
        slack_team_id="TA",
        name="A",
        bot_user_id="UB",
        default_timezone="UTC",
        default_locale="en",
    )
    b = ensure_workspace(
        session_factory,
        slack_team_id="TB",
        name="B",
        bot_user_id="UB",
        default_timezone="Asia/Shanghai",
        default_locale="zh-CN",
    )
    return a.id, b.id


def test_no_query_crosses_workspaces(session_factory: sessionmaker[Session]) -> None:
    a, b = two_workspaces(session_factory)
    with UnitOfWork(session_factory, a) as uow:
        member = uow.members.add(Member(slack_user_id="U1", role="pm", name="Li"))
        line = uow.product_lines.get_or_create("Cards")
        uow.product_lines.assign(member, line, now=dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC))
        uow.goals.add(
            Goal(
                owner_id=member.id,
                title="t",
                metric="m",
                unit="",
                baseline=1,
                target=2,
                start_date=dt.date(2026, 1, 1),
                due_date=dt.date(2026, 6, 1),
                direction="up",
                created_by="U1",
            )
        )
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
