"""Channels of the fake workspace, as the bot sees them through the Web API.

Slack shows a bot every public channel, and a private channel only when the bot is in it: a
private channel without the bot answers `channel_not_found`, as if it did not exist. Public
channels can be joined (`conversations.join`, scope `channels:join`); private ones only by an
invitation from a member. Posting needs membership (`not_in_channel`), and nothing can be
posted to or joined in an archived channel (`is_archived`).

Channels a test declares with `FakeSlack.add_channel` follow these rules. A channel ID never
declared stays what it was before channels were modelled: posting to it works, so tests that
only read what was posted need no set-up; but the channel methods (`conversations.info`,
`.list`, `.join`) know declared channels only, so an ID nobody declared is `channel_not_found`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from bot.fakeslack.views import err

Json = dict[str, Any]
Handler = Callable[[Json], Json]

LIST_LIMIT_MAX = 1000


class ChannelDirectory:
    """Declared public and private channels, with whether the bot is in each."""

    def __init__(self, *, new_id: Callable[[str], str], scopes: Callable[[], tuple[str, ...]]) -> None:
        self._new_id = new_id
        self._scopes = scopes
        self.channels: dict[str, Json] = {}

    def _missing(self, needed: str) -> Json | None:
        """Slack's answer when the token lacks `needed`; None when it has it."""
        provided = self._scopes()
        if needed in provided:
            return None
        return err("missing_scope", needed=needed, provided=",".join(provided))

    def add(
        self,
        name: str,
        *,
        private: bool = False,
        archived: bool = False,
        bot_member: bool = True,
        channel_id: str | None = None,
    ) -> Json:
        channel_id = channel_id or self._new_id("C")
        channel = {
            "id": channel_id,
            "name": name,
            "created": 1_700_000_000,
            "is_channel": not private,
            "is_group": private,
            "is_im": False,
            "is_private": private,
            "is_archived": archived,
            "is_member": bot_member,
        }
        self.channels[channel_id] = channel
        return copy.deepcopy(channel)

    def update(self, channel_id: str, **changes: Any) -> Json:
        channel = self.channels[channel_id]
        channel.update(changes)
        return copy.deepcopy(channel)

    def visible(self, channel_id: str) -> Json | None:
        """The channel as the bot may see it; None when unknown or private without the bot."""
        channel = self.channels.get(channel_id)
        if channel is None or (channel["is_private"] and not channel["is_member"]):
            return None
        return channel

    def post_error(self, channel_id: str) -> str | None:
        """Why the bot may not post in a declared channel; None when it may (or it is undeclared)."""
        channel = self.channels.get(channel_id)
        if channel is None:
            return None
        if self.visible(channel_id) is None:
            return "channel_not_found"
        if channel["is_archived"]:
            return "is_archived"
        return None if channel["is_member"] else "not_in_channel"

    def handlers(self) -> dict[str, Handler]:
        return {"conversations.list": self.conversations_list, "conversations.join": self.conversations_join}

    def conversations_info(self, params: Json) -> Json:
        channel = self.visible(str(params.get("channel") or ""))
        if channel is None:
            return err("channel_not_found")
        missing = self._missing("groups:read" if channel["is_private"] else "channels:read")
        if missing:
            return missing
        return {"ok": True, "channel": copy.deepcopy(channel)}

    def conversations_list(self, params: Json) -> Json:
        types = {t.strip() for t in str(params.get("types") or "public_channel").split(",") if t.strip()}
        if not types <= {"public_channel", "private_channel", "mpim", "im"}:
            return err("invalid_types")
        for kind, scope in (("public_channel", "channels:read"), ("private_channel", "groups:read")):
            missing = self._missing(scope) if kind in types else None
            if missing:
                return missing
        try:
            limit = int(params.get("limit") or 100)
            start = int(params.get("cursor") or 0)
        except (TypeError, ValueError):
            return err("invalid_cursor")
        if limit < 1 or start < 0:
            return err("invalid_limit" if limit < 1 else "invalid_cursor")
        limit = min(limit, LIST_LIMIT_MAX)
        exclude_archived = str(params.get("exclude_archived")).lower() in ("true", "1")
        matching = [
            channel
            for channel_id, channel in self.channels.items()
            if self.visible(channel_id) is not None
            and ("private_channel" if channel["is_private"] else "public_channel") in types
            and not (exclude_archived and channel["is_archived"])
        ]
        page = matching[start : start + limit]
        following = start + limit
        next_cursor = str(following) if following < len(matching) else ""
        return {
            "ok": True,
            "channels": copy.deepcopy(page),
            "response_metadata": {"next_cursor": next_cursor},
        }

    def conversations_join(self, params: Json) -> Json:
        channel_id = str(params.get("channel") or "")
        channel = self.visible(channel_id)
        if channel is None:
            return err("channel_not_found")
        if channel["is_archived"]:
            return err("is_archived")
        if channel["is_private"]:
            return err("method_not_supported_for_channel_type")
        missing = self._missing("channels:join")
        if missing:
            return missing
        answer: Json = {"ok": True}
        if channel["is_member"]:
            answer["warning"] = "already_in_channel"
            answer["response_metadata"] = {"warnings": ["already_in_channel"]}
        channel["is_member"] = True
        answer["channel"] = copy.deepcopy(channel)
        return answer
