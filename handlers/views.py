"""Modal submissions."""

from __future__ import annotations

from slack_bolt import App

from bot.ids import CallbackId, StatusCallback
from handlers.errors import guarded
from handlers.goals import goal_add_submission
from handlers.status import status_submission


def register(app: App) -> None:
    app.view(CallbackId.GOAL_ADD)(guarded(goal_add_submission))
    app.view(StatusCallback.MODAL)(guarded(status_submission))
