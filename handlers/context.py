"""Reading what middleware put into the Bolt context, and per-request helpers."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.deps import AppDeps
from bot.i18n import resolve_locale
from bot.services import roster
from bot.services.roster import Profile, ProfileLookup
from bot.services.workspaces import WorkspaceRef
from storage.models import Member

DEPS = "pmpulse_deps"
WORKSPACE = "pmpulse_workspace"


def deps_of(context: BoltContext) -> AppDeps:
    deps = context[DEPS]
    assert isinstance(deps, AppDeps)
    return deps


def workspace_of(context: BoltContext) -> WorkspaceRef:
    workspace = context[WORKSPACE]
    assert isinstance(workspace, WorkspaceRef)
    return workspace


def today_in(workspace: WorkspaceRef, now: dt.datetime) -> dt.date:
    return now.astimezone(ZoneInfo(workspace.timezone)).date()


def locale_for(member: Member | None, workspace: WorkspaceRef) -> str:
    return resolve_locale(member.locale if member else None, workspace.locale)


def profile_lookup(client: WebClient) -> ProfileLookup:
    """users.info (with locale) as the plain lookup the roster service expects."""

    def lookup(user_id: str) -> Profile | None:
        try:
            user = client.users_info(user=user_id, include_locale=True)["user"]
        except SlackApiError as exc:
            if exc.response.get("error") in ("user_not_found", "users_not_found"):
                return None
            raise
        return profile_of(user_id, user)

    return lookup


def profile_of(user_id: str, user: dict[str, Any]) -> Profile:
    """A Slack user object (users.info, or the `user_change` event) as the roster's plain Profile."""
    profile = user.get("profile") or {}
    return Profile(
        user_id=user_id,
        # The full name reads best in rosters and digests; the display name is often a nickname.
        name=user.get("real_name")
        or profile.get("real_name")
        or profile.get("display_name")
        or user.get("name")
        or user_id,
        timezone=user.get("tz"),
        locale=user.get("locale"),
        is_bot=bool(user.get("is_bot")),
        deleted=bool(user.get("deleted")),
    )


def guest_locale(client: WebClient, workspace: WorkspaceRef, user_id: str) -> str:
    """The language of someone not on the roster: their Slack locale, else the team's."""
    profile = profile_lookup(client)(user_id)
    return resolve_locale(profile.locale if profile else None, workspace.locale)


def find_actor(deps: AppDeps, workspace: WorkspaceRef, user_id: str, client: WebClient) -> Member | None:
    """The sender's roster entry (None: not on the roster), read through the short-lived cache.

    The Member returned is detached and shared: read its attributes, never attach or change it.
    """
    member = deps.read_cache.get_or_load(
        ("actor", workspace.id, user_id), lambda: _load_actor(deps, workspace, user_id, client)
    )
    return member if isinstance(member, Member) else None


def _load_actor(deps: AppDeps, workspace: WorkspaceRef, user_id: str, client: WebClient) -> Member | None:
    with deps.uow(workspace.id) as uow:
        return roster.find_actor(
            uow,
            user_id,
            admins=deps.settings.PMPULSE_ADMINS,
            lookup=profile_lookup(client),
            now=deps.clock(),
        )


def open_dm(deps: AppDeps, workspace: WorkspaceRef, client: WebClient, user_id: str) -> str:
    """The member's DM channel: stored after the first conversations.open."""
    with deps.uow(workspace.id) as uow:
        known = roster.dm_channel_of(uow, user_id)
    if known:
        return known
    channel: str = client.conversations_open(users=user_id)["channel"]["id"]
    with deps.uow(workspace.id) as uow:
        roster.remember_dm_channel(uow, user_id, channel)
    return channel
