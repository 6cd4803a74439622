"""Slack did the work but failed to answer: the outbox sender posts each message exactly once.

Slack can post a message and then answer 5xx (or `internal_error`), or post it and never
answer before the client gives up. Repeating such a post, inside slack_sdk's call or from the
outbox, puts it in the channel twice. These scenarios run the outbox sender against the fake
Slack server with exactly those faults, for channel posts, DMs and thread replies, and check
that one message lands; and that a 5xx Slack did *not* act on is still retried and delivered.
"""

from __future__ import annotations

import socket
from http.client import RemoteDisconnected
from urllib.error import URLError

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.state import RetryState
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.delivery.reconcile import carries_key
from bot.delivery.sender import OutboxSender
from bot.fakeslack import FakeSlack
from bot.slack_client import SafeConnectionErrorRetryHandler, build_web_client
from storage.outbox_state import OutboxState
from tests.support.delivery import Clock, bare_client, queue, row, sender
from tests.support.factories import add_workspace
from tests.support.harness import TEAM_ID

pytestmark = pytest.mark.waits  # each waits out Slack client timeouts: started first in a parallel run

# The app's own client (slack_sdk retry handlers on), and one with none (the sender alone).
CLIENTS = ("app", "bare")


def _client(kind: str, fake: FakeSlack, settings: Settings, *, timeout: int = 5) -> WebClient:
    if kind == "app":
        return build_web_client(settings, timeout=timeout)
    client = bare_client(fake)
    client.timeout = timeout
    return client


def _landed(fake: FakeSlack, channel: str, key: str) -> int:
    """How many messages carrying `key` are in `channel` (thread replies included)."""
    return sum(1 for message in fake.messages(channel) if carries_key(message, key))


def _drain_until_settled(outbox: OutboxSender, clock: Clock, rounds: int = 4) -> None:
    for _ in range(rounds):
        if outbox.drain().pending == 0:
            return
        clock.advance(minutes=10)
    raise AssertionError("the outbox did not settle")


@pytest.mark.parametrize("client_kind", CLIENTS)
def test_a_post_slack_made_before_answering_500_lands_once(
    fake: FakeSlack, session_factory: sessionmaker[Session], settings: Settings, client_kind: str
) -> None:
    ws, clock = add_workspace(session_factory, TEAM_ID).id, Clock()
    queue(session_factory, ws, ("channel-post", "C1"), ("dm-post", "@UPM1"))
    fake.fail_next("chat.postMessage", status=500, processed=True, count=2)
    outbox = sender(session_factory, _client(client_kind, fake, settings), clock, workers=1)

    first = outbox.drain()

    assert (first.sent, first.retried) == (0, 2)
    # Possibly delivered: kept `sending`, to be looked up before anything is sent again.
    assert row(session_factory, "channel-post").state == OutboxState.SENDING
    assert len(fake.calls_to("chat.postMessage")) == 2
    clock.advance(minutes=10)
    assert outbox.drain().sent == 2

    assert _landed(fake, "C1", "channel-post") == 1
    assert _landed(fake, "UPM1", "dm-post") == 1
    assert len(fake.calls_to("chat.postMessage")) == 2  # found in Slack, never posted again
    assert row(session_factory, "channel-post").ts == fake.messages("C1")[0]["ts"]
    assert row(session_factory, "dm-post").ts == fake.messages("UPM1")[0]["ts"]


@pytest.mark.parametrize("client_kind", CLIENTS)
def test_a_thread_reply_slack_made_before_answering_500_lands_once(
    fake: FakeSlack, session_factory: sessionmaker[Session], settings: Settings, client_kind: str
) -> None:
    ws, clock = add_workspace(session_factory, TEAM_ID).id, Clock()
    outbox = sender(session_factory, _client(client_kind, fake, settings), clock, workers=1)
    queue(session_factory, ws, ("digest", "C1"))
    assert outbox.drain().sent == 1
    queue(session_factory, ws, ("late-note", "C1"), thread_of="digest")
    fake.fail_next("chat.postMessage", status=503, error="service_unavailable", processed=True)

    _drain_until_settled(outbox, clock)

    parent, *replies = fake.messages("C1")
    assert _landed(fake, "C1", "late-note") == 1
    assert [r["thread_ts"] for r in replies] == [parent["ts"]]
    assert [c.params["ts"] for c in fake.calls_to("conversations.replies")] == [parent["ts"]]
    assert (row(session_factory, "late-note").state, row(session_factory, "late-note").ts) == (
        OutboxState.SENT,
        replies[0]["ts"],
    )


@pytest.mark.parametrize("client_kind", CLIENTS)
def test_an_internal_error_after_posting_lands_once(
    fake: FakeSlack, session_factory: sessionmaker[Session], settings: Settings, client_kind: str
) -> None:
    """Slack documents that `internal_error` and `fatal_error` may come after part of the work."""
    ws, clock = add_workspace(session_factory, TEAM_ID).id, Clock()
    queue(session_factory, ws, ("k", "C1"))
    fake.fail_next("chat.postMessage", kind="slack_error", error="fatal_error", processed=True)

    _drain_until_settled(sender(session_factory, _client(client_kind, fake, settings), clock), clock)

    assert _landed(fake, "C1", "k") == 1


