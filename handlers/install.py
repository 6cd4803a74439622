"""Slack taking pmpulse out of a workspace: uninstalled, or its bot token revoked."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import BoltContext

from bot.ids import EventType
from bot.services.workspaces import deactivate_workspace
from handlers.context import deps_of, workspace_of
from handlers.registry import Listeners

log = logging.getLogger(__name__)


def register(app: Listeners) -> None:
    app.event(EventType.APP_UNINSTALLED, app_uninstalled)
    app.event(EventType.TOKENS_REVOKED, tokens_revoked)


def app_uninstalled(context: BoltContext) -> None:
    """Slack says pmpulse was removed from the workspace (sent once; its token no longer works)."""
    _stop_serving(context, "pmpulse was uninstalled")


def tokens_revoked(event: dict[str, Any], context: BoltContext) -> None:
    """Revoked user tokens change nothing (pmpulse uses none); a revoked bot token is an uninstall."""
    tokens = event.get("tokens")
    if isinstance(tokens, dict) and tokens.get("bot"):
        _stop_serving(context, "its bot token was revoked")


def _stop_serving(context: BoltContext, reason: str) -> None:
    deps = deps_of(context)
    workspace = workspace_of(context)
    if deactivate_workspace(deps.session_factory, workspace.slack_team_id):
        log.warning(
            "workspace %s (team %s) is inactive: %s; its data is kept and its queued messages wait",
            workspace.id,
            workspace.slack_team_id,
            reason,
        )
    deps.read_cache.forget_workspace(workspace.id)
    deps.read_cache.forget_workspace(workspace.slack_team_id)
