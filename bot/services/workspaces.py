"""Workspaces and their team settings."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import available_timezones

from sqlalchemy.orm import Session, sessionmaker

from storage.uow import UnitOfWork
from storage.workspaces import TeamSettings, Workspace


@dataclass(frozen=True)
class WorkspaceRef:
    """What a listener needs to know of the workspace a request came from."""

    id: int
    slack_team_id: str
    timezone: str
    locale: str


def ensure_workspace(
    session_factory: sessionmaker[Session],
    *,
    slack_team_id: str,
    name: str,
    bot_user_id: str | None,
    default_timezone: str,
    default_locale: str,
) -> WorkspaceRef:
    """Find or create the workspace row and its settings (idempotent; run at start-up).

    A workspace that uninstalled pmpulse is active again: this runs when it is back (a start
    with its valid bot token, or its first request after an OAuth install), and its data is
    where it was left.
    """
    with UnitOfWork(session_factory) as uow:
        workspace = uow.workspaces.get_by_team_id(slack_team_id)
        if workspace is None:
            workspace = uow.workspaces.add(
                Workspace(slack_team_id=slack_team_id, name=name, bot_user_id=bot_user_id)
            )
        else:
            workspace.name = name or workspace.name
            workspace.bot_user_id = bot_user_id or workspace.bot_user_id
            workspace.active = True
        uow.scope(workspace.id)
        settings = uow.team_settings.get()
        if settings is None:
            settings = uow.team_settings.add(
                TeamSettings(timezone=default_timezone, locale=default_locale, thresholds={})
            )
        ref = WorkspaceRef(workspace.id, slack_team_id, settings.timezone, settings.locale)
        uow.commit()
    return ref


def deactivate_workspace(session_factory: sessionmaker[Session], slack_team_id: str) -> bool:
    """Slack uninstalled pmpulse or revoked its bot token: serve the workspace no more, keep its data.

    Jobs skip it, the outbox holds its queued messages (`pending`) instead of sending them, and
    its requests are ignored, until `ensure_workspace` brings it back. False when unknown or
    already inactive.
    """
    with UnitOfWork(session_factory) as uow:
        workspace = uow.workspaces.get_by_team_id(slack_team_id)
        if workspace is None or not workspace.active:
            return False
        workspace.active = False
        uow.commit()
    return True


def serves_team(slack_team_id: str, *, token_team_id: str | None) -> bool:
    """Whether pmpulse serves `slack_team_id`: answers its requests and runs its jobs.

    With OAuth (`token_team_id` None) each installed workspace is served with its own token. With
    a single bot token only that token's workspace is: another stored workspace's requests would
    otherwise be answered, its roster written and its people messaged with this workspace's token.
    """
    return token_team_id is None or slack_team_id == token_team_id


def find_workspace(session_factory: sessionmaker[Session], slack_team_id: str) -> WorkspaceRef | None:
    """The workspace for a Slack team ID, or None for a team pmpulse does not serve."""
    with UnitOfWork(session_factory) as uow:
        workspace = uow.workspaces.get_by_team_id(slack_team_id)
        if workspace is None or not workspace.active:
            return None
        uow.scope(workspace.id)
        settings = uow.team_settings.get()
        if settings is None:
            return None
        return WorkspaceRef(workspace.id, slack_team_id, settings.timezone, settings.locale)


# Team settings that `pmpulse config set` and the settings modal may change.
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
EDITABLE = {
    "timezone": "timezone",
    "locale": "locale",
    "digest_channel": "channel",
    "risk_channel": "channel",
    "meeting_channel": "channel",
    "prompt_day": "day",
    "prompt_time": "time",
    "reminder_day": "day",
    "reminder_time": "time",
    "digest_day": "day",
    "digest_time": "time",
    "meeting_day": "day",
    "meeting_time": "time",
    "one_on_one_cadence_days": "days",
}


CLEARED = ("", "-", "none")  # what unsets a channel setting


def is_channel_setting(key: str) -> bool:
    return EDITABLE.get(key) == "channel"


def parse_setting(key: str, text: str) -> object:
    """Parse a team setting from text; ValueError with a one-line reason when it does not fit."""
    kind = EDITABLE.get(key)
    if kind is None:
        raise ValueError(f"unknown setting {key!r}; one of: {', '.join(EDITABLE)}")
    text = text.strip()
    if kind == "timezone":
        # The installed zone list, not whatever ZoneInfo() can open (`posixrules`, file paths):
        # the picker offers exactly these, and a forged value is refused the same way.
        if text not in timezone_names():
            raise ValueError(f"unknown IANA timezone {text!r}")
        return text
    if kind == "locale":
        if text not in ("en", "zh-CN"):
            raise ValueError("locale must be en or zh-CN")
        return text
    if kind == "channel":
        if text in CLEARED:
            return None
        channel = text.lstrip("#")
        if channel[:1] not in ("C", "G") or not channel.isalnum():
            raise ValueError("a channel ID looks like C0123ABCD")
        return channel
    if kind == "day":
        day = text[:3].lower()
        if day not in DAYS:
            raise ValueError("a day is one of mon tue wed thu fri sat sun")
        return DAYS.index(day)
    if kind == "time":
        try:
            return dt.time.fromisoformat(text)
        except ValueError:
            raise ValueError("a time looks like 16:00") from None
    try:
        days = int(text)
    except ValueError:
        raise ValueError("a whole number of days") from None
    if not 1 <= days <= 365:
        raise ValueError("between 1 and 365 days")
    return days


@functools.cache
def timezone_names() -> frozenset[str]:
    """Every IANA zone installed here; read once, as it walks the zone directory.

    `Factory` is tzdata's placeholder ("-00"), no one's time zone.
    """
    return frozenset(available_timezones() - {"Factory"})


def format_setting(key: str, value: object) -> str:
    if EDITABLE.get(key) == "day" and isinstance(value, int):
        return DAYS[value]
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    return "-" if value is None else str(value)


def set_team_setting(uow: UnitOfWork, *, actor: str, setting: str, text: str) -> object:
    """Change one team setting from text, audited; ValueError with a one-line reason when it does not fit."""
    key = setting
    value = parse_setting(key, text)
    settings = uow.team_settings.get()
    if settings is None:
        raise ValueError("workspace has no settings yet; run pmpulse once against Slack")
    apply_team_setting(uow, settings, actor=actor, key=key, value=value)
    uow.commit()
    return value


def apply_team_setting(
    uow: UnitOfWork, settings: TeamSettings, *, actor: str, key: str, value: object
) -> None:
    """Set one parsed team setting and audit it; the caller commits (once, for all it changes)."""
    old = getattr(settings, key)
    setattr(settings, key, value)
    uow.audit.record(
        actor=actor,
        action="update",
        entity="team_settings",
        entity_id=settings.workspace_id,
        detail={"key": key, "old": format_setting(key, old), "new": format_setting(key, value)},
    )


def configured_channels(
    session_factory: sessionmaker[Session], slack_team_id: str
) -> dict[str, str | None] | None:
    """Each channel setting of a workspace and the channel ID it holds; None when the workspace is unknown."""
    found = find_workspace(session_factory, slack_team_id)
    if found is None:
        return None
    with UnitOfWork(session_factory) as uow:
        uow.scope(found.id)
        settings = uow.team_settings.get()
        return {key: getattr(settings, key) for key in EDITABLE if is_channel_setting(key)}


def team_settings_rows(uow: UnitOfWork) -> list[tuple[str, str]]:
    settings = uow.team_settings.get()
    if settings is None:
        return []
    return [(key, format_setting(key, getattr(settings, key))) for key in EDITABLE]


def claim_event(uow_factory: Callable[[int], UnitOfWork], *, workspace_id: int, event_id: str) -> bool:
    """Record a Slack event ID as handled; False when it was already (a redelivery)."""
    with uow_factory(workspace_id) as uow:
        first_time = uow.events.claim(event_id)
        uow.commit()
        return first_time
