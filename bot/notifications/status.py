"""The weekly status cadence's messages: prompts, reminders, managers' missing lists, late notes.

Each is rendered in its reader's language and queued under the key that names it
(`bot.domain.schedule`, `bot.domain.status.late_edit_key`), so the same message is queued once
however often it is asked for. The caller owns the unit of work and commits, except in
`send_late_notes`, which a listener calls.

Late notes. A version of an update saved after the week's digest went out gets a note in the
digest's thread, in the team's language. The edit's transaction only records the debt as plain
data on the version's history row (`bot.services.status`); this module renders each debt and
queues it, settling the debt in the transaction that writes the outbox row. So:
- never lost: the debt commits with the edit or not at all. If the process dies, or queueing
  fails, after the edit committed, the debt stays, and the next tick (`bot.jobs.status`, every
  minute) queues it. The listener queues it at once after the edit only to save that minute;
- never repeated: the outbox row and the settling commit together, and the row's delivery key
  is one per version (`status-late-edit:T:U:week:revision`), so the listener and a tick (or two
  schedulers' ticks) queueing the same debt at once still make one row, which the sender posts
  once;
- the service never sees Slack or a renderer: it imports neither `bot.ui` nor this module
  (`tests/unit/test_layering.py`), and the note shows its version as saved, whenever rendered.
The alternatives were worse. Queueing the rendered note inside the edit's transaction needs the
service to render, or to be handed a renderer. A row of plain data rendered at send time would
make the sender and the outbox tools (`pmpulse outbox`, reconciling an uncertain send) deal in
two kinds of payload. The price here is a flag on the history row and one indexed query a tick.
"""

from __future__ import annotations

import datetime as dt

from bot.delivery.outbox import enqueue
from bot.domain import schedule
from bot.notifications import POST_MESSAGE, queue_dm
from bot.services import status as status_service
from bot.services.schedule import Person
from bot.services.unit import UowFactory
from bot.services.workspaces import WorkspaceRef
from bot.ui.prompts import build_missing_list, build_prompt, build_reminder
from bot.ui.status import build_late_note
from storage.uow import UnitOfWork


def queue_prompt(uow: UnitOfWork, *, team_id: str, person: Person, week: str, now: dt.datetime) -> bool:
    """The weekly prompt of `week` to a PM; False if it was queued before."""
    return queue_dm(
        uow,
        key=schedule.prompt_key(team_id, person.slack_user_id, week),
        slack_user_id=person.slack_user_id,
        message=build_prompt(person.locale, week=week, name=person.name),
        now=now,
    )


def queue_reminder(uow: UnitOfWork, *, team_id: str, person: Person, week: str, now: dt.datetime) -> bool:
    """The reminder of `week` to a PM who has neither answered nor skipped; False if queued before."""
    return queue_dm(
        uow,
        key=schedule.reminder_key(team_id, person.slack_user_id, week),
        slack_user_id=person.slack_user_id,
        message=build_reminder(person.locale, week=week, name=person.name),
        now=now,
    )


def queue_missing_list(
    uow: UnitOfWork, *, team_id: str, manager: Person, week: str, missing: list[str], now: dt.datetime
) -> bool:
    """A manager's list of reports (Slack IDs) still missing for `week`; False if queued before."""
    return queue_dm(
        uow,
        key=schedule.missing_key(team_id, manager.slack_user_id, week),
        slack_user_id=manager.slack_user_id,
        message=build_missing_list(manager.locale, week=week, missing=missing),
        now=now,
    )


def queue_late_note(uow: UnitOfWork, note: status_service.LateNote, *, now: dt.datetime) -> bool:
    """Queue one owed note into its digest's thread and settle the debt; False if queued before."""
    payload = build_late_note(note.locale, note.view)
    if note.channel:
        payload["channel"] = note.channel
    queued = enqueue(
        uow, key=note.key, method=POST_MESSAGE, payload=payload, now=now, thread_of=note.thread_of
    )
    status_service.late_note_queued(uow, note)
    return queued


def queue_late_notes(uow: UnitOfWork, *, team_id: str, now: dt.datetime) -> int:
    """Queue every note the workspace owes digests' threads; how many were new. The caller commits."""
    return sum(
        queue_late_note(uow, note, now=now) for note in status_service.late_notes_owed(uow, team_id=team_id)
    )


def send_late_notes(uow_factory: UowFactory, *, workspace: WorkspaceRef, now: dt.datetime) -> int:
    """Right after a late edit: queue what the workspace owes, in a transaction of its own.

    Failing here loses nothing: the debts stay recorded and the next tick queues them.
    """
    with uow_factory(workspace.id) as uow:
        queued = queue_late_notes(uow, team_id=workspace.slack_team_id, now=now)
        uow.commit()
    return queued
