"""App Home: publishing the tab when it is opened or its data changed, and its Help button."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot.deps import AppDeps
from bot.ids import ActionId, EventType
from bot.services.home import dashboard
from bot.services.workspaces import WorkspaceRef
from bot.ui.help import build_help_modal
from bot.ui.home import build_home, build_home_not_on_roster
from handlers.call import GuestCall, action_listener
from handlers.context import deps_of, find_actor, guest_locale, locale_for, workspace_of
from handlers.registry import Listeners


def register(app: Listeners) -> None:
    app.event(EventType.APP_HOME_OPENED, app_home_opened)
    app.action(ActionId.HOME_HELP, home_help)


def app_home_opened(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """The person is looking at the tab: publish now, past any window of edits (and a failure
    here is theirs to hear about, through the guarded listener's apology)."""
    if event.get("tab", "home") != "home":
        return
    publish_home(deps_of(context), workspace_of(context), client, event["user"])


@action_listener(guests=True)
def home_help(call: GuestCall) -> None:
    """*Help* on App Home: anyone who sees the tab may read it."""
    call.client.views_open(trigger_id=call.trigger_id, view=build_help_modal(call.locale))


def refresh_home(deps: AppDeps, workspace: WorkspaceRef, client: WebClient, user_id: str) -> None:
    """After an edit: publish `user_id`'s tab now, or once at the end of the edit burst it is
    part of, reading the data then (`deps.home_refresh`, bot/coalescer.py). A failed publish is
    logged there and not apologised for: what was saved is saved, and confirmed elsewhere.
    See docs/architecture.md#app-home-after-an-edit."""
    deps.home_refresh.request((workspace.id, user_id), lambda: publish_home(deps, workspace, client, user_id))


def publish_home(deps: AppDeps, workspace: WorkspaceRef, client: WebClient, user_id: str) -> None:
    actor = find_actor(deps, workspace, user_id, client)
    if actor is None:
        view = build_home_not_on_roster(guest_locale(client, workspace, user_id))
    else:
        data = dashboard(deps.uow, workspace=workspace, user_id=user_id, now=deps.clock())
        view = build_home(locale_for(actor, workspace), data)
    client.views_publish(user_id=user_id, view=view)
