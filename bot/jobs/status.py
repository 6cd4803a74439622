"""The weekly status cadence's jobs: prompts, reminders, the digest, and the minute tick running all
three and queueing the notes late edits still owe digests' threads.

Each asks the services what is due at `now` in every workspace and has `bot.notifications` render
and queue it in the outbox; the delivery keys make a job run twice (two schedulers, a catch-up
after a restart) harmless.

One workspace's or one member's bad data never stops the rest: each workspace runs in its own
transaction, and each message (a prompt, a reminder, a manager's missing list, the digest with
its thread) in a savepoint of it. A part that fails is rolled back, logged with the workspace and
member IDs, counted in `pmpulse_job_failures_total`, and skipped; the next tick offers it again.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Collection, Iterator
from contextlib import AbstractContextManager, contextmanager
from enum import StrEnum

from bot.deps import AppDeps
from bot.metrics import FailureScope, count_job_failure
from bot.notifications.digest import DigestOutcome, enqueue_digest
from bot.notifications.status import queue_late_note, queue_missing_list, queue_prompt, queue_reminder
from bot.services import schedule as schedule_service
from bot.services import status as status_service
from bot.services.workspaces import serves_team
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)


class Work(StrEnum):
    PROMPTS = "prompts"
    REMINDERS = "reminders"
    DIGEST = "digest"
    LATE_NOTES = "late notes"  # what an edit after the digest owes its thread and was not queued yet


def status_prompts(deps: AppDeps, now: dt.datetime) -> str:
    """Weekly prompts to PMs whose local prompt time has come today."""
    return run_cadence(deps, now, {Work.PROMPTS}, job="status-prompts")


def status_reminders(deps: AppDeps, now: dt.datetime) -> str:
    """Reminders to PMs who have neither answered nor skipped."""
    return run_cadence(deps, now, {Work.REMINDERS}, job="status-reminders")


def status_digest(deps: AppDeps, now: dt.datetime) -> str:
    """The digest to the digest channel, and managers' lists of reports still missing."""
    return run_cadence(deps, now, {Work.DIGEST}, job="status-digest")


def tick(deps: AppDeps, now: dt.datetime) -> str:
    """Everything the cadence owes at `now`; the scheduler runs this every minute and at start."""
    return run_cadence(deps, now, set(Work), job="tick")


def run_cadence(deps: AppDeps, now: dt.datetime, work: Collection[Work], *, job: str) -> str:
    """Queue what is due in every active workspace, one transaction each; a summary for operators.

    `job` names the scheduled job in logs and in the failure metric's `job` label.
    """
    totals: Counter[str] = Counter()
    with deps.uow() as uow:
        workspaces = [
            (w.id, w.slack_team_id)
            for w in uow.workspaces.list()
            if w.active and serves_team(w.slack_team_id, token_team_id=deps.token_team_id)
        ]
    for workspace_id, team_id in workspaces:
        try:
            with deps.uow(workspace_id) as uow:
                counts = _queue_due(uow, job=job, team_id=team_id, now=now, work=work)
                uow.commit()
        except Exception:
            log.exception(
                "job %s: workspace %s (team %s) failed and was skipped; other workspaces go on",
                job,
                workspace_id,
                team_id,
            )
            count_job_failure(job, FailureScope.WORKSPACE)
            totals["failed"] += 1
        else:
            totals.update(counts)
    summary = "queued " + ", ".join(
        _count(totals[kind], kind) for kind in ("prompts", "reminders", "digests", "missing lists")
    )
    if totals["late notes"]:
        summary += ", " + _count(totals["late notes"], "late notes")
    if totals["failed"]:
        summary += f"; {_count(totals['failed'], 'parts')} failed (see the log)"
    return summary


@contextmanager
def _isolated(
    uow: UnitOfWork, counts: Counter[str], *, job: str, scope: FailureScope, team_id: str, about: str
) -> Iterator[None]:
    """Run one message's work in a savepoint; on failure roll it back, log, count, and go on."""
    try:
        with uow.session.begin_nested():
            yield
    except Exception:
        log.exception(
            "job %s: workspace %s (team %s): %s failed and was skipped",
            job,
            uow.workspace_id,
            team_id,
            about,
        )
        count_job_failure(job, scope)
        counts["failed"] += 1


def _queue_due(
    uow: UnitOfWork, *, job: str, team_id: str, now: dt.datetime, work: Collection[Work]
) -> Counter[str]:
    counts: Counter[str] = Counter()
    due = schedule_service.due_now(uow, team_id=team_id, now=now)

    def isolated(scope: FailureScope, about: str) -> AbstractContextManager[None]:
        return _isolated(uow, counts, job=job, scope=scope, team_id=team_id, about=about)

    if Work.PROMPTS in work:
        for person, week in due.prompts:
            with isolated(FailureScope.MEMBER, f"the {week} prompt to member {person.slack_user_id}"):
                counts["prompts"] += queue_prompt(uow, team_id=team_id, person=person, week=week, now=now)
    if Work.REMINDERS in work:
        for person, week in due.reminders:
            with isolated(FailureScope.MEMBER, f"the {week} reminder to member {person.slack_user_id}"):
                counts["reminders"] += queue_reminder(uow, team_id=team_id, person=person, week=week, now=now)
    if Work.DIGEST in work:
        if due.digest_week is not None:
            with isolated(FailureScope.WORKSPACE, f"the {due.digest_week} digest"):
                outcome = enqueue_digest(uow, team_id=team_id, week=due.digest_week, now=now)
                counts["digests"] += outcome is DigestOutcome.QUEUED
        for missing in due.missing_lists:
            manager = missing.manager
            about = f"the {missing.week} missing list to manager {manager.slack_user_id}"
            with isolated(FailureScope.MEMBER, about):
                counts["missing lists"] += queue_missing_list(
                    uow,
                    team_id=team_id,
                    manager=manager,
                    week=missing.week,
                    missing=[p.slack_user_id for p in missing.missing],
                    now=now,
                )
    if Work.LATE_NOTES in work:
        notes: list[status_service.LateNote] = []
        with isolated(FailureScope.WORKSPACE, "reading the late notes owed"):
            notes = status_service.late_notes_owed(uow, team_id=team_id)
        for note in notes:
            about = f"the late note {note.key}"
            with isolated(FailureScope.MEMBER, about):
                counts["late notes"] += queue_late_note(uow, note, now=now)
    return counts


def _count(number: int, plural: str) -> str:
    """`1 prompt`, `0 prompts`, `2 missing lists`: the summary an operator reads."""
    return f"{number} {plural[:-1] if number == 1 else plural}"
