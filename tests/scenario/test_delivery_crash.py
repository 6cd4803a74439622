"""Exactly once when it hurts: a sender killed mid-fan-out, two senders on one database, the CLI.

The killed sender is a real `pmpulse outbox drain` process talking to the in-process fake Slack;
Slack's side of the story is read from the fake's recorded calls (the delivery key travels in
each message's metadata).
"""

from __future__ import annotations

import datetime as dt
import subprocess
import threading

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.delivery.sender import DrainReport
from bot.fakeslack import FakeSlack
from storage.db import make_engine, make_session_factory
from storage.outbox_state import OutboxState
from storage.uow import UnitOfWork
from tests.support.cli import cli_environment, pmpulse, pmpulse_started
from tests.support.delivery import (
    Clock,
    bare_client,
    posts_by_key,
    queue,
    row,
    sender,
)
from tests.support.factories import add_workspace
from tests.support.harness import TEAM_ID

FAN_OUT = 300


@pytest.fixture
def env(fake: FakeSlack, database_url: str) -> dict[str, str]:
    return cli_environment(fake, database_url)


def states(session_factory: sessionmaker[Session]) -> dict[OutboxState, int]:
    with UnitOfWork(session_factory) as uow:
        return uow.outbox.depth()


def test_a_sender_killed_mid_fan_out_is_resumed_without_repeats_or_losses(
    fake: FakeSlack, session_factory: sessionmaker[Session], env: dict[str, str]
) -> None:
    ws = add_workspace(session_factory, TEAM_ID).id
    keys = [f"status-prompt:T0001:U{i:04d}:2026-W48" for i in range(FAN_OUT)]
    queue(session_factory, ws, *[(key, f"D{i:04d}") for i, key in enumerate(keys)])
    fake.set_latency(0.05)  # Slack takes the post, then answers: a kill lands between the two

    process = pmpulse_started(
        env, "outbox", "drain", "--seconds", "60", stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        fake.wait_for("chat.postMessage", lambda c: c.status == 200, count=100, timeout=60)
    finally:
        process.kill()  # SIGKILL: no clean-up, no last commit
        process.wait(timeout=10)
    fake.set_latency(0)

    delivered_before = posts_by_key(fake)
    left = states(session_factory)
    assert 100 <= len(delivered_before) < FAN_OUT, (len(delivered_before), left)
    assert left.get(OutboxState.SENDING, 0) > 0
    with UnitOfWork(session_factory) as uow:
        unrecorded = [
            k for k in delivered_before if (r := uow.outbox.by_key(k)) and r.state != OutboxState.SENT
        ]
    assert unrecorded, "the kill should catch posts Slack has but the outbox had not recorded"

    # A new sender, after the dead one's leases ran out.
    clock = Clock(dt.datetime.now(dt.UTC) + dt.timedelta(hours=1))
    report = sender(session_factory, bare_client(fake), clock).drain()

    assert posts_by_key(fake) == {key: 1 for key in keys}
    assert states(session_factory) == {OutboxState.SENT: FAN_OUT}
    assert report.sent == FAN_OUT - sum(1 for k in delivered_before if k not in unrecorded)
    for key in unrecorded:
        recovered = row(session_factory, key)
        assert recovered.ts == fake.messages(recovered.channel or "")[0]["ts"]
    assert len(fake.calls_to("conversations.history")) >= len(unrecorded)


def test_two_senders_on_one_postgresql_database_send_each_message_once(
    fake: FakeSlack, engine: Engine, database_url: str, session_factory: sessionmaker[Session]
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("several senders share one outbox on PostgreSQL (SKIP LOCKED); SQLite has one process")
    ws = add_workspace(session_factory, TEAM_ID).id
    keys = [f"k{i:04d}" for i in range(FAN_OUT)]
    queue(session_factory, ws, *[(key, f"D{i:04d}") for i, key in enumerate(keys)])
    fake.set_latency(0.01)
    engines = [make_engine(database_url) for _ in range(2)]
    reports: list[DrainReport] = []
    start = threading.Barrier(2)

    def run(own_engine: Engine) -> None:
        outbox = sender(
            make_session_factory(own_engine), bare_client(fake), Clock(), workers=4, batch_size=10
        )
        start.wait()
        reports.append(outbox.drain())

    threads = [threading.Thread(target=run, args=(e,)) for e in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for own_engine in engines:
        own_engine.dispose()

    assert posts_by_key(fake) == {key: 1 for key in keys}
    assert states(session_factory) == {OutboxState.SENT: FAN_OUT}
    assert sorted(r.sent for r in reports)[0] > 0 and sum(r.sent for r in reports) == FAN_OUT


def test_failed_messages_are_listed_and_requeued_from_the_shell(
    fake: FakeSlack, session_factory: sessionmaker[Session], env: dict[str, str]
) -> None:
    ws = add_workspace(session_factory, TEAM_ID).id
    queue(
        session_factory,
        ws,
        ("digest:T0001:2026-W48", "#nowhere"),
        ("status-prompt:T0001:UPM1:2026-W48", "D1"),
    )

    ran = pmpulse(env, "jobs", "run", "refresh-profiles")  # a job run delivers the outbox before exiting
    assert ran.returncode == 0, ran.stderr
    assert "outbox: sent 1, failed 1, retried 0, pending 0" in ran.stdout.splitlines()

    failed = pmpulse(env, "outbox", "--failed")
    assert failed.returncode == 0, failed.stderr
    lines = failed.stdout.splitlines()
    assert lines[0].split() == ["ID", "KEY", "METHOD", "STATE", "ATTEMPTS", "CHANNEL", "TS", "LAST", "ERROR"]
    assert lines[1].split() == [
        "1",
        "digest:T0001:2026-W48",
        "chat.postMessage",
        "failed",
        "1",
        "#nowhere",
        "-",
        "channel_not_found",
    ]
    assert lines[-1] == "1 shown; outbox holds 0 pending, 0 sending, 1 sent, 1 failed"
    assert "status-prompt" in pmpulse(env, "outbox").stdout

    refused = pmpulse(env, "outbox", "retry", "2")
    assert refused.returncode == 2 and "is sent; only failed messages can be retried" in refused.stderr
    assert pmpulse(env, "outbox", "retry", "99").returncode == 2

    # Fix the cause (here: the payload's channel), then re-queue.
    with UnitOfWork(session_factory) as uow:
        broken = uow.outbox.by_key("digest:T0001:2026-W48")
        assert broken is not None
        broken.payload = {**broken.payload, "channel": "C0DIGEST"}
        uow.commit()
    retried = pmpulse(env, "outbox", "retry", "1")
    assert retried.returncode == 0 and "re-queued outbox message 1" in retried.stdout
    assert row(session_factory, "digest:T0001:2026-W48").state == OutboxState.PENDING

    drained = pmpulse(env, "outbox", "drain", "--seconds", "5")
    assert drained.stdout.strip() == "outbox: sent 1, failed 0, retried 0, pending 0", drained.stderr
    assert [m["text"] for m in fake.messages("C0DIGEST")] == ["digest:T0001:2026-W48"]
