"""Members' DM channels: stored ones first, `conversations.open` once for the rest.

The one way pmpulse opens a DM, for the sender and for a listener's answer in the DM of the
person in front of it (the status and goal confirmations) alike.

`conversations.open` is Tier 3 (about 50 a minute): a first fan-out to thousands of members
hits its limit. After one 429 the method is held until Slack's `Retry-After` for the whole
workspace, so the other rows wait their turn without each being refused by Slack.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session, sessionmaker

from bot.delivery.retry import classify
from storage.uow import UnitOfWork


def member_of(channel: object) -> str | None:
    """The user ID when a payload's channel names a member ("@U123"), else None."""
    if isinstance(channel, str) and channel.startswith("@") and len(channel) > 1:
        return channel[1:]
    return None


class OpenHeld(Exception):
    """conversations.open is rate limited for this workspace for `seconds` more."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"conversations.open rate limited; held {seconds:.0f}s")
        self.seconds = seconds


class DmChannelCache:
    """What `DmChannels` learns, kept for the process: each member's DM channel (by workspace ID
    and Slack user ID), and until when `conversations.open` is held per workspace after a 429.

    The app keeps one (AppDeps.dm_channels) for its listeners and its outbox drains, so a PM's
    second edit of the week finds the DM channel in memory instead of reading it again,
    whichever client the request brought.
    """

    def __init__(self) -> None:
        self.known: dict[tuple[int, str], str] = {}
        self.held_until: dict[int, float] = {}
        self.lock = threading.Lock()


class DmChannels:
    """Members' DM channels over a `DmChannelCache` and the member table; thread-safe."""

    def __init__(
        self,
        *,
        session_factory: sessionmaker[Session],
        client: WebClient,
        cache: DmChannelCache | None = None,
    ) -> None:
        self._session_factory = session_factory
        self._client = client
        cache = cache or DmChannelCache()
        self._known = cache.known
        self._held_until = cache.held_until
        self._lock = cache.lock

    def known(self, workspace_id: int, user: str) -> str | None:
        with self._lock:
            return self._known.get((workspace_id, user))

    def load(self, wanted: Iterable[tuple[int, str]]) -> None:
        """Read the stored DM channels of these members in one query per workspace."""
        missing: dict[int, set[str]] = {}
        with self._lock:
            for workspace_id, user in wanted:
                if (workspace_id, user) not in self._known:
                    missing.setdefault(workspace_id, set()).add(user)
        if not missing:
            return
        with UnitOfWork(self._session_factory) as uow:
            found = {
                (workspace_id, user): channel
                for workspace_id, users in missing.items()
                for user, channel in uow.outbox.known_dm_channels(workspace_id, sorted(users)).items()
            }
        with self._lock:
            self._known.update(found)

    def channel_of(self, workspace_id: int, user: str) -> str:
        """The member's DM channel: the stored one, else opened now and stored."""
        self.load([(workspace_id, user)])
        return self.known(workspace_id, user) or self.open(workspace_id, user)

    def open(self, workspace_id: int, user: str) -> str:
        """Open the DM (raises OpenHeld while Tier 3 says wait) and store its ID on the member."""
        with self._lock:
            held = self._held_until.get(workspace_id, 0.0) - time.monotonic()
        if held > 0:
            raise OpenHeld(held)
        try:
            channel = str(self._client.conversations_open(users=user)["channel"]["id"])
        except SlackApiError as exc:
            failure = classify(exc)
            if failure.retry_after is not None:
                with self._lock:
                    self._held_until[workspace_id] = time.monotonic() + failure.retry_after
            raise
        with UnitOfWork(self._session_factory) as uow:
            uow.outbox.remember_dm_channel(workspace_id, user, channel)
            uow.commit()
        with self._lock:
            self._known[(workspace_id, user)] = channel
        return channel
