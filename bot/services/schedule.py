"""What the weekly status cadence owes at `now` in one workspace, with who gets it and in which language.

The rules are in `bot.domain.schedule`; this use case loads the roster, the week's answers and
leaves, and leaves out messages whose delivery key is already in the outbox, so a tick that runs
every minute does not re-offer thousands of prompts all afternoon.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.domain import schedule
from bot.domain.roster import Role
from bot.domain.schedule import Cadence, DueWork, ScheduledPM, WeeklyTime
from bot.domain.weeks import week_end, week_start
from bot.i18n import resolve_locale
from storage.uow import UnitOfWork
from storage.weekly import AnyRow, WeeklyQueries
from storage.workspaces import TeamSettings


@dataclass(frozen=True)
class Person:
    slack_user_id: str
    name: str
    locale: str


@dataclass(frozen=True)
class MissingReports:
    manager: Person
    week: str
    missing: list[Person]


@dataclass(frozen=True)
class DueMessages:
    """The messages owed now and not yet enqueued."""

    prompts: list[tuple[Person, str]] = field(default_factory=list)
    reminders: list[tuple[Person, str]] = field(default_factory=list)
    digest_week: str | None = None
    missing_lists: list[MissingReports] = field(default_factory=list)


def cadence_of(settings: TeamSettings) -> Cadence:
    return Cadence(
        timezone=settings.timezone,
        prompt=WeeklyTime(settings.prompt_day, settings.prompt_time),
        reminder=WeeklyTime(settings.reminder_day, settings.reminder_time),
        digest=WeeklyTime(settings.digest_day, settings.digest_time),
    )


def due_now(uow: UnitOfWork, *, team_id: str, now: dt.datetime) -> DueMessages:
    """Prompts, reminders, the digest week and missing lists due at `now`, minus those already queued."""
    settings = uow.team_settings.get()
    if settings is None:
        return DueMessages()
    cadence = cadence_of(settings)
    queries = WeeklyQueries(uow.session, uow.workspace_id or 0)
    members = queries.active_members()
    pm_rows = [m for m in members if m.role == Role.PM]

    # First without answers or leaves: most minutes nothing is due and nothing more is read.
    bare = [
        ScheduledPM(
            m.slack_user_id,
            m.timezone,
            previous_timezone=m.previous_timezone,
            timezone_changed_at=m.timezone_changed_at,
        )
        for m in pm_rows
    ]
    if not _anything(schedule.due_work(now, cadence, bare)):
        return DueMessages()

    weeks = schedule.candidate_weeks(now, cadence, schedule.timezones_of(bare))
    answered = queries.answered(weeks)
    leaves: dict[int, list[schedule.Leave]] = {}
    for member_id, start, end in queries.leaves(
        min(week_start(w) for w in weeks), max(week_end(w) for w in weeks)
    ):
        leaves.setdefault(member_id, []).append(schedule.Leave(start, end))
    slack_id_of = {m.id: m.slack_user_id for m in members}
    pms = [
        ScheduledPM(
            slack_user_id=m.slack_user_id,
            timezone=m.timezone,
            manager_slack_id=slack_id_of.get(m.manager_id) if m.manager_id else None,
            answered_weeks=frozenset(w for w in weeks if (m.id, w) in answered),
            leaves=tuple(leaves.get(m.id, ())),
            previous_timezone=m.previous_timezone,
            timezone_changed_at=m.timezone_changed_at,
        )
        for m in pm_rows
    ]
    due = schedule.due_work(now, cadence, pms)
    return _not_yet_queued(due, queries, team_id=team_id, people=_people(members, settings.locale))


def _anything(due: DueWork) -> bool:
    return bool(due.prompts or due.reminders or due.digest_week)


def _people(members: Sequence[AnyRow], team_locale: str) -> dict[str, Person]:
    return {
        m.slack_user_id: Person(m.slack_user_id, m.name, resolve_locale(m.locale, team_locale))
        for m in members
    }


def _not_yet_queued(
    due: DueWork, queries: WeeklyQueries, *, team_id: str, people: dict[str, Person]
) -> DueMessages:
    prompt_keys = {schedule.prompt_key(team_id, d.slack_user_id, d.week): d for d in due.prompts}
    reminder_keys = {schedule.reminder_key(team_id, d.slack_user_id, d.week): d for d in due.reminders}
    missing_keys = {schedule.missing_key(team_id, m.manager_slack_id, m.week): m for m in due.missing_lists}
    digest_keys = [schedule.digest_key(team_id, due.digest_week)] if due.digest_week else []
    queued = queries.existing_keys([*prompt_keys, *reminder_keys, *missing_keys, *digest_keys])
    return DueMessages(
        prompts=[(people[d.slack_user_id], d.week) for k, d in prompt_keys.items() if k not in queued],
        reminders=[(people[d.slack_user_id], d.week) for k, d in reminder_keys.items() if k not in queued],
        digest_week=due.digest_week if digest_keys and digest_keys[0] not in queued else None,
        missing_lists=[
            MissingReports(
                manager=people[m.manager_slack_id],
                week=m.week,
                missing=[people[user] for user in m.missing],
            )
            for k, m in missing_keys.items()
            if k not in queued and m.manager_slack_id in people
        ],
    )
