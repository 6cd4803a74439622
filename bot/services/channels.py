"""Channels pmpulse posts to (digest, risk, meeting): found from what a person typed, and checked.

A setting that names a channel is only worth storing when pmpulse can post there. So the text an
operator types or pastes (`#pm-weekly`, `pm-weekly`, `C0123ABCD`, `<#C0123ABCD|pm-weekly>`, a link
to the channel) is resolved to a channel ID through Slack, and the channel is checked: it exists,
it is not archived, and the bot is in it. The bot joins a public channel itself; into a private
channel only a member can invite it, and Slack hides a private channel from a bot outside it, so
"not found" also tells how to invite pmpulse.

Slack is reached through `ChannelSlack` (an adapter over the Web API lives with the listeners), so
this module stays free of Slack libraries. Refusals are `ServiceError`s with catalog keys
(`channels.error.*`), for the shell and for Slack alike.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from bot.services.errors import ServiceError

NAME_MAX = 80  # Slack's limit on a channel name
_ID = re.compile(r"^[CG][A-Z0-9]{6,}$")
_MENTION = re.compile(r"^<#([CG][A-Z0-9]{6,})(?:\|[^>]*)?>$")
_LINK = re.compile(
    r"^<?https://[a-z0-9-]+(?:\.enterprise)?\.slack\.com/archives/([CG][A-Z0-9]{6,})(?:[/?|][^>]*)?>?$"
)
_NAME = re.compile(r"^[\w-]{1,80}$")


@dataclass(frozen=True)
class Channel:
    """A public or private channel as the bot sees it."""

    id: str
    name: str
    is_private: bool
    is_archived: bool
    is_member: bool


class ChannelSlack(Protocol):
    """The Slack Web API calls this module needs, with Slack's "not found" as None."""

    def info(self, channel_id: str) -> Channel | None:
        """conversations.info; None for an unknown channel or a private one without the bot."""

    def channels(self) -> Iterable[Channel]:
        """conversations.list over every page: public channels, and private ones the bot is in."""

    def join(self, channel_id: str) -> Channel | None:
        """conversations.join on a public channel; None when Slack no longer finds it."""


@dataclass(frozen=True)
class ChannelCheck:
    """A channel pmpulse can post in; `joined` when it joined it just now."""

    id: str
    name: str
    is_private: bool
    joined: bool = False

    @property
    def label(self) -> str:
        return f"#{self.name} ({self.id})"


@dataclass(frozen=True)
class ChannelRef:
    """What the text named: a channel ID, or a name to look up."""

    id: str | None = None
    name: str | None = None


def parse_channel(text: str) -> ChannelRef:
    """`#name`, `name`, `C0123ABCD`, `<#C0123ABCD|name>` or a channel link; ServiceError if none of them."""
    typed = text.strip()
    for pattern in (_MENTION, _LINK):
        match = pattern.match(typed)
        if match:
            return ChannelRef(id=match.group(1))
    if _ID.match(typed):
        # `CARDS2024` may be an ID or a name typed in capitals: the ID is tried first.
        name = typed.lower()
        return ChannelRef(id=typed, name=name if _NAME.match(name) else None)
    # Slack keeps names in lower case; people type them as they like.
    name = typed.removeprefix("#").lower()
    if not _NAME.match(name):
        raise ServiceError("channels.error.bad_text", text=text.strip()[:100])
    return ChannelRef(name=name)


def resolve_and_join(slack: ChannelSlack, text: str) -> ChannelCheck:
    """The channel `text` names, checked, with pmpulse in it (it joins a public one); else ServiceError."""
    ref = parse_channel(text)
    channel = _find(slack, ref)
    if channel is None:
        raise _not_found(ref)
    return _check(slack, channel, join=True)


def check_channel(slack: ChannelSlack, channel_id: str) -> ChannelCheck:
    """A stored channel, checked without changing anything: ServiceError when pmpulse cannot post there."""
    channel = slack.info(channel_id)
    if channel is None:
        raise _not_found(ChannelRef(id=channel_id))
    return _check(slack, channel, join=False)


def _not_found(ref: ChannelRef) -> ServiceError:
    # Slack shows a bot no private channel it is not in: "not found" may mean exactly that.
    if ref.id is not None:
        return ServiceError("channels.error.not_found_id", channel=ref.id)
    return ServiceError("channels.error.not_found_name", name=ref.name)


def _find(slack: ChannelSlack, ref: ChannelRef) -> Channel | None:
    found = slack.info(ref.id) if ref.id is not None else None
    if found is None and ref.name is not None:
        found = next((c for c in slack.channels() if c.name == ref.name), None)
    return found


def _check(slack: ChannelSlack, channel: Channel, *, join: bool) -> ChannelCheck:
    if channel.is_archived:
        raise ServiceError("channels.error.archived", name=channel.name)
    joined = False
    if not channel.is_member:
        if channel.is_private:
            raise ServiceError("channels.error.private_not_member", name=channel.name)
        if not join:
            raise ServiceError("channels.error.not_member", name=channel.name)
        if slack.join(channel.id) is None:
            # Archived or gone since it was looked up: say what holds now.
            now = slack.info(channel.id)
            if now is None:
                raise _not_found(ChannelRef(id=channel.id))
            return _check(slack, now, join=False)
        joined = True
    return ChannelCheck(id=channel.id, name=channel.name, is_private=channel.is_private, joined=joined)
