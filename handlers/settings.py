"""`/pm settings` (opens the team settings modal), its time zone search, and its submission."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from bot.delivery.dm_channels import DmChannels
from bot.i18n import t
from bot.ids import CallbackId, SettingsAction, Subcommand
from bot.services import settings as settings_service
from bot.services.errors import ServiceError
from bot.slack_channels import channel_to_post_in
from bot.ui.settings import (
    FIELDS,
    build_settings_modal,
    field_errors,
    parse_settings_state,
    read_settings_metadata,
    settings_saved_text,
    timezone_options,
)
from handlers.call import ViewCall, view_listener
from handlers.command_call import CommandCall
from handlers.context import deps_of, find_actor, locale_for, workspace_of
from handlers.registry import Listeners

log = logging.getLogger(__name__)

# Seconds a Slack call may take while the modal waits for its answer: Slack gives up on the
# submission after 3 seconds, and the channel check makes up to three calls in the worst case.
CHECK_TIMEOUT_SECONDS = 1


def register(app: Listeners) -> None:
    app.subcommand(Subcommand.SETTINGS, handle_settings)
    app.options(SettingsAction.TIMEZONE, timezone_suggestions)
    app.view(CallbackId.SETTINGS, settings_submission)


def handle_settings(call: CommandCall) -> None:
    if call.args:
        call.say_key("common.usage", usage=t(call.locale, "settings.usage"))
        return
    form = settings_service.read_settings(
        call.deps.uow, workspace_id=call.workspace.id, actor=call.actor.slack_user_id
    )
    view = build_settings_modal(
        call.locale, team_id=call.workspace.slack_team_id, values=form.values, now=call.deps.clock()
    )
    call.client.views_open(trigger_id=call.payload["trigger_id"], view=view)


def timezone_suggestions(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """The time zone picker's options for what was typed (a public list: no roster check)."""
    deps, workspace = deps_of(context), workspace_of(context)
    user_id = str((body.get("user") or {}).get("id") or "")
    locale = locale_for(find_actor(deps, workspace, user_id, client) if user_id else None, workspace)
    ack(options=timezone_options(locale, str(body.get("value") or ""), deps.clock()))


@view_listener(first_block=FIELDS[0].block_id, field_errors=field_errors)
def settings_submission(call: ViewCall) -> None:
    """Validate and save before acknowledging, so problems come back under their fields.

    A picked channel is checked with Slack (and joined when public) before anything is saved.
    """
    deps, workspace, client = call.deps, call.workspace, call.client
    metadata = read_settings_metadata(call.metadata or "")
    if metadata is None or metadata[0] != workspace.slack_team_id:
        # Not a form this workspace opened (forged, or from another workspace): save nothing.
        raise ServiceError("settings.error.stale_form")
    _, shown = metadata
    saved = settings_service.save_settings(
        deps.uow,
        workspace_id=workspace.id,
        actor=call.user_id,
        submitted=parse_settings_state(call.values),
        shown=shown,
        check_channel=lambda channel: channel_to_post_in(_answering_in_time(client), channel).id,
    )
    call.acknowledge()
    if saved.changes:
        # Cached workspace (time zone, language) and answers built from the old settings.
        deps.read_cache.forget_workspace(workspace.id)
        deps.read_cache.forget_workspace(workspace.slack_team_id)
    log.info("team settings changed by %s: %s", call.user_id, [c.key for c in saved.changes])
    text = settings_saved_text(call.locale, saved.changes, deps.clock())
    try:
        dms = DmChannels(session_factory=deps.session_factory, client=client, cache=deps.dm_channels)
        client.chat_postMessage(channel=dms.channel_of(workspace.id, call.user_id), text=text)
    except (SlackClientError, OSError):
        # The settings are saved: the listener's generic apology ("nothing was changed") would
        # be untrue, so a lost confirmation is only logged. Reopening the form shows the values.
        log.exception("team settings saved, but the confirmation to %s could not be sent", call.user_id)


def _answering_in_time(client: WebClient) -> WebClient:
    """`client` without retries and with a short timeout, for calls made before the modal is answered.

    A retried 5xx or a slow answer would outlast Slack's 3 seconds and lose the form with what
    was typed; failing fast answers with the apology under the first field instead, form intact.
    """
    return WebClient(
        token=client.token,
        base_url=client.base_url,
        timeout=CHECK_TIMEOUT_SECONDS,
        retry_handlers=[],
    )
