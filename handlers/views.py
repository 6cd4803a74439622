"""Modal submissions."""

from __future__ import annotations

from slack_bolt import App

from bot.ids import CallbackId
from handlers.goals import goal_add_submission


def register(app: App) -> None:
    app.view(CallbackId.GOAL_ADD)(goal_add_submission)
