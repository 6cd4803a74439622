"""What listeners and jobs share: settings, the database, the Slack client, a clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot.coalescer import Coalescer
from bot.config import Settings
from bot.delivery.dm_channels import DmChannelCache
from bot.read_cache import ReadCache
from storage.clock import system_now
from storage.uow import UnitOfWork

HomeKey = tuple[int, str]


def utc_now() -> dt.datetime:
    """A running bot's clock: the system's (tests, the demo and `jobs run --at` set another)."""
    return system_now()


@dataclass
class AppDeps:
    settings: Settings
    session_factory: sessionmaker[Session]
    client: WebClient
    clock: Callable[[], dt.datetime] = field(default=utc_now)
    read_cache: ReadCache = field(default_factory=ReadCache)
    # Single-token mode: the one Slack team the bot token belongs to (auth.test at start).
    token_team_id: str | None = None
    # App Home refreshes after an edit, one window per (workspace id, Slack user id): see
    # bot/coalescer.py. The app factory gives it the listener pool; stop it when the app stops.
    home_refresh: Coalescer[HomeKey] = field(default_factory=lambda: Coalescer[HomeKey]())
    # Members' DM channels once read or opened, for the listeners' confirmations.
    dm_channels: DmChannelCache = field(default_factory=DmChannelCache)

    def uow(self, workspace_id: int | None = None) -> UnitOfWork:
        return UnitOfWork(self.session_factory, workspace_id)
