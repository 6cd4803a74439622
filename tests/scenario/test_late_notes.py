"""Notes in the digest's thread about updates edited after the digest went out, over signed HTTP.

The edit records the note it owes in its own transaction; `bot.notifications.status` renders
and queues it, right after the edit and again at every tick for whatever is still owed. These
tests break that path where it can break (the outbox refusing writes after the edit committed,
the listener and ticks queueing the same debts at once, double clicks) and check on the fake
Slack that each version after the digest gets exactly one note, in its thread, in the team's
language, and that a version saved before the digest gets none.
"""

from __future__ import annotations

import re
import threading
from typing import Any

from sqlalchemy import Engine, select

from bot.delivery.sender import drain_now
from bot.domain.status import StatusForm
from bot.fakeslack import SlackRequestSender as S
from bot.ids import StatusBlock
from bot.jobs import run_job
from bot.notifications import status as status_notifications
from bot.services import status as status_service
from bot.services.workspaces import find_workspace, set_team_setting
from storage.outbox import OutboxMessage
from storage.status import StatusRevision
from tests.support.database import allow_inserts, fail_inserts
from tests.support.harness import WEEK, Harness, seed_team
from tests.support.slack import open_from_prompt, submit, values

DIGEST_CHANNEL = "C0DIGEST"
NOTE_PREFIX = "status-late-edit:T0001:UPM2:2026-W48:"
ZH_NOTE = ":pencil2: <@UPM2> 在汇总发布后修改了 2026年第48周（11月23日—29日）的周报（第 {} 版）"


def _team(h: Harness, locale: str = "zh-CN") -> None:
    """The seeded team, its digest channel, and its language (UPM2 reads English himself)."""
    seed_team(h)
    with h.deps.uow(1) as uow:
        set_team_setting(uow, actor="test", setting="digest_channel", text=DIGEST_CHANNEL)
    with h.deps.uow(1) as uow:
        set_team_setting(uow, actor="test", setting="locale", text=locale)
    h.deps.read_cache.forget_workspace(1)


def _post_digest(h: Harness) -> None:
    posted = h.command("UMGR", "digest now")
    assert DIGEST_CHANNEL in posted["text"], posted
    _drain(h)


def _drain(h: Harness) -> int:
    report = drain_now(h.deps, max_seconds=5)
    assert report.failed == 0 and report.pending == 0, report
    return report.sent


def _edit(h: Harness, view: dict[str, Any], progress: str) -> None:
    """Submit the modal with `progress`; wait for what the app does after closing it."""
    assert submit(h, "UPM2", view, values(**{StatusBlock.PROGRESS: {"value": S.plain(progress)}})) == {}
    h.settle()


