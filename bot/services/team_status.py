"""`/pm status team [WEEK]`: who submitted, skipped, is away or missing, for a manager or an admin."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from bot.domain.roster import Role
from bot.domain.schedule import Cadence, Leave, WeeklyTime, local_week, on_leave, zone
from bot.domain.status import TeamState, team_state
from bot.domain.weeks import week_end, week_start
from bot.services.errors import PermissionDenied
from bot.services.leave import leaves_by_member
from bot.services.unit import UowFactory, card_of
from bot.services.workspaces import WorkspaceRef
from storage.roster import MemberCard, Person
from storage.uow import UnitOfWork
from storage.workspaces import TeamSettings

# Missing first: that is what a manager opens the table for.
STATE_ORDER = (TeamState.MISSING, TeamState.SKIPPED, TeamState.ON_LEAVE, TeamState.SUBMITTED)


@dataclass(frozen=True)
class TeamRow:
    slack_user_id: str
    name: str
    state: TeamState
    health: str | None
    updated_at: dt.datetime | None
    open_blockers: int


@dataclass(frozen=True)
class TeamStatus:
    week: str
    rows: tuple[TeamRow, ...]

    @property
    def counts(self) -> Counter[TeamState]:
        return Counter(row.state for row in self.rows)

    @property
    def answered(self) -> int:
        counts = self.counts
        return counts[TeamState.SUBMITTED] + counts[TeamState.SKIPPED]


@dataclass(frozen=True)
class TeamWeek:
    """The team's week as the requester reads it: the table, and the time zone its times are in."""

    status: TeamStatus
    timezone: str


def cadence_of(settings: TeamSettings | None, *, fallback_timezone: str) -> Cadence:
    """The team's weekly cadence as the schedule rules read it."""
    if settings is None:
        return Cadence(timezone=fallback_timezone)
    return Cadence(
        timezone=settings.timezone,
        prompt=WeeklyTime(settings.prompt_day, settings.prompt_time),
        reminder=WeeklyTime(settings.reminder_day, settings.reminder_time),
        digest=WeeklyTime(settings.digest_day, settings.digest_time),
    )


def people_in_view(uow: UnitOfWork, actor: MemberCard, *, active: bool = True) -> list[Person]:
    """Whose weekly status `actor` may see: an admin every PM, a manager their reports; with
    `active` False, those of them no longer on the roster."""
    if actor.role == Role.ADMIN:
        return uow.members.people(Role.PM, active=active)
    if actor.role == Role.MANAGER:
        return uow.members.people(Role.PM, manager_id=actor.id, active=active)
    raise PermissionDenied("status.team.error.not_allowed")


def team_week(
    uow_factory: UowFactory, *, workspace: WorkspaceRef, user_id: str, week: str | None, now: dt.datetime
) -> TeamWeek:
    """`week` (None: the requester's current week) for the PMs the requester may see."""
    with uow_factory(workspace.id) as uow:
        actor = card_of(uow, user_id)
        timezone = zone(actor.timezone, workspace.timezone)
        status = team_status(
            uow, actor=actor, week=week or local_week(now, timezone), team_timezone=workspace.timezone
        )
        return TeamWeek(status=status, timezone=timezone.key)


def team_status(uow: UnitOfWork, *, actor: MemberCard, week: str, team_timezone: str) -> TeamStatus:
    """Each PM in view with their answer for `week`; the look is audited (it is people data).

    PMs no longer active (removed, or deactivated in Slack) who answered `week` stay in view;
    those who did not answer are not listed as missing. Read as rows (Core): a manager of fifty
    opens this in the middle of the Friday burst.
    """
    current = people_in_view(uow, actor)
    former = people_in_view(uow, actor, active=False)
    answers = uow.status.week_answers(week, [m.id for m in current + former])
    people = current + [m for m in former if m.id in answers]
    leaves = leaves_by_member(uow, start=week_start(week), end=week_end(week))
    cadence = cadence_of(uow.team_settings.get(), fallback_timezone=team_timezone)
    rows = []
    for member in people:
        answer = answers.get(member.id)
        away = on_leave(week, cadence, (Leave(r.start, r.end) for r in leaves.get(member.id, [])))
        rows.append(
            TeamRow(
                slack_user_id=member.slack_user_id,
                name=member.name,
                state=team_state(update_state=answer.state if answer else None, on_leave=away),
                health=answer.health if answer else None,
                updated_at=answer.updated_at if answer else None,
                open_blockers=answer.open_blockers if answer else 0,
            )
        )
    rows.sort(key=lambda r: (STATE_ORDER.index(r.state), r.name.lower(), r.slack_user_id))
    uow.audit.record(
        actor=actor.slack_user_id,
        action="view",
        entity="status_team",
        entity_id=week,
        detail={"members": len(rows)},
    )
    uow.commit()
    return TeamStatus(week=week, rows=tuple(rows))
