"""Events API listeners."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.ids import EventType
from handlers.context import deps_of, workspace_of
from handlers.home import publish_home


def register(app: App) -> None:
    app.event(EventType.APP_HOME_OPENED)(app_home_opened)


def app_home_opened(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    if event.get("tab", "home") != "home":
        return
    publish_home(deps_of(context), workspace_of(context), client, event["user"])
