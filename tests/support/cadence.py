"""The weekly cadence as scenarios live it: the week of Thursday 3 December 2026, a team across
three time zones, the scheduler's tick run by hand and the outbox delivered after it."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from bot.delivery.sender import drain_now
from bot.ids import StatusAction
from bot.jobs import run_job
from bot.services.workspaces import set_team_setting
from storage.outbox import OutboxMessage
from tests.support.harness import Harness, seed_team

UTC = dt.UTC
WEEK = "2026-W49"  # 30 Nov – 6 Dec
THURSDAY = dt.date(2026, 12, 3)
FRIDAY = dt.date(2026, 12, 4)
DIGEST_CHANNEL = "C0DIGEST"


def at(day: dt.date, hhmm: str) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.fromisoformat(hhmm), UTC)


def tick(h: Harness, now: dt.datetime, job: str = "tick") -> str:
    """What the scheduler does each minute, then what the outbox sender does."""
    h.clock.now = now
    summary = run_job(job, h.deps, now)
    report = drain_now(h.deps, max_seconds=5)
    assert report.failed == 0 and report.pending == 0, report
    return summary


def setup_team(h: Harness) -> None:
    """UPM1 in Shanghai (zh-CN), UPM2 in London, UPM3 in New York; all report to UMGR."""
    seed_team(h)
    h.command("UMGR", "team add <@UPM3|jo> pm Loans")
    with h.deps.uow(1) as uow:
        set_team_setting(uow, actor="test", setting="digest_channel", text=DIGEST_CHANNEL)
    h.fake.clear_calls()


def dm_texts(h: Harness, user: str) -> list[str]:
    return [json.dumps(m, ensure_ascii=False) for m in h.fake.messages(user)]


def outbox_row(h: Harness, key: str) -> OutboxMessage:
    with h.deps.uow(1) as uow:
        row = uow.outbox.by_key(key)
        assert row is not None, key
        return row


def write_update(h: Harness, user: str, now: dt.datetime, state: dict[str, Any]) -> None:
    """Click *Write my update* on the prompt in the DM, then submit the modal."""
    h.clock.now = now
    prompt = outbox_row(h, f"status-prompt:T0001:{user}:{WEEK}")
    reply = h.sender.block_action(
        user, action_id=StatusAction.WRITE, value=WEEK, channel_id=prompt.channel, message_ts=prompt.ts
    )
    assert reply.status_code == 200
    opened = h.fake.wait_for("views.open", lambda c: c.response.get("ok", False))
    view = opened.response["view"]
    submitted = h.sender.view_submission(
        user_id=user, view=view, values={str(k): v for k, v in state.items()}
    )
    assert submitted.status_code == 200 and not submitted.text.strip(), submitted.text
