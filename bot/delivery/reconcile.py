"""Did Slack get it? Finding a message by its delivery key after a call of unknown outcome.

Every `chat.postMessage` the sender makes carries message metadata naming its delivery key.
When a sender died mid-call, or the connection dropped before Slack answered, the message may
or may not be in the channel: reading the channel back (`conversations.history`, or
`conversations.replies` for a thread reply) settles it, so the row is marked sent with the
`ts` Slack has, or sent again, never both.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from slack_sdk import WebClient

METADATA_EVENT_TYPE = "pmpulse_delivery"
PAGE_SIZE = 200
MAX_PAGES = 25
# Slack's clock and ours may disagree a little: look a bit further back than the row's creation.
CLOCK_SKEW = dt.timedelta(minutes=5)


def delivery_metadata(key: str) -> dict[str, Any]:
    """The message metadata that names a delivery key."""
    return {"event_type": METADATA_EVENT_TYPE, "event_payload": {"key": key}}


def carries_key(message: dict[str, Any], key: str) -> bool:
    metadata = message.get("metadata") or {}
    payload = metadata.get("event_payload") or {}
    return bool(metadata.get("event_type") == METADATA_EVENT_TYPE and payload.get("key") == key)


def find_delivered(
    client: WebClient,
    *,
    channel: str,
    key: str,
    since: dt.datetime,
    thread_ts: str | None = None,
) -> str | None:
    """The `ts` of the message carrying `key` in `channel` (or in the thread) since `since`, or None.

    Slack errors propagate: the caller cannot tell "not there" from "could not look".
    """
    oldest = f"{(since - CLOCK_SKEW).timestamp():.6f}"
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        params: dict[str, Any] = {
            "channel": channel,
            "oldest": oldest,
            "limit": PAGE_SIZE,
            "include_all_metadata": True,
        }
        if cursor:
            params["cursor"] = cursor
        if thread_ts is not None:
            page = client.conversations_replies(ts=thread_ts, **params)
        else:
            page = client.conversations_history(**params)
        for message in page.get("messages") or []:
            if carries_key(message, key):
                return str(message["ts"])
        cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
        if not cursor:
            return None
    return None
