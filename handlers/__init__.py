"""Slack listeners: thin adapters from Slack payloads to services and back to Block Kit."""

from __future__ import annotations

from slack_bolt import App

from bot.deps import AppDeps
from handlers import actions, commands, errors, events, middleware, shortcuts, views


def register(app: App, deps: AppDeps) -> None:
    """Attach middleware and every listener to `app`."""
    middleware.register(app, deps)
    errors.register(app)
    commands.register(app)
    views.register(app)
    actions.register(app)
    events.register(app)
    shortcuts.register(app)
