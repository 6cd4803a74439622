"""Two submissions of one weekly status modal at once, over signed HTTP, on the real database.

A PM with the modal open in two windows (or a double click on Submit) sends two view
submissions that race. Both are saved, one after the other: each version gets its own revision,
revisions run 1, 2, 3... without gaps or repeats, both PMs' windows close without an error, and
after the digest each version gets its own note in its thread, the last one showing what was
finally kept.
"""

from __future__ import annotations

import threading
from typing import Any

import requests
from sqlalchemy import delete, select

from bot.delivery.outbox import enqueue
from bot.delivery.sender import OutboxSender
from bot.fakeslack import SlackRequestSender as S
from bot.ids import StatusAction, StatusBlock
from storage.outbox import OutboxMessage
from storage.status import Blocker, StatusRevision, StatusUpdate
from tests.support.harness import WEEK, Harness, seed_team
from tests.support.slack import click, open_from_prompt, post_prompt, saved, submit, values

ROUNDS = 8
DIGEST_KEY = "status-digest:T0001:2026-W48"


def _race(h: Harness, view: dict[str, Any], texts: list[str]) -> list[requests.Response]:
    """Submit `view` once per text, all at the same moment, each on its own thread."""
    barrier = threading.Barrier(len(texts))
    replies: list[requests.Response | None] = [None] * len(texts)

    def one(index: int) -> None:
        state = values(**{StatusBlock.PROGRESS: {"value": S.plain(texts[index])}})
        barrier.wait()
        replies[index] = h.sender.view_submission(user_id="UPM2", view=view, values=state)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(texts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(r is not None for r in replies)
    return [r for r in replies if r is not None]


def _closed_without_error(reply: requests.Response) -> bool:
    """Slack closes the modal on an empty 200 answer; errors come back as a JSON body."""
    return reply.status_code == 200 and not reply.text


def _history(h: Harness) -> tuple[StatusUpdate, list[StatusRevision]]:
    update = saved(h, "UPM2")
    assert update is not None
    with h.deps.uow(1) as uow:
        return update, list(uow.status.revisions(update.id))


def _forget_the_week(h: Harness) -> None:
    """Back to no update at all, so the next round races two first submissions again."""
    with h.deps.uow(1) as uow:
        ids = list(uow.session.scalars(select(StatusUpdate.id)))
        uow.session.execute(delete(StatusRevision).where(StatusRevision.update_id.in_(ids)))
        uow.session.execute(delete(Blocker).where(Blocker.update_id.in_(ids)))
        uow.session.execute(delete(StatusUpdate))
        uow.commit()


def test_two_first_submissions_at_once_both_save_as_versions_one_and_two(harness: Harness) -> None:
    seed_team(harness)
    view = open_from_prompt(harness, "UPM2")

    for round_ in range(ROUNDS):
        texts = [f"Round {round_} from window A", f"Round {round_} from window B"]
        replies = _race(harness, view, texts)

        assert [_closed_without_error(r) for r in replies] == [True, True], [r.text for r in replies]
        update, revisions = _history(harness)
        assert [r.revision for r in revisions] == [1, 2]
        assert update.revision == 2
        # The row shows the version saved last, and the history holds both, each once.
        assert update.progress == revisions[-1].snapshot["progress"]
        assert sorted(r.snapshot["progress"] for r in revisions) == sorted(texts)
        _forget_the_week(harness)


def test_concurrent_edits_get_unique_ordered_revisions(harness: Harness) -> None:
    seed_team(harness)
    view = open_from_prompt(harness, "UPM2")
    assert submit(harness, "UPM2", view, values()) == {}

    for round_ in range(ROUNDS):
        replies = _race(harness, view, [f"Edit {round_}A", f"Edit {round_}B"])
        assert [_closed_without_error(r) for r in replies] == [True, True], [r.text for r in replies]

    update, revisions = _history(harness)
    assert [r.revision for r in revisions] == list(range(1, 2 * ROUNDS + 2))
    assert update.revision == 2 * ROUNDS + 1
    assert update.progress == revisions[-1].snapshot["progress"]
    # Each PM was told the version their own submission became: no number twice. The
    # confirmations go out after the modal closed: wait for the first one and all the edits'.
    harness.fake.wait_for("chat.postMessage", count=2 * ROUNDS + 1)
    told = [c.params["text"] for c in harness.fake.calls_to("chat.postMessage") if c.response.get("ok")]
    edited = [text for text in told if "version" in text]
    assert len(edited) == 2 * ROUNDS and len(set(edited)) == 2 * ROUNDS


def test_racing_late_edits_each_get_a_note_and_the_thread_ends_on_the_kept_version(
    harness: Harness,
) -> None:
    seed_team(harness)
    view = open_from_prompt(harness, "UPM2")
    assert submit(harness, "UPM2", view, values()) == {}
    with harness.deps.uow(1) as uow:
        enqueue(
            uow,
            now=harness.clock.now,
            key=DIGEST_KEY,
            method="chat.postMessage",
            payload={"channel": "C0DIGEST", "text": "Weekly digest"},
            not_before=harness.clock.now,
        )
        uow.status.add_digest_post(WEEK, DIGEST_KEY)
        uow.commit()
    sender = OutboxSender(
        session_factory=harness.session_factory, client=harness.deps.client, clock=harness.clock
    )
    assert sender.drain().sent == 1

    for round_ in range(ROUNDS):
        replies = _race(harness, view, [f"Late {round_}A", f"Late {round_}B"])
        assert [_closed_without_error(r) for r in replies] == [True, True], [r.text for r in replies]
    harness.settle()  # the notes are queued after the modals closed

    with harness.deps.uow(1) as uow:
        notes = uow.session.scalars(
            select(OutboxMessage.delivery_key).where(OutboxMessage.thread_of == DIGEST_KEY)
        ).all()
    assert sorted(notes) == sorted(
        f"status-late-edit:T0001:UPM2:2026-W48:{n}" for n in range(2, 2 * ROUNDS + 2)
    )
    assert sender.drain().sent == 2 * ROUNDS

    update = saved(harness, "UPM2")
    assert update is not None
    parent, *thread = harness.fake.messages("C0DIGEST")
    assert len(thread) == 2 * ROUNDS and all(m["thread_ts"] == parent["ts"] for m in thread)
    assert f"version {update.revision}" in thread[-1]["text"]
    assert update.progress in str(thread[-1]["blocks"])


def _skip_twice_at_once(h: Harness, prompt: tuple[str, str]) -> None:
    barrier = threading.Barrier(2)

    def skip() -> None:
        barrier.wait()
        click(h, "UPM2", StatusAction.SKIP, WEEK, where=prompt)

    threads = [threading.Thread(target=skip) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)


def test_two_skip_clicks_at_once_both_get_their_answer(harness: Harness) -> None:
    seed_team(harness)

    for _ in range(ROUNDS):
        _skip_twice_at_once(harness, post_prompt(harness, "UPM2"))

        # Both clicks are answered: the prompt shows the week skipped, whichever came second.
        updates = harness.fake.wait_for("chat.update", count=2, timeout=10)
        assert updates.response["ok"]
        assert all("You skipped 2026-W48" in c.params["text"] for c in harness.fake.calls_to("chat.update"))
        update, revisions = _history(harness)
        assert update.state == "skipped" and [r.revision for r in revisions] == [1]
        _forget_the_week(harness)