def _thread(h: Harness) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The digest and the late notes in its thread, in the order Slack shows them."""
    parent, *replies = h.fake.messages(DIGEST_CHANNEL)
    assert all(r["thread_ts"] == parent["ts"] for r in replies)
    return parent, [r for r in replies if r["text"].startswith(":pencil2:")]


def _version(note: dict[str, Any]) -> int:
    found = re.search(r"\(version (\d+)\)", note["text"])
    assert found is not None, note["text"]
    return int(found.group(1))


def _note_keys(h: Harness) -> list[str]:
    with h.deps.uow(1) as uow:
        return sorted(
            uow.session.scalars(
                select(OutboxMessage.delivery_key).where(OutboxMessage.delivery_key.like(NOTE_PREFIX + "%"))
            )
        )


def _owed(h: Harness) -> list[int]:
    with h.deps.uow(1) as uow:
        return list(
            uow.session.scalars(
                select(StatusRevision.revision)
                .where(StatusRevision.late_note_owed.is_(True))
                .order_by(StatusRevision.revision)
            )
        )


def test_each_edit_after_the_digest_gets_one_note_in_its_thread_in_the_teams_language(
    harness: Harness,
) -> None:
    _team(harness)
    view = open_from_prompt(harness, "UPM2")
    _edit(harness, view, "Before the digest")
    _edit(harness, view, "Still before the digest")
    _post_digest(harness)

    _edit(harness, view, "Corrected figures <!here>")
    _edit(harness, view, "Pilot paused")
    assert _drain(harness) == 2

    _, notes = _thread(harness)
    assert [n["text"].split("。")[0] for n in notes] == [ZH_NOTE.format(3), ZH_NOTE.format(4)]
    # Each note shows its own version, escaped; the one before the digest got none.
    assert "Corrected figures &lt;!here&gt;" in str(notes[0]["blocks"])
    assert "Pilot paused" in str(notes[1]["blocks"]) and "Corrected" not in str(notes[1]["blocks"])
    assert _note_keys(harness) == [NOTE_PREFIX + "3", NOTE_PREFIX + "4"]
    assert _owed(harness) == []

    # A tick afterwards finds nothing owed: nothing is sent twice.
    assert "late note" not in run_job("tick", harness.deps, harness.clock())
    _drain(harness)
    assert len(_thread(harness)[1]) == 2 and len(_note_keys(harness)) == 2


def test_edits_before_the_digest_owe_no_note_even_once_it_is_posted(harness: Harness) -> None:
    _team(harness, locale="en")
    view = open_from_prompt(harness, "UPM2")
    _edit(harness, view, "First")
    _edit(harness, view, "Second")
    _post_digest(harness)
    run_job("tick", harness.deps, harness.clock())
    _drain(harness)

    _, notes = _thread(harness)
    assert notes == [] and "Second" in str(harness.fake.messages(DIGEST_CHANNEL))
    assert _note_keys(harness) == [] and _owed(harness) == []


def test_an_outbox_failing_after_the_edit_committed_loses_no_note_the_tick_sends_it(
    harness: Harness, engine: Engine
) -> None:
    _team(harness, locale="en")
    view = open_from_prompt(harness, "UPM2")
    _edit(harness, view, "Before the digest")
    _post_digest(harness)
    fail_inserts(engine, "outbox")

    # The edit commits; queueing its note right after fails. The PM's modal closed without an
    # error and their confirmation came, as it must: the edit is saved.
    _edit(harness, view, "Late correction")
    confirmations = [c for c in harness.fake.calls_to("chat.postMessage") if "version 2" in c.params["text"]]
    assert len(confirmations) == 1
    assert _note_keys(harness) == [] and _owed(harness) == [2]
    # While the outbox refuses, the tick fails on the note, says so, and keeps the debt.
    assert "parts failed" in run_job("tick", harness.deps, harness.clock())
    assert _owed(harness) == [2]

    allow_inserts(engine, "outbox")
    assert run_job("tick", harness.deps, harness.clock()).endswith(", 1 late note")
    _drain(harness)
    _, notes = _thread(harness)
    assert [_version(n) for n in notes] == [2] and "Late correction" in str(notes[0]["blocks"])
    assert "late note" not in run_job("tick", harness.deps, harness.clock())
    _drain(harness)
    assert len(_thread(harness)[1]) == 1 and _owed(harness) == []


def test_a_double_click_makes_two_versions_and_racing_queuers_send_each_note_once(
    harness: Harness, engine: Engine
) -> None:
    _team(harness, locale="en")
    view = open_from_prompt(harness, "UPM2")
    _edit(harness, view, "Before the digest")
    _post_digest(harness)
    fail_inserts(engine, "outbox")  # the debts pile up, as if every listener died after its edit
    _edit(harness, view, "Double click")
    _edit(harness, view, "Double click")
    _edit(harness, view, "Third thoughts")
    assert _owed(harness) == [2, 3, 4]
    allow_inserts(engine, "outbox")

    # Two listeners' fast paths and two ticks (two schedulers) queue the same debts at once.
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def run(work: Any) -> None:
        try:
            barrier.wait()
            work()
        except BaseException as error:  # reported by the assertion below
            errors.append(error)

    workspace = find_workspace(harness.session_factory, "T0001")
    assert workspace is not None

    def listener() -> None:
        status_notifications.send_late_notes(harness.deps.uow, workspace=workspace, now=harness.clock())

    def tick() -> None:
        run_job("tick", harness.deps, harness.clock())

    threads = [threading.Thread(target=run, args=(w,)) for w in (listener, listener, tick, tick)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []

    assert _note_keys(harness) == [NOTE_PREFIX + str(n) for n in (2, 3, 4)] and _owed(harness) == []
    _drain(harness)
    _, notes = _thread(harness)
    assert [_version(n) for n in notes] == [2, 3, 4]
    assert "Third thoughts" in str(notes[-1]["blocks"])


def test_a_process_dying_right_after_the_edit_committed_loses_no_note(harness: Harness) -> None:
    _team(harness)
    view = open_from_prompt(harness, "UPM2")
    _edit(harness, view, "Before the digest")
    _post_digest(harness)
    workspace = find_workspace(harness.session_factory, "T0001")
    assert workspace is not None
    # What the submit listener does up to the edit's commit; the process dies before anything else.
    status_service.submit_status(
        harness.deps.uow,
        workspace=workspace,
        user_id="UPM2",
        week=WEEK,
        form=StatusForm(progress="Saved, then the lights went out", plans="", health="green"),
        now=harness.clock(),
    )
    assert _owed(harness) == [2] and _note_keys(harness) == []

    # A restarted process's first tick sends it, once.
    assert run_job("tick", harness.deps, harness.clock()).endswith(", 1 late note")
    assert "late note" not in run_job("tick", harness.deps, harness.clock())
    _drain(harness)
    _, notes = _thread(harness)
    assert [n["text"].split("。")[0] for n in notes] == [ZH_NOTE.format(2)]
    assert "Saved, then the lights went out" in str(notes[0]["blocks"])
