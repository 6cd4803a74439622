"""Global middleware: dependencies into the context, the workspace, once-only events."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltContext, BoltResponse

from bot.deps import AppDeps
from bot.services.workspaces import WorkspaceRef, claim_event, ensure_workspace, find_workspace, serves_team
from handlers.context import DEPS, WORKSPACE

log = logging.getLogger(__name__)


def register(app: App, deps: AppDeps) -> None:
    def attach(context: BoltContext, body: dict[str, Any], next: Callable[[], None]) -> BoltResponse | None:
        context[DEPS] = deps
        team_id = context.team_id or _team_id(body)
        workspace = _resolve(deps, team_id, context) if team_id else None
        if workspace is None:
            # A team pmpulse does not serve: acknowledge and touch nothing.
            log.warning("request from unknown workspace %r ignored", team_id)
            return BoltResponse(status=200, body="")
        context[WORKSPACE] = workspace
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id and not claim_event(deps.uow, workspace_id=workspace.id, event_id=str(event_id)):
            log.info("event %s already handled; redelivery ignored", event_id)
            return BoltResponse(status=200, body="")
        next()
        return None

    app.use(attach)


def _team_id(body: dict[str, Any]) -> str | None:
    team = body.get("team")
    if isinstance(team, dict):
        return team.get("id")
    return body.get("team_id")


def _resolve(deps: AppDeps, team_id: str, context: BoltContext) -> WorkspaceRef | None:
    if not serves_team(team_id, token_team_id=None if deps.settings.oauth_enabled else deps.token_team_id):
        return None
    workspace = deps.read_cache.get_or_load(
        ("workspace", team_id), lambda: find_workspace(deps.session_factory, team_id)
    )
    if workspace is None and deps.settings.oauth_enabled and context.bot_token:
        # Installed through OAuth (Bolt authorized the request): first contact creates the row.
        workspace = ensure_workspace(
            deps.session_factory,
            slack_team_id=team_id,
            name="",
            bot_user_id=context.bot_user_id,
            default_timezone=deps.settings.PMPULSE_DEFAULT_TIMEZONE,
            default_locale=deps.settings.PMPULSE_DEFAULT_LOCALE,
        )
        deps.read_cache.put(("workspace", team_id), workspace)
    return workspace if isinstance(workspace, WorkspaceRef) else None
