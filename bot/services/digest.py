"""The weekly digest of one workspace: gather a week's answers in a few queries, summarize them.

Built to scale to thousands of PMs with years of history: every read is scoped to the weeks the
digest shows (this week, last week, and a few earlier weeks for still-open blockers), in about
eight queries, whatever the team size.
"""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.domain import digest as rules
from bot.domain.digest import BlockerItem, Digest, GoalWeek, PMWeek
from bot.domain.roster import Role, can_manage
from bot.domain.schedule import Leave, on_leave, zone
from bot.domain.status import team_state
from bot.domain.weeks import iso_week, previous_week, week_end, week_start
from bot.services.errors import PermissionDenied, ServiceError
from bot.services.roster import MemberView
from bot.services.schedule import cadence_of
from storage.uow import UnitOfWork
from storage.weekly import WeeklyQueries


@dataclass(frozen=True)
class DigestPlan:
    """A digest ready to render, and where it goes."""

    digest: Digest
    channel: str | None
    locale: str


def current_week(uow: UnitOfWork, *, now: dt.datetime) -> str:
    """The ISO week it is now in the team's timezone."""
    settings = uow.team_settings.get()
    return iso_week(now.astimezone(ZoneInfo(settings.timezone if settings else "UTC")).date())


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Pause CPython's cyclic garbage collector while a digest is gathered.

    A big team's week is some 100,000 short-lived, acyclic objects (rows, records); meanwhile the
    collector would walk the whole heap once or twice (half the build time at 2,000 PMs) and find
    nothing to collect, since reference counting frees all of them. Restored on the way out.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def weekly_digest(uow: UnitOfWork, *, week: str, now: dt.datetime) -> DigestPlan:
    """Everything the digest of `week` shows, as of `now`."""
    with _cyclic_gc_paused():
        return _weekly_digest(uow, week=week, now=now)


def _weekly_digest(uow: UnitOfWork, *, week: str, now: dt.datetime) -> DigestPlan:
    settings = uow.team_settings.get()
    if settings is None:
        raise ServiceError("digest.error.no_settings")
    cadence = cadence_of(settings)
    queries = WeeklyQueries(uow.session, uow.workspace_id or 0)
    last_week = previous_week(week)
    earlier = [previous_week(week, n) for n in range(1, rules.BLOCKER_LOOKBACK_WEEKS + 1)]

    # Rows are unpacked by position (see each query's docstring): attribute access on thousands of
    # rows costs more than the queries themselves.
    pms = [(m[0], m[1], m[2] or m[1]) for m in queries.active_members() if m[3] == Role.PM]
    # PMs who answered and then left (removed, or deactivated in Slack) keep their update here;
    # those who left without answering are not counted missing.
    pms += [(m[0], m[1], m[2] or m[1]) for m in queries.former_members_who_answered(week) if m[3] == Role.PM]
    products: dict[int, list[str]] = {}
    for member_id, name in queries.product_lines():
        products.setdefault(member_id, []).append(name)
    updates = {u[0]: u for u in queries.updates(week)}
    answers = {a[0]: a for a in queries.answers(last_week)}
    leaves: dict[int, list[Leave]] = {}
    for member_id, start, end in queries.leaves(week_start(last_week), week_end(week)):
        leaves.setdefault(member_id, []).append(Leave(start, end))

    this_weeks: dict[int, list[BlockerItem]] = {}
    carried: list[tuple[str, BlockerItem]] = []
    slack_id = {member_id: user for member_id, user, _ in pms}
    for member_id, blocker_week, text, resolved in queries.blockers(week, earlier):
        item = BlockerItem(text=text, resolved=resolved, week=blocker_week)
        if blocker_week == week:
            this_weeks.setdefault(member_id, []).append(item)
        elif member_id in slack_id:
            carried.append((slack_id[member_id], item))

    this_week: list[PMWeek] = []
    previous: list[PMWeek] = []
    for member_id, user, name in pms:
        lines = tuple(products.get(member_id, ()))
        away = leaves.get(member_id)
        update = updates.get(member_id)
        if update is None:
            answer = team_state(
                update_state=None, on_leave=bool(away) and on_leave(week, cadence, away or ())
            )
            this_week.append(PMWeek(user, name, answer, lines))
        else:
            _, state, progress, plans, health, reason, topic, risk, revision, late = update
            this_week.append(
                PMWeek(
                    slack_user_id=user,
                    name=name,
                    answer=team_state(update_state=state, on_leave=False),  # an answer wins over leave
                    product_lines=lines,
                    health=health,
                    health_reason=reason,
                    progress=progress,
                    plans=plans,
                    topic=topic,
                    risk=risk,
                    late=late,
                    revision=revision,
                    blockers=tuple(this_weeks.get(member_id, ())),
                )
            )
        _, state, health = answers.get(member_id) or (None, None, None)
        was_away = bool(away) and on_leave(last_week, cadence, away or ())
        previous.append(PMWeek(user, name, team_state(update_state=state, on_leave=was_away), lines, health))

    values = {(goal_id, of_week): value for goal_id, of_week, value in queries.kpi_values([week, last_week])}
    goals = [
        GoalWeek(
            goal_id,
            owner,
            owner_name,
            title,
            metric,
            unit,
            baseline,
            target,
            start,
            due,
            direction,
            value=values.get((goal_id, week)),
            previous=values.get((goal_id, last_week)),
        )
        for goal_id, owner, owner_name, title, metric, unit, baseline, target, start, due, direction in (
            queries.open_goals()
        )
    ]
    today = now.astimezone(zone(settings.timezone, "UTC")).date()
    on = min(max(today, week_start(week)), week_end(week))
    digest = rules.summarize(
        week,
        this_week,
        previous=previous,
        goals=goals,
        carried_blockers=carried,
        on=on,
    )
    return DigestPlan(digest=digest, channel=settings.digest_channel, locale=settings.locale)


def check_can_post(actor: MemberView) -> None:
    """Posting the digest on demand is for managers and admins."""
    if not can_manage(actor.role):
        raise PermissionDenied("digest.error.not_allowed")
