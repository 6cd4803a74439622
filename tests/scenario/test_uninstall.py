"""A workspace that uninstalls pmpulse (or revokes its bot token) is left alone, and resumes on reinstall.

Slack sends `app_uninstalled` / `tokens_revoked` once; after that the old token fails. So the
workspace becomes inactive: no job queues anything for it, the outbox sender holds what was
already queued (left `pending`, visible in `pmpulse outbox`), its data is kept; another
workspace's messages still go out. A start with a valid token (or an OAuth install) brings it back.
"""

from __future__ import annotations

import time
from typing import Any

from bot.app import register_single_workspace
from bot.delivery.outbox import enqueue
from bot.delivery.sender import drain_now
from bot.jobs import run_job
from storage.outbox_state import OutboxState
from tests.support.cadence import THURSDAY, at, dm_texts, setup_team
from tests.support.factories import add_workspace
from tests.support.harness import Harness


def is_active(h: Harness, team_id: str = "T0001") -> bool:
    with h.deps.uow() as uow:
        workspace = uow.workspaces.get_by_team_id(team_id)
        assert workspace is not None
        return workspace.active


def slack_sends(h: Harness, event: dict[str, Any]) -> None:
    reply = h.sender.event(event)
    assert reply.status_code == 200, reply.text


def wait_inactive(h: Harness) -> None:
    deadline = time.monotonic() + 10
    while is_active(h):
        assert time.monotonic() < deadline, "the workspace is still active"
        time.sleep(0.05)


def test_uninstall_stops_jobs_and_sending_keeps_data_and_a_reinstall_resumes(harness: Harness) -> None:
    setup_team(harness)
    other = add_workspace(harness.session_factory, "T0OTHER", name="Other Bank")
    harness.clock.now = at(THURSDAY, "08:00")
    assert run_job("tick", harness.deps, harness.clock.now).startswith("queued 1 prompt,")  # UPM1's

    slack_sends(harness, {"type": "app_uninstalled", "event_ts": f"{time.time():.6f}"})
    wait_inactive(harness)

    # Queued before the uninstall: held, not sent; another workspace's message still goes out.
    with harness.deps.uow(other.id) as uow:
        enqueue(
            uow,
            key="other-workspace-note",
            method="chat.postMessage",
            payload={"channel": "C0OTHER", "text": "still served"},
            now=harness.clock.now,
        )
        uow.commit()
    report = drain_now(harness.deps, max_seconds=1)
    assert report.sent == 1 and report.failed == 0
    assert [m["text"] for m in harness.fake.messages("C0OTHER")] == ["still served"]
    assert dm_texts(harness, "UPM1") == []
    with harness.deps.uow(1) as uow:
        assert [row.state for row in uow.outbox.list()] == [OutboxState.PENDING]

    # Later ticks queue nothing for it; its requests are not answered; its roster is kept.
    harness.clock.now = at(THURSDAY, "16:00")
    assert run_job("tick", harness.deps, harness.clock.now).startswith("queued 0 prompts")
    drain_now(harness.deps, max_seconds=1)
    assert dm_texts(harness, "UPM2") == []
    assert harness.sender.slash_command(user_id="UMGR", text="team").text == ""
    assert harness.member("UPM1") is not None and harness.member("UPM2") is not None

    # Reinstalled: the next start with its (new, valid) token makes it active again.
    register_single_workspace(harness.deps)
    assert is_active(harness)
    assert run_job("tick", harness.deps, harness.clock.now).startswith("queued 1 prompt,")  # UPM2's
    report = drain_now(harness.deps, max_seconds=5)
    assert report.failed == 0 and report.pending == 0
    assert len(dm_texts(harness, "UPM1")) == 1 and len(dm_texts(harness, "UPM2")) == 1


def test_a_revoked_bot_token_stops_the_workspace_and_revoked_user_tokens_do_not(harness: Harness) -> None:
    setup_team(harness)
    slack_sends(harness, {"type": "tokens_revoked", "tokens": {"oauth": ["UPM1"]}})
    harness.settle()
    assert is_active(harness)  # pmpulse uses no user token: nothing changes

    slack_sends(harness, {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["UBOT"]}})
    wait_inactive(harness)
    harness.clock.now = at(THURSDAY, "08:00")
    assert run_job("tick", harness.deps, harness.clock.now).startswith("queued 0 prompts")
