"""Someone who writes to pmpulse in a direct message is answered: a short pointer to `/pm help`.

In their language (roster, else Slack, else the team's), once per message at most, and at most
once per person per 10 minutes; never to bots, pmpulse itself, edits, deletions or thread replies.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import Any

from bot.delivery.sender import drain_now
from bot.i18n import t
from tests.support.harness import TEAM_ID, Harness, seed_team


def dm(user: str, text: str = "hello", **fields: Any) -> dict[str, Any]:
    """A `message` event as Slack sends it for the `message.im` subscription."""
    ts = f"{time.time():.6f}"
    return {
        "type": "message",
        "channel_type": "im",
        "channel": f"D{user}",
        "user": user,
        "text": text,
        "ts": ts,
        "event_ts": ts,
        **fields,
    }


def answers(h: Harness, user: str) -> list[str]:
    return [json.dumps(m, ensure_ascii=False) for m in h.fake.messages(f"D{user}")]


def queued_for(h: Harness, user: str) -> int:
    with h.deps.uow(1) as uow:
        keys = [row.delivery_key for row in uow.outbox.list()]
    return sum(1 for key in keys if key.startswith(f"dm-help:{TEAM_ID}:{user}:"))


def wait_for_answer_queued(h: Harness, user: str, count: int = 1) -> None:
    deadline = time.monotonic() + 10
    while queued_for(h, user) < count:
        assert time.monotonic() < deadline, f"no answer was queued for {user}"
        time.sleep(0.05)


def send(h: Harness, event: dict[str, Any], **kwargs: Any) -> None:
    reply = h.sender.event(event, **kwargs)
    assert reply.status_code == 200, reply.text


def test_a_dm_is_answered_with_help_in_the_persons_language(harness: Harness) -> None:
    seed_team(harness)  # UPM1 is on the roster with zh-CN; UOUT is not, and Slack says en-US
    send(harness, dm("UPM1", "你好"))
    send(harness, dm("UOUT", "hi, what is this?"))
    wait_for_answer_queued(harness, "UPM1")
    wait_for_answer_queued(harness, "UOUT")
    drain_now(harness.deps, max_seconds=5)

    [chinese] = answers(harness, "UPM1")
    assert t("zh-CN", "help.dm_reply") in chinese and "/pm help" in chinese
    [english] = answers(harness, "UOUT")
    assert t("en", "help.dm_reply") in english


def test_a_dm_from_someone_without_a_language_is_answered_in_the_teams(harness: Harness) -> None:
    harness.fake.add_user("UNOLANG", name="nol", real_name="No Lang", tz="UTC", locale="")
    with harness.deps.uow(1) as uow:
        settings = uow.team_settings.get()
        assert settings is not None
        settings.locale = "zh-CN"
        uow.commit()
    harness.deps.read_cache.forget_workspace(TEAM_ID)
    send(harness, dm("UNOLANG"))
    wait_for_answer_queued(harness, "UNOLANG")
    drain_now(harness.deps, max_seconds=5)
    [answer] = answers(harness, "UNOLANG")
    assert t("zh-CN", "help.dm_reply") in answer


def test_ten_messages_in_a_row_get_one_answer_and_another_after_ten_minutes(harness: Harness) -> None:
    seed_team(harness)
    start = harness.clock.now
    first = dm("UPM2", "hello?")
    send(harness, first, event_id="Ev0DMFIRST")
    send(harness, first, event_id="Ev0DMFIRST", retry_num=1)  # Slack's retry of the same event
    for n in range(9):
        send(harness, dm("UPM2", f"message {n}"))
    wait_for_answer_queued(harness, "UPM2")
    harness.settle()  # the other nine listeners finish
    drain_now(harness.deps, max_seconds=5)
    assert len(answers(harness, "UPM2")) == 1

    harness.clock.now = start + dt.timedelta(minutes=9, seconds=59)
    send(harness, dm("UPM2", "still there?"))
    harness.settle()
    drain_now(harness.deps, max_seconds=5)
    assert len(answers(harness, "UPM2")) == 1 and queued_for(harness, "UPM2") == 1

    harness.clock.now = start + dt.timedelta(minutes=10)
    send(harness, dm("UPM2", "hello again"))
    wait_for_answer_queued(harness, "UPM2", count=2)
    drain_now(harness.deps, max_seconds=5)
    assert len(answers(harness, "UPM2")) == 2


def test_bots_pmpulse_itself_edits_deletions_and_thread_replies_get_no_answer(harness: Harness) -> None:
    seed_team(harness)
    bot_user = harness.fake.bot_user_id
    ignored = {
        "UBOT2": dm("UBOT2", bot_id="B0OTHER"),
        "UBOTMSG": dm("UBOTMSG", subtype="bot_message"),
        bot_user: dm(bot_user),
        "UEDIT": dm("UEDIT", subtype="message_changed"),
        "UDEL": dm("UDEL", subtype="message_deleted"),
        "UTHREAD": dm("UTHREAD", thread_ts="1700000000.000100"),
        "UCHAN": {**dm("UCHAN"), "channel_type": "channel", "channel": "C0GENERAL"},
    }
    for event in ignored.values():
        send(harness, event)
    send(harness, dm("UPM1"))  # a person's message, after them all: answered
    wait_for_answer_queued(harness, "UPM1")
    harness.settle()
    drain_now(harness.deps, max_seconds=5)
    assert {user: queued_for(harness, user) for user in ignored} == dict.fromkeys(ignored, 0)
    assert [c.params.get("channel") for c in harness.fake.calls_to("chat.postMessage")] == ["DUPM1"]
