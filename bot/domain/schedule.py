"""What the weekly status cadence owes whom at a moment: prompts, reminders, the digest, missing lists.

Pure rules over plain values and a `now` (UTC). Each PM is prompted and reminded at the team's
day and time in their own timezone; the digest and the managers' missing lists follow the team's
timezone. An event stays due for the rest of its local day, so a tick missed while the bot was
down is caught up at the next start that same day; the outbox's delivery keys (see `*_key`)
make a second enqueue of the same message a no-op, so nothing goes out twice.

A PM who moves east past the prompt time (New York on Thursday 14:00 is already Friday 03:00 in
Shanghai) would skip the week's prompt: before the move it was not yet 16:00, after it Thursday
is over. When the move falls between the event in the new timezone and the event in the old one,
the event is due from the move until the end of that day in the old timezone. A move west cannot
skip an event (the new timezone's moment comes later), and the per-week delivery key keeps a PM
prompted before moving west from being prompted again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain.weeks import iso_week, week_start


@dataclass(frozen=True, slots=True)
class WeeklyTime:
    """A weekday (0 = Monday) and a wall-clock time."""

    day: int
    at: dt.time


@dataclass(frozen=True, slots=True)
class Cadence:
    """The team's weekly status cadence (team settings, as plain values)."""

    timezone: str
    prompt: WeeklyTime = WeeklyTime(3, dt.time(16, 0))
    reminder: WeeklyTime = WeeklyTime(4, dt.time(10, 0))
    digest: WeeklyTime = WeeklyTime(4, dt.time(17, 0))


@dataclass(frozen=True, slots=True)
class Leave:
    start: dt.date
    end: dt.date  # inclusive


@dataclass(frozen=True, slots=True)
class ScheduledPM:
    """An active PM as the cadence sees them; `answered_weeks` holds submitted or skipped weeks."""

    slack_user_id: str
    timezone: str | None
    manager_slack_id: str | None = None
    answered_weeks: frozenset[str] = frozenset()
    leaves: tuple[Leave, ...] = ()
    previous_timezone: str | None = None  # before the last timezone change, if any
    timezone_changed_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class DueDM:
    """A DM owed to one member about one week."""

    slack_user_id: str
    week: str


@dataclass(frozen=True, slots=True)
class MissingList:
    """A manager's reports who have neither answered nor are on leave, at digest time."""

    manager_slack_id: str
    week: str
    missing: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DueWork:
    prompts: list[DueDM] = field(default_factory=list)
    reminders: list[DueDM] = field(default_factory=list)
    digest_week: str | None = None
    missing_lists: list[MissingList] = field(default_factory=list)


def zone(name: str | None, fallback: str) -> ZoneInfo:
    """The member's timezone, else the team's (an unknown name falls back too), else UTC."""
    for candidate in (name, fallback):
        if candidate:
            try:
                return ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


def local_week(now: dt.datetime, tz: ZoneInfo) -> str:
    """The ISO week it is at `now` on a wall clock in `tz`."""
    return iso_week(now.astimezone(tz).date())


def due_week(now: dt.datetime, tz: ZoneInfo, when: WeeklyTime) -> str | None:
    """The ISO week whose `when` has passed at `now` in `tz` on that same local day, else None.

    Same local day is the grace window: late enough to catch up a missed tick, early enough that
    an outage of days does not send Thursday's prompt on Saturday.
    """
    local = now.astimezone(tz)
    if local.weekday() != when.day or local.time().replace(tzinfo=None) < when.at:
        return None
    return iso_week(local.date())


def due_week_after_move(
    now: dt.datetime, tz: ZoneInfo, previous: ZoneInfo, changed_at: dt.datetime, when: WeeklyTime
) -> str | None:
    """The ISO week whose `when` a timezone change skipped, while that day lasts in the old zone.

    Skipped means the change came after the event's moment in the new timezone (so the tick never
    saw the member there before it) and before its moment in the old one (so they were not
    prompted there either).
    """
    if now < changed_at:
        return None
    old_local = now.astimezone(previous)
    if old_local.weekday() != when.day:
        return None
    day = old_local.date()
    in_new = dt.datetime.combine(day, when.at, tzinfo=tz)
    in_old = dt.datetime.combine(day, when.at, tzinfo=previous)
    if in_new <= changed_at < in_old:
        return iso_week(day)
    return None


def status_window(week: str, cadence: Cadence) -> tuple[dt.date, dt.date]:
    """The days of `week` that the cadence runs over, from the prompt to the digest."""
    days = (cadence.prompt.day, cadence.reminder.day, cadence.digest.day)
    monday = week_start(week)
    return monday + dt.timedelta(days=min(days)), monday + dt.timedelta(days=max(days))


