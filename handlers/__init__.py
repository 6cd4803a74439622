"""Slack listeners: thin adapters from Slack payloads to services and back to Block Kit.

Each feature module registers its own `/pm` subcommands and listeners (`register(app)`); adding a
feature is adding its module to FEATURES.
"""

from __future__ import annotations

from slack_bolt import App

from bot.deps import AppDeps
from handlers import (
    commands,
    digest,
    direct_messages,
    errors,
    feedback,
    goals,
    home,
    install,
    middleware,
    settings,
    status,
    team,
)
from handlers.registry import Listeners

FEATURES = (team, goals, status, digest, settings, home, direct_messages, feedback, install)


def register(app: App, deps: AppDeps) -> Listeners:
    """Attach middleware and every listener to `app`."""
    middleware.register(app, deps)
    errors.register(app)
    return register_features(app)


def register_features(app: App) -> Listeners:
    """Every feature's listeners and subcommands, then `/pm`, which routes to those subcommands."""
    listeners = Listeners(app)
    for feature in FEATURES:
        feature.register(listeners)
    commands.register(listeners)
    return listeners
