"""The services on their own, against a real database: the rules they own, what they store, and
that they say "the user did something wrong" with ServiceError / FormErrors.

Each service opens its unit of work from `uow_factory` (what listeners pass as `deps.uow`) and
returns plain values; these tests read those values after the service's session is closed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.domain.goals import goal_set_key
from bot.domain.roster import Role
from bot.domain.status import LeaveRange, TeamState, UpdateState, late_edit_key
from bot.notifications import dm_help
from bot.notifications import goals as goal_notices
from bot.services import goals, home, leave, roster, status, team_status
from bot.services.errors import FormErrors, NotFound, PermissionDenied, ServiceError
from bot.services.roster import MemberView, Profile
from bot.services.status import StatusView
from bot.services.workspaces import WorkspaceRef, claim_event
from storage.audit import AuditEntry
from storage.goals import Goal
from storage.outbox import OutboxMessage
from storage.status import StatusUpdate
from storage.uow import UnitOfWork
from tests.support.factories import add_member, add_workspace, goal_draft, status_form

NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)  # a Tuesday
WEEK = "2026-W49"
TODAY = NOW.date()


@pytest.fixture
def uow(session_factory: sessionmaker[Session]) -> Callable[[int], UnitOfWork]:
    return lambda workspace_id: UnitOfWork(session_factory, workspace_id)


@pytest.fixture
def team(session_factory: sessionmaker[Session]) -> WorkspaceRef:
    """An admin, a manager with one PM reporting, a PM reporting to nobody, a former PM."""
    workspace = add_workspace(session_factory, "T1", name="Bank", timezone="Asia/Shanghai", locale="zh-CN")
    with UnitOfWork(session_factory, workspace.id) as u:
        add_member(u, "UADM", role=Role.ADMIN, name="Ada")
        manager = add_member(u, "UMGR", role=Role.MANAGER, name="Mei")
        add_member(u, "UPM1", role=Role.PM, name="Li", manager_id=manager.id, locale="en")
        add_member(u, "UPM2", role=Role.PM, name="Wang")
        add_member(u, "UOLD", role=Role.PM, name="Zhao", active=False)
        u.commit()
    return workspace


def audit(session_factory: sessionmaker[Session], entity: str) -> list[AuditEntry]:
    with session_factory() as session:
        return list(
            session.scalars(select(AuditEntry).where(AuditEntry.entity == entity).order_by(AuditEntry.id))
        )


def submit(uow: Callable[[int], UnitOfWork], team: WorkspaceRef, user: str = "UPM1", **kw: Any) -> StatusView:
    return status.submit_status(
        uow,
        workspace=team,
        user_id=user,
        week=kw.pop("week", WEEK),
        form=kw.pop("form", status_form()),
        now=kw.pop("now", NOW),
    )


# -- status -------------------------------------------------------------------------------------


def test_a_submission_is_saved_once_with_its_revision_and_returned_as_plain_values(
    uow: Callable[[int], UnitOfWork], team: WorkspaceRef, session_factory: sessionmaker[Session]
) -> None:
    first = submit(uow, team)
    assert (first.member_slack_id, first.week, first.state, first.revision) == ("UPM1", WEEK, "submitted", 1)
    assert [b.text for b in first.blockers] == [
        "Risk sign-off",
        "Vendor contract",
    ]  # read after the session closed
    second = submit(
        uow, team, form=status_form(progress="Pilot live in two branches", blockers="Vendor contract")
    )
    assert second.revision == 2 and second.id == first.id
    assert [b.text for b in second.blockers] == ["Vendor contract"]
    assert [(e.action, e.detail["revision"]) for e in audit(session_factory, "status_update")] == [
        ("create", 1),
        ("update", 2),
    ]


def test_an_edit_of_the_blockers_keeps_repeated_lines_as_they_were_and_reads_back_as_saved(
    uow: Callable[[int], UnitOfWork], team: WorkspaceRef
) -> None:
    """Reordered, repeated, dropped and new lines: each line that repeats a blocker is that
    blocker (its ID and resolved mark) at its new place; the view the save returns is what a
    fresh read of the update shows."""
    first = submit(uow, team, form=status_form(blockers="Risk sign-off\nVendor contract\nFee review"))
    risk, vendor, _fees = first.blockers
    status.resolve_blocker(uow, workspace=team, user_id="UPM1", blocker_id=vendor.id, now=NOW)
    lines = "Vendor contract\nNew audit finding\nRisk sign-off\nRisk sign-off"
    second = submit(uow, team, form=status_form(blockers=lines))
    assert [(b.text, b.resolved) for b in second.blockers] == [
        ("Vendor contract", True),
        ("New audit finding", False),
        ("Risk sign-off", False),
        ("Risk sign-off", False),
    ]
    kept_vendor, added, kept_risk, repeated = second.blockers
    assert (kept_vendor.id, kept_risk.id) == (vendor.id, risk.id)
    assert len({added.id, repeated.id, vendor.id, risk.id}) == 4  # two new rows
    with uow(team.id) as u:
        stored = u.status.update_by_id(second.id)
        assert stored is not None
        assert status.to_view(u, stored) == second


def test_a_form_with_mistakes_raises_form_errors_by_field_and_saves_nothing(
    uow: Callable[[int], UnitOfWork], team: WorkspaceRef, session_factory: sessionmaker[Session]
) -> None:
    with pytest.raises(FormErrors) as raised:
        submit(uow, team, form=status_form(progress="", plans="", health="red", health_reason=""))
    fields = {e.field: e.key for e in raised.value.fields}
    assert fields["progress"] == "status.error.progress_or_plans"
    assert "health_reason" in fields
    # A FormErrors is a ServiceError: where no form can show it, its first message stands for it.
    assert isinstance(raised.value, ServiceError) and raised.value.key == raised.value.fields[0].key
    with session_factory() as session:
        assert session.scalars(select(StatusUpdate)).all() == []


def test_a_closed_week_is_refused_on_the_form_and_for_skipping(
    uow: Callable[[int], UnitOfWork], team: WorkspaceRef
) -> None:
    with pytest.raises(FormErrors) as raised:
        submit(uow, team, week="2026-W40")
    assert [(e.field, e.key) for e in raised.value.fields] == [("progress", "status.error.week_closed")]
    with pytest.raises(ServiceError) as refused:
        status.skip_week(uow, workspace=team, user_id="UPM1", week="2026-W40", now=NOW)
    assert (refused.value.key, refused.value.params) == ("status.error.week_closed", {"week": "2026-W40"})
    with pytest.raises(ServiceError) as closed:
        status.status_form(uow, workspace=team, user_id="UPM1", week="2026-W40", now=NOW)
    assert closed.value.key == "status.error.week_closed"


@pytest.mark.parametrize("user", ["UNOBODY", "UOLD"])
def test_someone_off_the_roster_is_refused_not_asserted(
    uow: Callable[[int], UnitOfWork], team: WorkspaceRef, user: str
) -> None:
    with pytest.raises(NotFound) as raised:
        submit(uow, team, user=user)
    assert raised.value.key == "common.not_on_roster"
    with pytest.raises(NotFound):
        leave.upcoming_leave(uow, workspace=team, user_id=user, now=NOW)


def test_the_form_defaults_to_the_members_week_and_is_prefilled(
    uow: Callable[[int], UnitOfWork], team: WorkspaceRef
) -> None:
    empty = status.status_form(uow, workspace=team, user_id="UPM1", week=None, now=NOW)
    assert (empty.week, empty.current) == (WEEK, None)
    submit(uow, team)
    filled = status.status_form(uow, workspace=team, user_id="UPM1", week=WEEK, now=NOW)
    assert filled.current is not None and filled.current.progress == "Pilot live"


def test_an_edit_after_the_digest_records_the_note_it_owes_and_queues_nothing_itself(
    uow: Callable[[int], UnitOfWork], team: WorkspaceRef, session_factory: sessionmaker[Session]
) -> None:
    submit(uow, team)
    with uow(team.id) as u:
        assert status.late_notes_owed(u, team_id="T1") == []  # before the digest: nothing owed
        u.status.add_digest_post(WEEK, "digest:T1:2026-W49")
        u.commit()

    edited = submit(uow, team, form=status_form(progress="Pilot paused"))
    assert edited.late and edited.revision == 2
    with pytest.raises(FormErrors):  # a refused edit is no version and owes nothing
        submit(uow, team, form=status_form(progress="", plans=""))
    submit(uow, team, form=status_form(progress="Pilot resumed", health="green"))

    with uow(team.id) as u:
        notes = status.late_notes_owed(u, team_id="T1")
    assert [n.key for n in notes] == [late_edit_key("T1", "UPM1", WEEK, n) for n in (2, 3)]
    assert {(n.thread_of, n.locale) for n in notes} == {("digest:T1:2026-W49", "zh-CN")}
    # Each note shows its own version as saved, not the update as it is now.
    assert [(n.view.revision, n.view.progress, n.view.health) for n in notes] == [
        (2, "Pilot paused", "amber"),
        (3, "Pilot resumed", "green"),
    ]
    assert [b.text for b in notes[0].view.blockers] == ["Risk sign-off", "Vendor contract"]
    with session_factory() as session:  # rendering and queueing belong to bot.notifications
        assert session.scalars(select(OutboxMessage)).all() == []

    with uow(team.id) as u:
        status.late_note_queued(u, notes[0])
        u.commit()
    with uow(team.id) as u:
        assert [n.key for n in status.late_notes_owed(u, team_id="T1")] == [notes[1].key]


def test_a_note_whose_digest_vanished_is_dropped_not_owed_forever(
    uow: Callable[[int], UnitOfWork], team: WorkspaceRef, session_factory: sessionmaker[Session]
) -> None:
    submit(uow, team)
    with uow(team.id) as u:
        post = u.status.add_digest_post(WEEK, "digest:T1:2026-W49")
        u.commit()
    submit(uow, team, form=status_form(progress="Pilot paused"))
    with session_factory() as session:
        session.delete(session.get(type(post), post.id))
        session.commit()
    with uow(team.id) as u:
        assert status.late_notes_owed(u, team_id="T1") == []
        u.commit()
    with uow(team.id) as u:
        assert u.status.late_notes_owed() == []


def test_a_skip_counts_once_and_never_overrides_a_submission(
    uow: Callable[[int], UnitOfWork], team: WorkspaceRef, session_factory: sessionmaker[Session]
) -> None:
    skipped = status.skip_week(uow, workspace=team, user_id="UPM2", week=WEEK, now=NOW)
    again = status.skip_week(uow, workspace=team, user_id="UPM2", week=WEEK, now=NOW)
    assert skipped.state == again.state == UpdateState.SKIPPED and skipped.id == again.id
    submit(uow, team)
    kept = status.skip_week(uow, workspace=team, user_id="UPM1", week=WEEK, now=NOW)
    assert kept.state == UpdateState.SUBMITTED
    assert [e.actor for e in audit(session_factory, "status_update") if e.action == "skip"] == ["UPM2"]


def test_a_blocker_is_resolved_by_its_owner_or_their_manager_only(
    uow: Callable[[int], UnitOfWork], team: WorkspaceRef, session_factory: sessionmaker[Session]
) -> None:
    view = submit(uow, team)
    first, second = (b.id for b in view.blockers)
    with pytest.raises(PermissionDenied) as denied:
        status.resolve_blocker(uow, workspace=team, user_id="UPM2", blocker_id=first, now=NOW)
    assert denied.value.key == "status.blocker.error.not_allowed"
    with pytest.raises(NotFound):
        status.resolve_blocker(uow, workspace=team, user_id="UPM1", blocker_id=first + 1000, now=NOW)
    by_manager = status.resolve_blocker(uow, workspace=team, user_id="UMGR", blocker_id=first, now=NOW)
    assert [b.resolved for b in by_manager.blockers] == [True, False]
    by_owner = status.resolve_blocker(uow, workspace=team, user_id="UPM1", blocker_id=second, now=NOW)
    twice = status.resolve_blocker(uow, workspace=team, user_id="UPM1", blocker_id=second, now=NOW)
    assert by_owner.open_blockers == twice.open_blockers == ()
    assert len(audit(session_factory, "blocker")) == 2  # the repeated click changed nothing


def test_another_workspace_cannot_reach_a_blocker(
    uow: Callable[[int], UnitOfWork], team: WorkspaceRef, session_factory: sessionmaker[Session]
) -> None:
    blocker_id = submit(uow, team).blockers[0].id
    other = add_workspace(session_factory, "T2", name="B", bot_user_id="UB")
    with uow(other.id) as u:
        add_member(u, "UPM1", role=Role.ADMIN, name="Same ID, other team")
        u.commit()
    with pytest.raises(NotFound):
        status.resolve_blocker(uow, workspace=other, user_id="UPM1", blocker_id=blocker_id, now=NOW)


# -- leave and the team's week --------------------------------------------------------------------


def test_leave_is_checked_saved_and_listed_from_the_members_today(
    uow: Callable[[int], UnitOfWork], team: WorkspaceRef
) -> None:
    for start, end, key in (
        (dt.date(2026, 12, 10), dt.date(2026, 12, 9), "status.leave.error.end_before_start"),
        (dt.date(2026, 11, 1), dt.date(2026, 11, 2), "status.leave.error.in_the_past"),
        (dt.date(2026, 12, 10), dt.date(2028, 12, 10), "status.leave.error.too_long"),
    ):
        with pytest.raises(ServiceError) as raised:
            leave.set_leave(uow, workspace=team, user_id="UPM1", start=start, end=end, now=NOW)
        assert raised.value.key == key
    saved = leave.set_leave(
        uow, workspace=team, user_id="UPM1", start=dt.date(2026, 12, 21), end=dt.date(2026, 12, 24), now=NOW
    )
    assert saved == LeaveRange(dt.date(2026, 12, 21), dt.date(2026, 12, 24))
    assert leave.upcoming_leave(uow, workspace=team, user_id="UPM1", now=NOW) == [saved]
    later = NOW + dt.timedelta(days=30)
    assert leave.upcoming_leave(uow, workspace=team, user_id="UPM1", now=later) == []
    assert leave.upcoming_leave(uow, workspace=team, user_id="UPM2", now=NOW) == []


def test_the_team_week_is_for_managers_and_admins_and_the_look_is_audited(
    uow: Callable[[int], UnitOfWork], team: WorkspaceRef, session_factory: sessionmaker[Session]
) -> None:
    with pytest.raises(PermissionDenied):
        team_status.team_week(uow, workspace=team, user_id="UPM1", week=None, now=NOW)
    saved = submit(uow, team)
    status.resolve_blocker(uow, workspace=team, user_id="UPM1", blocker_id=saved.blockers[0].id, now=NOW)
    mine = team_status.team_week(uow, workspace=team, user_id="UMGR", week=None, now=NOW)
    assert mine.status.week == WEEK and mine.timezone == "Asia/Shanghai"
    assert [(r.slack_user_id, r.state) for r in mine.status.rows] == [("UPM1", TeamState.SUBMITTED)]
    assert [(r.health, r.open_blockers) for r in mine.status.rows] == [("amber", 1)]  # one of two resolved
    everyone = team_status.team_week(uow, workspace=team, user_id="UADM", week=WEEK, now=NOW)
    assert [r.slack_user_id for r in everyone.status.rows] == ["UPM2", "UPM1"]  # missing first
    assert [e.actor for e in audit(session_factory, "status_team")] == ["UMGR", "UADM"]


# -- goals ----------------------------------------------------------------------------------------


def test_a_goal_is_added_for_oneself_or_a_report_and_says_whose_it_is(
    uow: Callable[[int], UnitOfWork], team: WorkspaceRef, session_factory: sessionmaker[Session]
) -> None:
    own = goals.add_goal(
        uow,
        workspace=team,
        user_id="UPM2",
        owner_slack_id=None,
        draft=goal_draft(),
        today=TODAY,
    )
    assert own.goal.owner_slack_id == own.owner.slack_user_id == "UPM2"
    assert own.goal.expected_now == pytest.approx(100)
    for_report = goals.add_goal(
        uow,
        workspace=team,
        user_id="UMGR",
        owner_slack_id="UPM1",
        draft=goal_draft(),
        today=TODAY,
    )
    assert isinstance(for_report.owner, MemberView) and for_report.owner.locale == "en"
    assert [(e.actor, e.detail["owner"]) for e in audit(session_factory, "goal")] == [
        ("UPM2", "UPM2"),
        ("UMGR", "UPM1"),
    ]
    # The service decides who is told and queues nothing itself; bot.notifications.goals tells
    # only the report, through the outbox, once, under a key naming the goal.
    assert (own.set_by_someone_else, for_report.set_by_someone_else) == (False, True)
    with session_factory() as session:
        assert session.scalars(select(OutboxMessage)).all() == []
    told = [goal_notices.queue_goal_notice(uow, workspace=team, added=a, now=NOW) for a in (own, for_report)]
    again = goal_notices.queue_goal_notice(uow, workspace=team, added=for_report, now=NOW)
    assert (told, again) == ([False, True], False)
    with session_factory() as session:
        queued = session.scalars(select(OutboxMessage)).all()
    assert [(m.delivery_key, m.payload["channel"]) for m in queued] == [
        (goal_set_key(team.slack_team_id, "UPM1", for_report.goal.id), "@UPM1")
    ]
    assert "Grow deposits" in queued[0].payload["text"]


@pytest.mark.parametrize(
    ("user", "owner", "field", "key"),
    [
        ("UPM2", "UPM1", "owner", "goal.error.not_your_report"),
        ("UMGR", "UPM2", "owner", "goal.error.not_your_report"),
        ("UMGR", "UOLD", "owner", "goal.error.owner_not_on_roster"),
        ("UADM", "UNOBODY", "owner", "goal.error.owner_not_on_roster"),
    ],
)
def test_a_goal_for_someone_out_of_reach_is_a_field_error_and_nothing_is_stored(
    uow: Callable[[int], UnitOfWork],
    team: WorkspaceRef,
    session_factory: sessionmaker[Session],
    user: str,
    owner: str,
    field: str,
    key: str,
) -> None:
    with pytest.raises(FormErrors) as raised:
        goals.add_goal(
            uow,
            workspace=team,
            user_id=user,
            owner_slack_id=owner,
            draft=goal_draft(),
            today=TODAY,
        )
    assert [(e.field, e.key) for e in raised.value.fields] == [(field, key)]
    with session_factory() as session:
        assert session.scalars(select(Goal)).all() == []
        assert session.scalars(select(OutboxMessage)).all() == []


def test_a_goal_with_mistakes_lists_every_field(uow: Callable[[int], UnitOfWork], team: WorkspaceRef) -> None:
    with pytest.raises(FormErrors) as raised:
        goals.add_goal(
            uow,
            workspace=team,
            user_id="UPM1",
            owner_slack_id=None,
            draft=goal_draft(title="", metric="", target="lots"),
            today=TODAY,
        )
    assert {"title", "metric", "target"} <= {e.field for e in raised.value.fields}


def test_goals_are_listed_within_oversight_and_a_look_at_someone_elses_is_audited(
    uow: Callable[[int], UnitOfWork], team: WorkspaceRef, session_factory: sessionmaker[Session]
) -> None:
    goals.add_goal(
        uow,
        workspace=team,
        user_id="UPM1",
        owner_slack_id=None,
        draft=goal_draft(),
        today=TODAY,
    )
    own = goals.list_goals(uow, workspace_id=team.id, user_id="UPM1", subject_slack_id=None, today=TODAY)
    assert own.owner_name == "Li" and [g.title for g in own.goals] == ["Grow deposits"]
    assert audit(session_factory, "goals") == []
    seen = goals.list_goals(uow, workspace_id=team.id, user_id="UMGR", subject_slack_id="UPM1", today=TODAY)
    assert seen.owner_name == "Li" and len(seen.goals) == 1
    assert [(e.actor, e.entity_id) for e in audit(session_factory, "goals")] == [("UMGR", "UPM1")]
    with pytest.raises(PermissionDenied):
        goals.list_goals(uow, workspace_id=team.id, user_id="UPM2", subject_slack_id="UPM1", today=TODAY)
    with pytest.raises(NotFound) as missing:
        goals.list_goals(uow, workspace_id=team.id, user_id="UADM", subject_slack_id="UOLD", today=TODAY)
    assert missing.value.params == {"user": "UOLD"}
    assert len(audit(session_factory, "goals")) == 1  # refusals are not looks


# -- roster, home, direct messages --------------------------------------------------------------


def test_the_actor_is_a_plain_view_and_a_configured_admin_joins_on_first_contact(
    uow: Callable[[int], UnitOfWork], team: WorkspaceRef
) -> None:
    def lookup(user_id: str) -> Profile | None:
        return Profile(user_id=user_id, name="New Admin", timezone="Europe/London", locale="en-GB")

    with uow(team.id) as u:
        pm = roster.find_actor(u, "UPM1", admins=[], lookup=lookup, now=NOW)
        nobody = roster.find_actor(u, "UNEW", admins=[], lookup=lookup, now=NOW)
    assert isinstance(pm, MemberView) and (pm.role, pm.manager_slack_id) == ("pm", "UMGR")
    assert nobody is None
    with uow(team.id) as u:
        admin = roster.find_actor(u, "UNEW", admins=["UNEW"], lookup=lookup, now=NOW)
    assert isinstance(admin, MemberView) and (admin.role, admin.name) == ("admin", "New Admin")
    assert roster.stored_locale(uow, workspace_id=team.id, slack_user_id="UNEW") == admin.locale
    assert roster.stored_locale(uow, workspace_id=team.id, slack_user_id="UGHOST") is None


def test_the_dashboard_shows_a_managers_reports_with_their_goal_counts(
    uow: Callable[[int], UnitOfWork], team: WorkspaceRef
) -> None:
    goals.add_goal(
        uow,
        workspace=team,
        user_id="UMGR",
        owner_slack_id="UPM1",
        draft=goal_draft(),
        today=TODAY,
    )
    board = home.dashboard(uow, workspace=team, user_id="UMGR", now=NOW)
    assert board.me.slack_user_id == "UMGR" and board.my_goals == []
    assert [m.slack_user_id for m in board.team] == ["UPM1"] and board.team_goal_counts == {"UPM1": 1}
    with pytest.raises(NotFound):
        home.dashboard(uow, workspace=team, user_id="UGHOST", now=NOW)


def test_a_slack_profile_change_follows_on_the_roster_only_for_members(
    uow: Callable[[int], UnitOfWork], team: WorkspaceRef
) -> None:
    gone = Profile(user_id="UPM2", name="Wang", timezone=None, locale=None, deleted=True)
    assert roster.apply_user_change(uow, workspace_id=team.id, profile=gone, now=NOW) is not None
    with uow(team.id) as u:
        member = u.members.get_by_slack_id("UPM2")
        assert member is not None and not member.active
    stranger = Profile(user_id="USTRANGER", name="X", timezone=None, locale=None)
    assert roster.apply_user_change(uow, workspace_id=team.id, profile=stranger, now=NOW) is None


def test_the_dm_pointer_is_queued_at_most_once_per_ten_minutes(
    uow: Callable[[int], UnitOfWork], team: WorkspaceRef
) -> None:
    assert dm_help.help_due(uow, workspace=team, user_id="UPM1", now=NOW)
    assert dm_help.queue_help(uow, workspace=team, user_id="UPM1", channel="D1", locale="en", now=NOW)
    soon = NOW + dt.timedelta(minutes=9)
    assert not dm_help.help_due(uow, workspace=team, user_id="UPM1", now=soon)
    assert not dm_help.queue_help(uow, workspace=team, user_id="UPM1", channel="D1", locale="zh-CN", now=soon)
    assert dm_help.help_due(uow, workspace=team, user_id="UPM1", now=NOW + dt.timedelta(minutes=21))


def _profiles(user_id: str) -> Profile | None:
    known = {
        "UNEW": Profile(user_id="UNEW", name="Sun", timezone="Asia/Shanghai", locale="zh-CN"),
        "UBOT2": Profile(user_id="UBOT2", name="A bot", timezone=None, locale=None, is_bot=True),
    }
    return known.get(user_id)


def test_a_manager_adds_a_pm_who_then_reports_to_them_and_a_pm_may_not(
    uow: Callable[[int], UnitOfWork], team: WorkspaceRef, session_factory: sessionmaker[Session]
) -> None:
    def add(actor: str, role: str, user: str = "UNEW", **kw: Any) -> roster.RosterChange:
        return roster.add_member(
            uow,
            workspace_id=team.id,
            actor=actor,
            actor_role=role,
            user_id=user,
            role=kw.pop("new_role", Role.PM),
            product_line=kw.pop("product_line", "Cards"),
            manager_slack_id=None,
            lookup=_profiles,
            now=NOW,
        )

    with pytest.raises(PermissionDenied) as denied:
        add("UPM1", Role.PM)
    assert denied.value.key == "team.error.not_allowed"
    with pytest.raises(ServiceError) as bot:
        add("UMGR", Role.MANAGER, user="UBOT2")
    assert (bot.value.key, bot.value.params) == ("team.error.is_bot", {"user": "UBOT2"})
    with pytest.raises(NotFound):
        add("UMGR", Role.MANAGER, user="UNOWHERE")
    added = add("UMGR", Role.MANAGER)
    assert (
        added.created and added.member.manager_slack_id == "UMGR" and added.member.product_lines == ("Cards",)
    )
    again = add("UMGR", Role.MANAGER, product_line="")
    assert not again.created and again.changes == ()
    names = [m.slack_user_id for m in roster.list_team(uow, workspace_id=team.id)]
    assert "UNEW" in names and "UOLD" not in names


def test_removing_keeps_history_and_refuses_oneself_and_other_managers_reports(
    uow: Callable[[int], UnitOfWork], team: WorkspaceRef
) -> None:
    def remove(actor: str, role: str, user: str) -> MemberView:
        return roster.remove_member(uow, workspace_id=team.id, actor=actor, actor_role=role, user_id=user)

    with pytest.raises(ServiceError) as own:
        remove("UMGR", Role.MANAGER, "UMGR")
    assert own.value.key == "team.error.cannot_remove_self"
    with pytest.raises(NotFound) as gone:
        remove("UADM", Role.ADMIN, "UOLD")
    assert gone.value.params == {"user": "UOLD"}
    removed = remove("UMGR", Role.MANAGER, "UPM1")
    assert removed.slack_user_id == "UPM1" and not removed.active
    with uow(team.id) as u:
        assert u.members.get_by_slack_id("UPM1") is not None  # deactivated, not deleted
    with pytest.raises(NotFound):
        status.status_form(uow, workspace=team, user_id="UPM1", week=None, now=NOW)


def test_an_event_is_claimed_once_per_workspace(
    uow: Callable[[int], UnitOfWork], team: WorkspaceRef, session_factory: sessionmaker[Session]
) -> None:
    other = add_workspace(session_factory, "T2", name="B", bot_user_id="UB")
    assert claim_event(uow, workspace_id=team.id, event_id="Ev1")
    assert not claim_event(uow, workspace_id=team.id, event_id="Ev1")
    assert claim_event(uow, workspace_id=other.id, event_id="Ev1")
