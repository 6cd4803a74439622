"""Reading what middleware put into the Bolt context, and per-request helpers."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot.deps import AppDeps
from bot.i18n import resolve_locale
from bot.services import roster
from bot.services.roster import MemberView
from bot.services.workspaces import WorkspaceRef
from bot.slack_profiles import profile_lookup

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


def locale_for(member: MemberView | None, workspace: WorkspaceRef) -> str:
    return resolve_locale(member.locale if member else None, workspace.locale)


def guest_locale(client: WebClient, workspace: WorkspaceRef, user_id: str) -> str:
    """The language of someone not on the roster: their Slack locale, else the team's."""
    profile = profile_lookup(client)(user_id)
    return resolve_locale(profile.locale if profile else None, workspace.locale)


def find_actor(deps: AppDeps, workspace: WorkspaceRef, user_id: str, client: WebClient) -> MemberView | None:
    """The sender's roster entry (None: not on the roster), read through the short-lived cache."""
    member = deps.read_cache.get_or_load(
        ("actor", workspace.id, user_id), lambda: _load_actor(deps, workspace, user_id, client)
    )
    return member if isinstance(member, MemberView) else None


def _load_actor(deps: AppDeps, workspace: WorkspaceRef, user_id: str, client: WebClient) -> MemberView | None:
    with deps.uow(workspace.id) as uow:
        return roster.find_actor(
            uow,
            user_id,
            admins=deps.settings.PMPULSE_ADMINS,
            lookup=profile_lookup(client),
            now=deps.clock(),
        )