@pytest.mark.parametrize("client_kind", CLIENTS)
def test_posts_and_replies_slack_made_before_the_client_timed_out_land_once(
    fake: FakeSlack, session_factory: sessionmaker[Session], settings: Settings, client_kind: str
) -> None:
    ws, clock = add_workspace(session_factory, TEAM_ID).id, Clock()
    outbox = sender(session_factory, _client(client_kind, fake, settings, timeout=1), clock, workers=1)
    queue(session_factory, ws, ("digest", "C1"))
    assert outbox.drain().sent == 1
    queue(session_factory, ws, ("reply", "C1"), thread_of="digest")
    queue(session_factory, ws, ("post", "C2"))
    fake.fail_next("chat.postMessage", kind="timeout", delay=2.0, processed=True, count=2)

    first = outbox.drain()

    assert first.retried == 2 and row(session_factory, "post").state == OutboxState.SENDING
    clock.advance(minutes=10)
    _drain_until_settled(outbox, clock)
    assert _landed(fake, "C1", "reply") == 1
    assert _landed(fake, "C2", "post") == 1
    assert len(fake.calls_to("chat.postMessage")) == 3  # the digest, then one try each


@pytest.mark.parametrize("client_kind", CLIENTS)
def test_a_5xx_slack_did_not_act_on_is_retried_and_delivered_once(
    fake: FakeSlack, session_factory: sessionmaker[Session], settings: Settings, client_kind: str
) -> None:
    ws, clock = add_workspace(session_factory, TEAM_ID).id, Clock()
    outbox = sender(session_factory, _client(client_kind, fake, settings), clock, workers=1)
    queue(session_factory, ws, ("digest", "C1"))
    assert outbox.drain().sent == 1
    queue(session_factory, ws, ("post", "C2"))
    queue(session_factory, ws, ("reply", "C1"), thread_of="digest")
    fake.fail_next("chat.postMessage", status=500, count=2)
    fake.fail_next("chat.postMessage", kind="timeout", delay=2.0)  # never processed either

    _drain_until_settled(outbox, clock, rounds=6)

    assert _landed(fake, "C2", "post") == 1
    assert _landed(fake, "C1", "reply") == 1
    assert row(session_factory, "post").state == row(session_factory, "reply").state == OutboxState.SENT
    # Checked in Slack before each resend: history for the post, the thread for the reply.
    assert fake.calls_to("conversations.history") and fake.calls_to("conversations.replies")


def test_the_apps_client_repeats_reads_but_never_a_post_after_a_5xx(
    fake: FakeSlack, settings: Settings
) -> None:
    """Inside one call: a read that met a 5xx is simply asked again; a post is not."""
    client = build_web_client(settings)
    fake.fail_next("users.info", status=500)
    assert client.users_info(user="UPM1")["ok"]
    fake.fail_next("conversations.open", status=503, processed=True)
    opened = client.conversations_open(users="UPM1")
    assert opened["ok"] and opened["channel"]["id"]

    fake.fail_next("chat.postMessage", status=500, processed=True)
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="C1", text="once")
    fake.fail_next("chat.postMessage", status=429, retry_after=1)
    client.chat_postMessage(channel="C1", text="twice")  # a 429 is safe: Slack did nothing

    fake.fail_next("chat.postMessage", kind="connection", processed=True)
    with pytest.raises(OSError):
        client.chat_postMessage(channel="C1", text="dropped")  # the answer was lost, not the post
    fake.fail_next("users.info", kind="connection")
    assert client.users_info(user="UPM1")["ok"]

    assert [m["text"] for m in fake.messages("C1")] == ["once", "twice", "dropped"]
    assert [c.status for c in fake.calls_to("chat.postMessage")] == [500, 429, 200, 0]


def test_a_connection_that_was_never_made_is_retried_even_for_a_post() -> None:
    """Refused, or a name that did not resolve: Slack got nothing, so sending again is safe."""
    request = HttpRequest(method="POST", url="https://slack.com/api/chat.postMessage", headers={})
    read = HttpRequest(method="POST", url="https://slack.com/api/users.info", headers={})
    handler = SafeConnectionErrorRetryHandler(max_retry_count=2)

    def retries(req: HttpRequest, error: Exception) -> bool:
        return handler.can_retry(state=RetryState(), request=req, response=None, error=error)

    assert retries(request, URLError(ConnectionRefusedError(111, "Connection refused")))
    assert retries(request, URLError(socket.gaierror(-2, "Name or service not known")))
    assert not retries(request, RemoteDisconnected("closed without an answer"))
    assert not retries(request, TimeoutError("timed out"))
    assert not retries(request, ConnectionResetError(104, "reset"))
    assert retries(read, RemoteDisconnected("closed without an answer"))
    assert retries(read, TimeoutError("timed out"))
