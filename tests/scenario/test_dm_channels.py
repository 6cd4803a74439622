"""One way to a member's DM: a listener's answer and the outbox sender open and store it alike.

Whichever reaches a member first (the confirmation of a goal they saved, or the weekly prompt the
sender delivers) opens the DM once and stores it; the other finds it stored and never calls
conversations.open (Tier 3) again.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event

from tests.support.cadence import THURSDAY, at, tick
from tests.support.harness import Harness, seed_team
from tests.support.slack import goal_values, open_goal_modal


def save_goal(h: Harness, user_id: str) -> str:
    """Submit a goal and return the channel its confirmation was posted to."""
    before = len(h.fake.calls_to("chat.postMessage"))
    view = open_goal_modal(h, user_id)
    reply = h.sender.view_submission(user_id=user_id, view=view, values=goal_values())
    assert reply.status_code == 200 and reply.text == ""
    dm = h.fake.wait_for("chat.postMessage", count=before + 1)
    h.fake.wait_for("views.publish", lambda c: c.params.get("user_id") == user_id)
    return str(dm.params["channel"])


def opened_for(h: Harness) -> list[str]:
    return [str(c.params["users"]) for c in h.fake.calls_to("conversations.open")]


def test_the_sender_reuses_the_dm_a_listener_opened(harness: Harness) -> None:
    seed_team(harness)

    confirmed_in = save_goal(harness, "UPM2")
    assert tick(harness, at(THURSDAY, "16:00")).startswith("queued 1 prompt,")  # 16:00 in London

    assert opened_for(harness) == ["UPM2"]
    prompt = harness.fake.calls_to("chat.postMessage")[-1]
    assert "2026-W49" in str(prompt.params) and prompt.params["channel"] == confirmed_in
    member = harness.member("UPM2")
    assert member is not None and member.dm_channel_id == confirmed_in


def test_a_listener_reuses_the_dm_the_sender_opened(harness: Harness) -> None:
    seed_team(harness)
    assert tick(harness, at(THURSDAY, "16:00")).startswith("queued 1 prompt,")
    member = harness.member("UPM2")
    assert member is not None and member.dm_channel_id
    assert opened_for(harness) == ["UPM2"]

    confirmed_in = save_goal(harness, "UPM2")

    assert confirmed_in == member.dm_channel_id
    assert opened_for(harness) == ["UPM2"]  # nothing opened again


def test_a_confirmation_to_someone_never_messaged_opens_their_dm_once(harness: Harness) -> None:
    seed_team(harness)

    first = save_goal(harness, "UPM1")
    second = save_goal(harness, "UPM1")

    assert first == second and opened_for(harness) == ["UPM1"]


def test_a_second_save_finds_the_dm_in_memory_not_in_the_database(harness: Harness) -> None:
    """The Friday burst: a PM's later saves reuse the DM channel the app learnt at the first,
    neither reading it from the member table again nor asking Slack."""
    seed_team(harness)
    first = save_goal(harness, "UPM2")
    engine = harness.deps.session_factory.kw["bind"]
    read: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "dm_channel_id IS NOT NULL" in statement:  # the stored DM channels' read (storage/outbox.py)
            read.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        second = save_goal(harness, "UPM2")
    finally:
        event.remove(engine, "before_cursor_execute", record)

    assert second == first
    assert read == []
    assert opened_for(harness) == ["UPM2"]
