"""conversations.history and conversations.replies in the fake Slack, driven by the real WebClient.

The outbox sender relies on them (and on message metadata) to find a post of unknown outcome.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.fakeslack import FakeSlack


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as server:
        server.add_user("U1", name="alice")
        yield server


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    return WebClient(token="xoxb-test", base_url=fake.api_url, timeout=5, retry_handlers=[])


def meta(key: str) -> dict[str, object]:
    return {"event_type": "pmpulse_delivery", "event_payload": {"key": key}}


def test_history_lists_top_level_messages_newest_first_with_metadata_on_request(client: WebClient) -> None:
    first = client.chat_postMessage(channel="C1", text="one", metadata=meta("k1"))
    client.chat_postMessage(channel="C1", text="reply", thread_ts=first["ts"])
    client.chat_postMessage(channel="C1", text="two")

    plain = client.conversations_history(channel="C1")
    assert [m["text"] for m in plain["messages"]] == ["two", "one"]
    assert all("metadata" not in m for m in plain["messages"])
    assert plain["messages"][1]["reply_count"] == 1 and plain["messages"][1]["thread_ts"] == first["ts"]

    full = client.conversations_history(channel="C1", include_all_metadata=True)
    assert full["messages"][1]["metadata"] == meta("k1")


def test_history_pages_with_cursors_and_filters_by_oldest(client: WebClient) -> None:
    sent = [client.chat_postMessage(channel="D1", text=str(i))["ts"] for i in range(5)]

    page = client.conversations_history(channel="D1", limit=2)
    assert [m["text"] for m in page["messages"]] == ["4", "3"] and page["has_more"] is True
    rest = client.conversations_history(
        channel="D1", limit=10, cursor=page["response_metadata"]["next_cursor"]
    )
    assert [m["text"] for m in rest["messages"]] == ["2", "1", "0"] and rest["has_more"] is False
    assert rest["response_metadata"]["next_cursor"] == ""

    newer = client.conversations_history(channel="D1", oldest=sent[2])
    assert [m["text"] for m in newer["messages"]] == ["4", "3"]
    inclusive = client.conversations_history(channel="D1", oldest=sent[2], inclusive=True)
    assert [m["text"] for m in inclusive["messages"]] == ["4", "3", "2"]


def test_replies_list_the_parent_then_its_replies_in_order(client: WebClient) -> None:
    parent = client.chat_postMessage(channel="C1", text="digest")["ts"]
    for i in range(3):
        client.chat_postMessage(channel="C1", text=f"r{i}", thread_ts=parent, metadata=meta(f"r{i}"))

    thread = client.conversations_replies(channel="C1", ts=parent, include_all_metadata=True)
    assert [m["text"] for m in thread["messages"]] == ["digest", "r0", "r1", "r2"]
    assert thread["messages"][2]["metadata"] == meta("r1")
    with pytest.raises(SlackApiError) as missing:
        client.conversations_replies(channel="C1", ts="1.000001")
    assert missing.value.response["error"] == "thread_not_found"


def test_history_needs_the_history_scope_of_the_channel_type() -> None:
    with FakeSlack(scopes=("chat:write", "channels:history")) as fake:
        client = WebClient(token="xoxb-test", base_url=fake.api_url, retry_handlers=[])
        assert client.conversations_history(channel="C1")["ok"]
        with pytest.raises(SlackApiError) as refused:
            client.conversations_history(channel="D1")
    assert refused.value.response["error"] == "missing_scope"
    assert refused.value.response["needed"] == "im:history"


def test_latency_delays_the_answer_not_the_effect(fake: FakeSlack, client: WebClient) -> None:
    import time

    fake.set_latency(0.3)
    started = time.monotonic()
    client.chat_postMessage(channel="C1", text="slow")
    assert time.monotonic() - started >= 0.3
    assert [m["text"] for m in fake.messages("C1")] == ["slow"]
