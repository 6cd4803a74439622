"""The Web API side of `bot.services.channels`: conversations.info, .list and .join, as plain data."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services.channels import Channel, ChannelCheck, check_channel, resolve_and_join
from bot.services.errors import ServiceError

# What Slack answers for a channel the bot cannot see: unknown, or private without the bot.
NOT_FOUND = frozenset({"channel_not_found", "method_not_supported_for_channel_type"})
PAGE_SIZE = 200  # Slack's advice for conversations.list: at most 200 a page


class SlackChannels:
    """`ChannelSlack` over a WebClient; Slack's "missing_scope" becomes a ServiceError naming the scope."""

    def __init__(self, client: WebClient) -> None:
        self._client = client

    def info(self, channel_id: str) -> Channel | None:
        try:
            answer = self._client.conversations_info(channel=channel_id)
        except SlackApiError as exc:
            return self._absent(exc)
        return channel_of(answer["channel"])

    def channels(self) -> Iterator[Channel]:
        cursor: str | None = None
        while True:
            try:
                answer = self._client.conversations_list(
                    types="public_channel,private_channel",
                    exclude_archived=False,
                    limit=PAGE_SIZE,
                    cursor=cursor,
                )
            except SlackApiError as exc:
                self._absent(exc)
                return
            for channel in answer.get("channels") or []:
                yield channel_of(channel)
            cursor = (answer.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return

    def join(self, channel_id: str) -> Channel | None:
        try:
            answer = self._client.conversations_join(channel=channel_id)
        except SlackApiError as exc:
            if exc.response.get("error") == "is_archived":
                return None
            return self._absent(exc)
        return channel_of(answer["channel"])

    @staticmethod
    def _absent(exc: SlackApiError) -> None:
        error = exc.response.get("error")
        if error in NOT_FOUND:
            return None
        if error == "missing_scope":
            raise ServiceError(
                "channels.error.missing_scope", scope=exc.response.get("needed") or "?"
            ) from exc
        raise exc


def channel_to_post_in(client: WebClient, text: str) -> ChannelCheck:
    """The channel a person typed, pasted or picked (an ID), with pmpulse in it; else ServiceError.

    For `config set` and the settings modal alike: a public channel is joined, the rest is refused
    with a catalog key (`channels.error.*`) whose text says what to do. `params` may hold the
    person's own text: escape it before it goes into mrkdwn.
    """
    return resolve_and_join(SlackChannels(client), text)


def stored_channel_check(client: WebClient, channel_id: str) -> ChannelCheck:
    """A stored channel checked without changing anything (doctor); ServiceError when pmpulse cannot post."""
    return check_channel(SlackChannels(client), channel_id)


def channel_of(channel: Mapping[str, Any]) -> Channel:
    """A conversation object from Slack as the service's plain Channel."""
    return Channel(
        id=str(channel["id"]),
        name=str(channel.get("name") or channel["id"]),
        is_private=bool(channel.get("is_private")),
        is_archived=bool(channel.get("is_archived")),
        is_member=bool(channel.get("is_member")),
    )
