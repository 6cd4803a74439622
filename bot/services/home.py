"""The App Home dashboard: what one person sees on pmpulse's Home tab."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.domain.roster import Role
from bot.services import goals as goal_service
from bot.services.goals import GoalView
from bot.services.roster import MemberView, card_view, to_view
from bot.services.unit import UowFactory, card_of
from storage.roster import Member, MemberCard
from storage.uow import UnitOfWork


@dataclass(frozen=True)
class Dashboard:
    me: MemberView
    my_goals: list[GoalView]
    team: list[MemberView]
    team_goal_counts: dict[str, int]


def dashboard(uow_factory: UowFactory, *, workspace_id: int, user_id: str, today: dt.date) -> Dashboard:
    """Published after every edit: the person and their goals are read as rows (Core), the
    team of a manager or an admin as members."""
    with uow_factory(workspace_id) as uow:
        return _dashboard(uow, member=card_of(uow, user_id), today=today)


def _dashboard(uow: UnitOfWork, *, member: MemberCard, today: dt.date) -> Dashboard:
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
        my_goals=my_goals,
        team=[to_view(m) for m in team],
        team_goal_counts=counts,
    )
