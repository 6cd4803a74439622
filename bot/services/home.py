"""The App Home dashboard: what one person sees on pmpulse's Home tab."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.domain.roster import Role
from bot.domain.schedule import Leave, local_week, on_leave, zone
from bot.services import goals as goal_service
from bot.services.goals import GoalView
from bot.services.roster import MemberView, card_view, to_view
from bot.services.team_status import cadence_of
from bot.services.unit import UowFactory, card_of
from bot.services.workspaces import WorkspaceRef
from storage.roster import Member, MemberCard
from storage.uow import UnitOfWork


@dataclass(frozen=True)
class MyWeek:
    """The person's weekly update for the week it is on their own clock: submitted, skipped,
    or not yet (`state` None)."""

    week: str
    state: str | None
    health: str | None
    updated_at: dt.datetime | None
    open_blockers: int
    timezone: str  # the person's, for the time it was saved
    on_leave: bool = False  # not answered, and away for some of the week's status window


@dataclass(frozen=True)
class Dashboard:
    me: MemberView
    my_week: MyWeek
    my_goals: list[GoalView]
    team: list[MemberView]
    team_goal_counts: dict[str, int]


def dashboard(
    uow_factory: UowFactory, *, workspace: WorkspaceRef, user_id: str, now: dt.datetime
) -> Dashboard:
    """Published when the tab is opened and after edits made from it: the person, their update
    this week and their goals are read as rows (Core), the team of a manager or an admin as
    members. Goals are judged on the team's calendar; the week is the person's own."""
    with uow_factory(workspace.id) as uow:
        member = card_of(uow, user_id)
        mine = zone(member.timezone, workspace.timezone)
        today = now.astimezone(zone(None, workspace.timezone)).date()
        my_week = _my_week(uow, member, now=now, tz=mine, team_timezone=workspace.timezone)
        return _dashboard(uow, member=member, today=today, my_week=my_week)


def _my_week(
    uow: UnitOfWork, member: MemberCard, *, now: dt.datetime, tz: ZoneInfo, team_timezone: str
) -> MyWeek:
    week = local_week(now, tz)
    answer = uow.status.week_answers(week, [member.id]).get(member.id)
    if answer is not None:
        return MyWeek(week, answer.state, answer.health, answer.updated_at, answer.open_blockers, tz.key)
    leaves = [Leave(leave.start_date, leave.end_date) for leave in uow.leaves.for_member(member.id)]
    # The team's settings only when there is leave to weigh against the week's status window.
    away = bool(leaves) and on_leave(
        week, cadence_of(uow.team_settings.get(), fallback_timezone=team_timezone), leaves
    )
    return MyWeek(week, None, None, None, 0, tz.key, on_leave=away)


def _dashboard(uow: UnitOfWork, *, member: MemberCard, today: dt.date, my_week: MyWeek) -> Dashboard:
    goals = uow.goals
    my_goals = [
        goal_service.row_view(g, owner_slack_id=member.slack_user_id, owner_name=member.name, today=today)
        for g in goals.open_rows(member.id)
    ]
    team: list[Member] = []
    if member.role == Role.ADMIN:
        team = [m for m in uow.members.list() if m.id != member.id]
    elif member.role == Role.MANAGER:
        team = list(uow.members.reports_of(member.id))
    counts: dict[str, int] = {m.slack_user_id: 0 for m in team}
    for goal in goals.for_owners([m.id for m in team], owners_loaded=True) if team else []:
        counts[goal.owner.slack_user_id] += 1
    return Dashboard(
        me=card_view(member),
        my_week=my_week,
        my_goals=my_goals,
        team=[to_view(m) for m in team],
        team_goal_counts=counts,
    )
