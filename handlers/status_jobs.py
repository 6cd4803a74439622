"""The weekly status cadence's jobs: prompts, reminders, the digest, and the minute tick running all three.

Each asks the services what is due at `now` in every workspace and queues it in the outbox; the
delivery keys make a job run twice (two schedulers, a catch-up after a restart) harmless.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Collection
from enum import StrEnum

from bot.delivery.outbox import enqueue, member_channel
from bot.deps import AppDeps
from bot.domain import schedule
from bot.services import schedule as schedule_service
from bot.ui.prompts import build_missing_list, build_prompt, build_reminder
from handlers.digest import POST_MESSAGE, DigestOutcome, enqueue_digest
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)


class Work(StrEnum):
    PROMPTS = "prompts"
    REMINDERS = "reminders"
    DIGEST = "digest"


def status_prompts(deps: AppDeps, now: dt.datetime) -> str:
    """Weekly prompts to PMs whose local prompt time has come today."""
    return run_cadence(deps, now, {Work.PROMPTS})


def status_reminders(deps: AppDeps, now: dt.datetime) -> str:
    """Reminders to PMs who have neither answered nor skipped."""
    return run_cadence(deps, now, {Work.REMINDERS})


def status_digest(deps: AppDeps, now: dt.datetime) -> str:
    """The digest to the digest channel, and managers' lists of reports still missing."""
    return run_cadence(deps, now, {Work.DIGEST})


def tick(deps: AppDeps, now: dt.datetime) -> str:
    """Everything the cadence owes at `now`; the scheduler runs this every minute and at start."""
    return run_cadence(deps, now, set(Work))


def run_cadence(deps: AppDeps, now: dt.datetime, work: Collection[Work]) -> str:
    """Queue what is due in every active workspace, one transaction each; a summary for operators."""
    totals: Counter[str] = Counter()
    with deps.uow() as uow:
        workspaces = [(w.id, w.slack_team_id) for w in uow.workspaces.list() if w.active]
    for workspace_id, team_id in workspaces:
        with deps.uow(workspace_id) as uow:
            totals.update(_queue_due(uow, team_id=team_id, now=now, work=work))
            uow.commit()
    return (
        f"queued {totals['prompts']} prompts, {totals['reminders']} reminders, "
        f"{totals['digests']} digests, {totals['missing lists']} missing lists"
    )


def _queue_due(uow: UnitOfWork, *, team_id: str, now: dt.datetime, work: Collection[Work]) -> Counter[str]:
    counts: Counter[str] = Counter()
    due = schedule_service.due_now(uow, team_id=team_id, now=now)
    if Work.PROMPTS in work:
        for person, week in due.prompts:
            counts["prompts"] += enqueue(
                uow,
                now=now,
                key=schedule.prompt_key(team_id, person.slack_user_id, week),
                method=POST_MESSAGE,
                payload={
                    "channel": member_channel(person.slack_user_id),
                    **build_prompt(person.locale, week=week, name=person.name),
                },
            )
    if Work.REMINDERS in work:
        for person, week in due.reminders:
            counts["reminders"] += enqueue(
                uow,
                now=now,
                key=schedule.reminder_key(team_id, person.slack_user_id, week),
                method=POST_MESSAGE,
                payload={
                    "channel": member_channel(person.slack_user_id),
                    **build_reminder(person.locale, week=week, name=person.name),
                },
            )
    if Work.DIGEST in work:
        if due.digest_week is not None:
            outcome = enqueue_digest(uow, team_id=team_id, week=due.digest_week, now=now)
            counts["digests"] += outcome is DigestOutcome.QUEUED
        for missing in due.missing_lists:
            manager = missing.manager
            counts["missing lists"] += enqueue(
                uow,
                now=now,
                key=schedule.missing_key(team_id, manager.slack_user_id, missing.week),
                method=POST_MESSAGE,
                payload={
                    "channel": member_channel(manager.slack_user_id),
                    **build_missing_list(
                        manager.locale, week=missing.week, missing=[p.slack_user_id for p in missing.missing]
                    ),
                },
            )
    return counts
