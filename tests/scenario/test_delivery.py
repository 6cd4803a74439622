"""The outbox sender against the fake Slack: retries, give-ups, threads, DMs, exactly once."""

from __future__ import annotations

import datetime as dt

import requests
from sqlalchemy.orm import Session, sessionmaker

from bot.delivery.reconcile import delivery_metadata
from bot.fakeslack import FakeSlack
from bot.slack_client import build_web_client
from storage.outbox_state import OutboxState
from storage.uow import UnitOfWork
from tests.support.delivery import (
    Clock,
    bare_client,
    force,
    posts_by_key,
    queue,
    row,
    sender,
)
from tests.support.factories import add_member, add_workspace
from tests.support.harness import TEAM_ID, Harness


def test_server_errors_dropped_connections_and_rate_limits_are_retried_then_delivered_once(
    fake: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    ws, clock = add_workspace(session_factory, TEAM_ID).id, Clock()
    queue(session_factory, ws, ("k-500", "C1"), ("k-drop", "C2"), ("k-429", "C3"))
    fake.fail_next("chat.postMessage", status=500)
    fake.fail_next("chat.postMessage", kind="connection")
    fake.fail_next("chat.postMessage", status=429, retry_after=30)
    outbox = sender(
        session_factory, bare_client(fake), clock, workers=1
    )  # one lane at a time: faults in order

    first = outbox.drain()

    assert (first.sent, first.failed, first.retried, first.pending) == (0, 0, 3, 3)
    server_error, dropped, limited = (
        row(session_factory, "k-500"),
        row(session_factory, "k-drop"),
        row(session_factory, "k-429"),
    )
    # Slack may have posted it before answering 500: it stays `sending`, to be checked too.
    assert (server_error.state, server_error.attempts, server_error.last_error) == (
        OutboxState.SENDING,
        1,
        "internal_error (HTTP 500)",
    )
    assert (
        clock.now + dt.timedelta(seconds=2.5)
        <= server_error.next_attempt_at
        <= clock.now + dt.timedelta(seconds=5)
    )
    # The post may have reached Slack before the connection dropped: it stays `sending`, to be checked.
    assert dropped.state == OutboxState.SENDING and (dropped.last_error or "").startswith("connection: ")
    assert limited.last_error == "ratelimited (HTTP 429)"
    assert (
        clock.now + dt.timedelta(seconds=30)
        <= limited.next_attempt_at
        <= clock.now + dt.timedelta(seconds=36)
    )
    assert outbox.drain().sent == 0  # nothing is due before its time

    clock.advance(minutes=1)
    second = outbox.drain()

    assert (second.sent, second.retried, second.pending) == (3, 0, 0)
    assert posts_by_key(fake) == {"k-500": 1, "k-drop": 1, "k-429": 1}
    looked = fake.calls_to("conversations.history")
    assert sorted(c.params["channel"] for c in looked) == ["C1", "C2"]
    assert all(c.params["include_all_metadata"] for c in looked)
    assert row(session_factory, "k-drop").attempts == 2
    assert row(session_factory, "k-500").ts == fake.messages("C1")[0]["ts"]


def test_the_apps_client_rides_out_random_faults_without_duplicates(
    fake: FakeSlack, session_factory: sessionmaker[Session], settings: object
) -> None:
    from bot.config import Settings

    assert isinstance(settings, Settings)
    ws = add_workspace(session_factory, TEAM_ID).id
    queue(session_factory, ws, *[(f"k{i}", f"D{i:04d}") for i in range(60)])
    fake.fault_rate("chat.postMessage", rate=0.1, statuses=(500, 503), seed=3)
    fake.fail_next("chat.postMessage", kind="connection", count=2)

    clock = Clock()
    outbox = sender(session_factory, build_web_client(settings), clock)
    report = outbox.drain()
    for _ in range(5):
        if report.pending == 0:
            break
        clock.advance(hours=1)
        report = outbox.drain()

    assert posts_by_key(fake) == {f"k{i}": 1 for i in range(60)}
    assert sum(1 for c in fake.calls_to("chat.postMessage") if c.status in (0, 500, 503)) >= 2


def test_a_post_slack_got_before_the_answer_was_lost_is_recorded_not_sent_again(
    fake: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    ws, clock, slack = add_workspace(session_factory, TEAM_ID).id, Clock(), bare_client(fake)
    queue(session_factory, ws, ("digest", "C1"), ("landed", "D1"), ("lost", "D2"))
    queue(session_factory, ws, ("reply-landed", "C1"), thread_of="digest")
    parent = slack.chat_postMessage(channel="C1", text="digest", metadata=delivery_metadata("digest"))
    landed = slack.chat_postMessage(channel="D1", text="landed", metadata=delivery_metadata("landed"))
    reply = slack.chat_postMessage(
        channel="C1", text="r", thread_ts=parent["ts"], metadata=delivery_metadata("reply-landed")
    )
    expired = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    force(session_factory, "digest", state=OutboxState.SENT, channel="C1", ts=parent["ts"])
    for key, channel in (("landed", "D1"), ("lost", "D2"), ("reply-landed", "C1")):
        force(
            session_factory,
            key,
            state=OutboxState.SENDING,
            attempts=1,
            channel=channel,
            next_attempt_at=expired,
        )
    fake.clear_calls()

    report = sender(session_factory, slack, clock).drain()

    assert (report.sent, report.failed, report.pending) == (3, 0, 0)
    assert posts_by_key(fake) == {"lost": 1}
    assert row(session_factory, "landed").ts == landed["ts"]
    assert row(session_factory, "reply-landed").ts == reply["ts"]
    assert [c.params["ts"] for c in fake.calls_to("conversations.replies")] == [parent["ts"]]
    assert [m["text"] for m in fake.messages("D1")] == ["landed"]


def test_attempts_are_bounded_and_unfixable_errors_fail_at_once(
    fake: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    ws, clock = add_workspace(session_factory, TEAM_ID).id, Clock()
    outbox = sender(session_factory, bare_client(fake), clock, workers=1, max_attempts=3)
    queue(session_factory, ws, ("nowhere", "#nowhere"))
    unfixable = outbox.drain()
    queue(session_factory, ws, ("flaky", "C1"))
    fake.fail_next("chat.postMessage", status=503, count=10, error="service_unavailable")

    reports = []
    for _ in range(3):
        reports.append(outbox.drain())
        clock.advance(hours=1)

    flaky, nowhere = row(session_factory, "flaky"), row(session_factory, "nowhere")
    assert (flaky.state, flaky.attempts) == (OutboxState.FAILED, 3)
    assert flaky.last_error == (
        "gave up after 3 attempts: service_unavailable (HTTP 503)"
        " (it may have reached Slack: check before a retry)"
    )
    assert (nowhere.state, nowhere.attempts, nowhere.last_error) == (
        OutboxState.FAILED,
        1,
        "channel_not_found",
    )
    assert (unfixable.failed, unfixable.retried) == (1, 0)
    assert [(r.sent, r.failed, r.retried) for r in reports] == [(0, 0, 1), (0, 0, 1), (0, 1, 0)]
    assert len(fake.calls_to("chat.postMessage")) == 4


def test_thread_replies_follow_their_parent_in_order_and_fail_with_it(
    fake: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    ws = add_workspace(session_factory, TEAM_ID).id
    queue(session_factory, ws, ("digest:W48", "C1"), ("digest:bad", "#nowhere"))
    queue(session_factory, ws, *[(f"reply:{i}", "C-ignored") for i in range(4)], thread_of="digest:W48")
    queue(session_factory, ws, ("reply:bad", "C1"), thread_of="digest:bad")

    report = sender(session_factory, bare_client(fake), Clock()).drain()

    assert (report.sent, report.failed) == (5, 2)
    messages = fake.messages("C1")
    parent_ts = messages[0]["ts"]
    assert [m["text"] for m in messages] == ["digest:W48", "reply:0", "reply:1", "reply:2", "reply:3"]
    assert [m["thread_ts"] for m in messages[1:]] == [parent_ts] * 4
    assert row(session_factory, "reply:2").channel == "C1"
    assert row(session_factory, "reply:bad").last_error == "parent digest:bad failed: channel_not_found"


def test_a_members_dm_is_opened_once_and_stored(
    fake: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    ws, clock = add_workspace(session_factory, TEAM_ID).id, Clock()
    with UnitOfWork(session_factory, ws) as uow:
        add_member(uow, "UPM1", role="pm", name="Li")
        uow.commit()
    queue(session_factory, ws, ("prompt", "@UPM1"), ("reminder", "@UPM1"), ("stranger", "@UOUT"))

    first = sender(session_factory, bare_client(fake), clock).drain()
    queue(session_factory, ws, ("confirmation", "@UPM1"))
    second = sender(
        session_factory, bare_client(fake), clock
    ).drain()  # a new process: no memory but the table

    assert (first.sent, second.sent) == (3, 1)
    opened = [c.params["users"] for c in fake.calls_to("conversations.open")]
    assert sorted(opened) == ["UOUT", "UPM1"]
    with UnitOfWork(session_factory, ws) as uow:
        member = uow.members.get_by_slack_id("UPM1")
    assert member is not None and member.dm_channel_id == row(session_factory, "prompt").channel
    assert [m["text"] for m in fake.messages("UPM1")] == ["prompt", "reminder", "confirmation"]


def test_idempotent_methods_are_delivered_too(
    fake: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    ws, clock = add_workspace(session_factory, TEAM_ID).id, Clock()
    view = {"type": "home", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}]}
    with UnitOfWork(session_factory, ws) as uow:
        uow.outbox.enqueue(
            key="home:UPM1",
            method="views.publish",
            payload={"user_id": "UPM1", "view": view},
            now=clock.now,
        )
        uow.commit()

    assert sender(session_factory, bare_client(fake), clock).drain().sent == 1
    assert fake.home_view("UPM1") is not None
    assert row(session_factory, "home:UPM1").state == OutboxState.SENT


def test_metrics_show_the_outbox_depth_per_state(harness: Harness) -> None:
    queue(harness.session_factory, 1, ("a", "C1"), ("b", "#nowhere"), ("c", "C1"))
    sender(harness.session_factory, bare_client(harness.fake), Clock()).drain()
    queue(harness.session_factory, 1, ("d", "C1"))

    metrics = requests.get(f"{harness.url}/metrics", timeout=5).text

    for state, count in (("pending", 1), ("sending", 0), ("sent", 2), ("failed", 1)):
        assert f'pmpulse_outbox_messages{{state="{state}"}} {count}.0' in metrics, metrics
    assert "pmpulse_outbox_oldest_due_seconds" in metrics
    assert 'pmpulse_outbox_deliveries_total{method="chat.postMessage",outcome="sent"}' in metrics


def test_a_rate_limited_dm_open_holds_the_rest_and_does_not_use_up_attempts(
    fake: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    ws, clock = add_workspace(session_factory, TEAM_ID).id, Clock()
    with UnitOfWork(session_factory, ws) as uow:
        for user in ("UPM1", "UPM2", "UPM3", "UADMIN"):
            add_member(uow, user, role="pm", name=user)
        uow.commit()
    queue(session_factory, ws, *[(f"prompt:{u}", f"@{u}") for u in ("UPM1", "UPM2", "UPM3", "UADMIN")])
    fake.set_rate_limit("conversations.open", per_minute=1, burst=2)
    outbox = sender(session_factory, bare_client(fake), clock, workers=1, max_attempts=2)

    first = outbox.drain()

    assert (first.sent, first.retried) == (2, 2)
    # One 429 from Slack; the last row waited for Slack's Retry-After without asking again.
    assert [c.status for c in fake.calls_to("conversations.open")] == [200, 200, 429]
    held = [row(session_factory, f"prompt:{u}") for u in ("UPM3", "UADMIN")]
    assert all(r.state == OutboxState.PENDING and r.attempts == 0 for r in held), held
    assert all(r.next_attempt_at >= clock.now + dt.timedelta(seconds=1) for r in held)

    fake.clear_rate_limits()
    for _ in range(3):  # more rounds than max_attempts: rate limits are not failures
        clock.advance(minutes=5)
        outbox = sender(session_factory, bare_client(fake), clock, workers=1, max_attempts=2)
        outbox.drain()
    assert posts_by_key(fake) == {f"prompt:{u}": 1 for u in ("UPM1", "UPM2", "UPM3", "UADMIN")}
