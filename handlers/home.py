"""Publishing the App Home tab."""

from __future__ import annotations

from slack_sdk import WebClient

from bot.deps import AppDeps
from bot.services.home import dashboard
from bot.services.workspaces import WorkspaceRef
from bot.ui.home import build_home, build_home_not_on_roster
from handlers.context import find_actor, guest_locale, locale_for, today_in


def publish_home(deps: AppDeps, workspace: WorkspaceRef, client: WebClient, user_id: str) -> None:
    actor = find_actor(deps, workspace, user_id, client)
    if actor is None:
        view = build_home_not_on_roster(guest_locale(client, workspace, user_id))
    else:
        with deps.uow(workspace.id) as uow:
            member = uow.members.get_by_slack_id(user_id)
            assert member is not None
            data = dashboard(uow, member=member, today=today_in(workspace, deps.clock()))
        view = build_home(locale_for(actor, workspace), data)
    client.views_publish(user_id=user_id, view=view)
