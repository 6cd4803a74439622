"""Status reliability over signed HTTP: a failed write saves nothing, late edits reach the digest thread."""

from __future__ import annotations

from sqlalchemy import Engine, select

from bot.delivery.outbox import enqueue
from bot.delivery.sender import OutboxSender
from bot.fakeslack import SlackRequestSender as S
from bot.fakeslack.blockkit import validate_message_blocks
from bot.i18n import t
from bot.ids import StatusAction, StatusBlock
from storage.outbox import OutboxMessage
from storage.status import StatusRevision, StatusUpdate
from tests.support.database import fail_inserts
from tests.support.harness import WEEK, Harness, seed_team
from tests.support.slack import click, confirmation, open_from_prompt, opened_view, saved, submit, values


def test_a_failed_database_write_leaves_the_modal_open_and_nothing_half_saved(
    harness: Harness, engine: Engine
) -> None:
    seed_team(harness)
    goal_id = harness.add_goal("UPM2")
    view = open_from_prompt(harness, "UPM2")
    # The update row and its blockers are written first; the history row fails after them.
    fail_inserts(engine, "status_revision")

    body = submit(harness, "UPM2", view, values(goal_id))

    assert body["response_action"] == "errors"
    assert body["errors"] == {StatusBlock.PROGRESS: t("en", "error.generic")}
    with harness.deps.uow(1) as uow:
        assert uow.session.scalars(select(StatusUpdate)).all() == []
        assert uow.status.kpi_values([goal_id], [WEEK]) == []
        assert uow.session.scalars(select(StatusRevision)).all() == []
    assert harness.fake.calls_to("chat.postMessage") == []


def test_edit_after_the_digest_is_marked_late_and_noted_in_its_thread(harness: Harness) -> None:
    seed_team(harness)
    submit(harness, "UPM2", open_from_prompt(harness, "UPM2"), values())
    posted = confirmation(harness)
    with harness.deps.uow(1) as uow:
        uow.status.add_digest_post(WEEK, "status-digest:T0001:2026-W48")
        uow.commit()

    click(harness, "UPM2", StatusAction.EDIT, WEEK, where=(posted["channel"], posted["ts"]))
    view = opened_view(harness, count=2)
    submit(harness, "UPM2", view, values(**{StatusBlock.HEALTH: {"value": S.select("red")}}))
    harness.settle()  # the note is queued after the modal closed

    late = confirmation(harness, count=2)["message"]
    assert "marked late" in str(late["blocks"])
    update = saved(harness, "UPM2")
    assert update is not None and update.late and update.revision == 2
    with harness.deps.uow(1) as uow:
        (note,) = uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.delivery_key.like("status-late-edit:%"))
        ).all()
        assert note.delivery_key == "status-late-edit:T0001:UPM2:2026-W48:2"
        assert note.thread_of == "status-digest:T0001:2026-W48"
        assert note.method == "chat.postMessage"
        assert "<@UPM2>" in note.payload["text"] and "version 2" in note.payload["text"]
        assert validate_message_blocks(note.payload["blocks"]) == []
        assert [r.late for r in uow.status.revisions(update.id)] == [False, True]


def test_the_late_note_is_sent_into_the_digests_thread(harness: Harness) -> None:
    seed_team(harness)
    submit(harness, "UPM2", open_from_prompt(harness, "UPM2"), values())
    posted = confirmation(harness)
    digest = "status-digest:T0001:2026-W48"
    with harness.deps.uow(1) as uow:
        enqueue(
            uow,
            key=digest,
            method="chat.postMessage",
            payload={"channel": "C0DIGEST", "text": "Weekly digest"},
            now=harness.clock.now,
        )
        uow.status.add_digest_post(WEEK, digest)
        uow.commit()
    sender = OutboxSender(
        session_factory=harness.session_factory, client=harness.deps.client, clock=harness.clock
    )
    assert sender.drain().sent == 1

    click(harness, "UPM2", StatusAction.EDIT, WEEK, where=(posted["channel"], posted["ts"]))
    edited = values(**{StatusBlock.PROGRESS: {"value": S.plain("Corrected figures <!here>")}})
    submit(harness, "UPM2", opened_view(harness, count=2), edited)
    harness.settle()  # the note is queued after the modal closed
    assert sender.drain().sent == 1

    parent, note = harness.fake.messages("C0DIGEST")
    assert parent["text"] == "Weekly digest" and note["thread_ts"] == parent["ts"]
    assert "<@UPM2> changed their 2026-W48, 23–29 Nov update" in note["text"]
    assert "Corrected figures &lt;!here&gt;" in str(note["blocks"])