def on_leave(week: str, cadence: Cadence, leaves: Iterable[Leave]) -> bool:
    """Away for any day of the week's status window: no prompt, no reminder, not counted missing."""
    first, last = status_window(week, cadence)
    return any(leave.start <= last and leave.end >= first for leave in leaves)


def owes_update(pm: ScheduledPM, week: str, cadence: Cadence) -> bool:
    """Neither submitted nor skipped, and not on leave."""
    return week not in pm.answered_weeks and not on_leave(week, cadence, pm.leaves)


def candidate_weeks(now: dt.datetime, cadence: Cadence, timezones: Iterable[str | None]) -> set[str]:
    """Every week some member or the team is in at `now`: what the caller must load answers for."""
    weeks = {local_week(now, zone(cadence.timezone, "UTC"))}
    weeks.update(local_week(now, zone(name, cadence.timezone)) for name in set(timezones))
    return weeks


def timezones_of(pms: Iterable[ScheduledPM]) -> set[str | None]:
    """Each PM's timezone and, where they moved, the one before: `candidate_weeks` needs both."""
    names: set[str | None] = set()
    for pm in pms:
        names.add(pm.timezone)
        if pm.timezone_changed_at is not None:
            names.add(pm.previous_timezone)
    return names


def due_prompts(now: dt.datetime, cadence: Cadence, pms: Sequence[ScheduledPM]) -> list[DueDM]:
    return _due_dms(now, cadence, pms, cadence.prompt)


def due_reminders(now: dt.datetime, cadence: Cadence, pms: Sequence[ScheduledPM]) -> list[DueDM]:
    return _due_dms(now, cadence, pms, cadence.reminder)


def _due_dms(now: dt.datetime, cadence: Cadence, pms: Sequence[ScheduledPM], when: WeeklyTime) -> list[DueDM]:
    due: list[DueDM] = []
    zones: dict[str | None, ZoneInfo] = {}
    for pm in pms:
        tz = zones.get(pm.timezone)
        if tz is None:
            tz = zones[pm.timezone] = zone(pm.timezone, cadence.timezone)
        week = due_week(now, tz, when)
        if week is None and pm.previous_timezone and pm.timezone_changed_at is not None:
            previous = zone(pm.previous_timezone, cadence.timezone)
            week = due_week_after_move(now, tz, previous, pm.timezone_changed_at, when)
        if week is not None and owes_update(pm, week, cadence):
            due.append(DueDM(pm.slack_user_id, week))
    return sorted(due, key=lambda d: (d.week, d.slack_user_id))


def digest_due(now: dt.datetime, cadence: Cadence) -> str | None:
    """The week whose digest is due at `now` (team timezone), else None."""
    return due_week(now, zone(cadence.timezone, "UTC"), cadence.digest)


def manager_missing_lists(week: str, cadence: Cadence, pms: Sequence[ScheduledPM]) -> list[MissingList]:
    """Per manager, their reports still owing an update for `week` (managers with none are left out)."""
    by_manager: dict[str, list[str]] = {}
    for pm in pms:
        if pm.manager_slack_id and owes_update(pm, week, cadence):
            by_manager.setdefault(pm.manager_slack_id, []).append(pm.slack_user_id)
    return [
        MissingList(manager, week, tuple(sorted(missing))) for manager, missing in sorted(by_manager.items())
    ]


def due_work(now: dt.datetime, cadence: Cadence, pms: Sequence[ScheduledPM]) -> DueWork:
    """Everything the cadence owes at `now`."""
    digest_week = digest_due(now, cadence)
    return DueWork(
        prompts=due_prompts(now, cadence, pms),
        reminders=due_reminders(now, cadence, pms),
        digest_week=digest_week,
        missing_lists=manager_missing_lists(digest_week, cadence, pms) if digest_week else [],
    )


# -- delivery keys: one message per key, ever ------------------------------------------------------


def prompt_key(team: str, user: str, week: str) -> str:
    return f"status-prompt:{team}:{user}:{week}"


def reminder_key(team: str, user: str, week: str) -> str:
    return f"status-reminder:{team}:{user}:{week}"


def digest_key(team: str, week: str) -> str:
    return f"status-digest:{team}:{week}"


def digest_reply_key(team: str, week: str, user: str, part: int) -> str:
    return f"status-digest-reply:{team}:{week}:{user}:{part}"


def missing_key(team: str, manager: str, week: str) -> str:
    return f"status-missing:{team}:{manager}:{week}"
