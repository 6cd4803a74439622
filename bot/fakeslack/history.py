"""Reading messages back: conversations.history and conversations.replies for the fake Slack.

The outbox sender asks Slack whether a message it may have posted before a crash is
there (by the delivery key in its message ``metadata``), so the fake answers the way
Slack does: history lists top-level messages newest first, replies lists a thread's
parent then its replies oldest first, both page with cursors, filter by ``oldest`` /
``latest``, return ``metadata`` only with ``include_all_metadata``, and need the
history scope of the channel's type.
"""

from __future__ import annotations

import base64
import copy
from collections.abc import Callable
from typing import Any

from bot.fakeslack.views import err

__all__ = ["HISTORY_SCOPES", "MessageHistory"]

Json = dict[str, Any]
DEFAULT_LIMIT = 100
MAX_LIMIT = 999
# The scope Slack requires to read each kind of conversation (first letter of its id).
HISTORY_SCOPES = {"C": "channels:history", "G": "groups:history", "D": "im:history"}


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() in ("1", "true", "yes")


def _ts(value: Any, default: float) -> float:
    try:
        return float(value) if value not in (None, "") else default
    except (TypeError, ValueError):
        return default


class MessageHistory:
    """Reads the fake's message store; the server serialises calls, so no locking here."""

    def __init__(
        self,
        *,
        messages: dict[str, list[Json]],
        resolve_channel: Callable[[Any], str | None],
        scopes: Callable[[], tuple[str, ...]],
    ) -> None:
        self._messages = messages
        self._resolve = resolve_channel
        self._scopes = scopes

    def handlers(self) -> dict[str, Callable[[Json], Json]]:
        return {"conversations.history": self.history, "conversations.replies": self.replies}

    def _channel(self, params: Json) -> tuple[str | None, Json | None]:
        channel = self._resolve(params.get("channel"))
        if channel is None:
            return None, err("channel_not_found")
        needed = HISTORY_SCOPES.get(channel[0])
        provided = self._scopes()
        if needed is not None and needed not in provided:
            return None, err("missing_scope", needed=needed, provided=",".join(provided))
        return channel, None

    def history(self, params: Json) -> Json:
        channel, problem = self._channel(params)
        if problem is not None or channel is None:
            return problem or err("channel_not_found")
        # Thread replies stay out of history (Slack shows them only through conversations.replies).
        top = [m for m in self._messages.get(channel, []) if m.get("thread_ts") in (None, m["ts"])]
        window = self._window(top, params)
        return self._page(sorted(window, key=lambda m: float(m["ts"]), reverse=True), params, channel)

    def replies(self, params: Json) -> Json:
        channel, problem = self._channel(params)
        if problem is not None or channel is None:
            return problem or err("channel_not_found")
        parent_ts = params.get("ts")
        if not parent_ts:
            return err("invalid_arguments")
        stored = self._messages.get(channel, [])
        if not any(m["ts"] == parent_ts for m in stored):
            return err("thread_not_found")
        thread = [m for m in stored if m["ts"] == parent_ts or m.get("thread_ts") == parent_ts]
        # The parent always comes first, whatever the window; the window filters the replies.
        parent = [m for m in thread if m["ts"] == parent_ts]
        replies = self._window([m for m in thread if m["ts"] != parent_ts], params)
        ordered = parent + sorted(replies, key=lambda m: float(m["ts"]))
        return self._page(ordered, params, channel)

    @staticmethod
    def _window(messages: list[Json], params: Json) -> list[Json]:
        oldest = _ts(params.get("oldest"), 0.0)
        latest = _ts(params.get("latest"), float("inf"))
        inclusive = _truthy(params.get("inclusive"))
        if inclusive:
            return [m for m in messages if oldest <= float(m["ts"]) <= latest]
        return [m for m in messages if oldest < float(m["ts"]) < latest]

    def _page(self, messages: list[Json], params: Json, channel: str) -> Json:
        try:
            limit = min(MAX_LIMIT, int(params.get("limit") or DEFAULT_LIMIT))
        except (TypeError, ValueError):
            return err("invalid_limit")
        offset = 0
        if params.get("cursor"):
            try:
                offset = int(base64.b64decode(str(params["cursor"])).decode().removeprefix("next:"))
            except ValueError:
                return err("invalid_cursor")
        page = messages[offset : offset + max(1, limit)]
        more = offset + len(page) < len(messages)
        cursor = base64.b64encode(f"next:{offset + len(page)}".encode()).decode() if more else ""
        with_metadata = _truthy(params.get("include_all_metadata"))
        return {
            "ok": True,
            "messages": [self._view(m, channel, with_metadata=with_metadata) for m in page],
            "has_more": more,
            "response_metadata": {"next_cursor": cursor},
        }

    def _view(self, message: Json, channel: str, *, with_metadata: bool) -> Json:
        out = {k: v for k, v in copy.deepcopy(message).items() if v is not None}
        if not with_metadata:
            out.pop("metadata", None)
        replies = [m for m in self._messages.get(channel, []) if m.get("thread_ts") == message["ts"]]
        if replies and out.get("thread_ts") in (None, out["ts"]):
            out["thread_ts"] = out["ts"]
            out["reply_count"] = len(replies)
            out["latest_reply"] = replies[-1]["ts"]
        return out
