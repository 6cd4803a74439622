"""The weekly status flow in Slack: buttons, the modal's submission, `/pm status`, `/pm leave`.

Thin adapters: the week comes from the button or the modal's metadata (so a late answer counts
for the week it was asked about), the services do the work, `bot.ui.status` builds what is sent.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_bolt.context.respond import Respond
from slack_sdk import WebClient
from sqlalchemy.exc import SQLAlchemyError

from bot.deps import AppDeps
from bot.domain.schedule import zone
from bot.domain.status import UpdateState, parse_leave, week_is_open
from bot.domain.weeks import first_week, last_week, parse_week
from bot.i18n import t
from bot.ids import StatusBlock
from bot.services import leave as leave_service
from bot.services import status as status_service
from bot.services.errors import ServiceError
from bot.services.team_status import team_status
from bot.services.workspaces import WorkspaceRef
from bot.ui.mrkdwn import escape
from bot.ui.status import (
    build_confirmation,
    build_late_note,
    build_skipped,
    build_status_modal,
    parse_status_state,
    status_field_errors,
    week_from_metadata,
)
from bot.ui.team_status import build_team_status, leave_list_text
from handlers.command_call import CommandCall
from handlers.context import deps_of, find_actor, locale_for, open_dm, workspace_of
from handlers.home import publish_home
from storage.models import Member
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)


def _me(uow: UnitOfWork, user_id: str) -> Member:
    """The requester's roster row in this unit of work (the listener checked they are on it)."""
    member = uow.members.get_by_slack_id(user_id)
    assert member is not None
    return member


def open_status_modal(
    deps: AppDeps,
    workspace: WorkspaceRef,
    user_id: str,
    client: WebClient,
    *,
    trigger_id: str,
    locale: str,
    week: str | None,
) -> str | None:
    """Open the modal for `week` (None: the member's current week); a catalog key when refused."""
    now = deps.clock()
    with deps.uow(workspace.id) as uow:
        member = _me(uow, user_id)
        week = week or status_service.member_week(member, team_timezone=workspace.timezone, now=now)
        today = status_service.member_today(member, team_timezone=workspace.timezone, now=now)
        if not week_is_open(week, today=today):
            return "status.error.week_closed"
        data = status_service.form_data(uow, member=member, week=week)
    client.views_open(trigger_id=trigger_id, view=build_status_modal(locale, data))
    return None


# -- buttons ----------------------------------------------------------------------------------------


def _clicked(body: dict[str, Any]) -> str:
    return str(body["actions"][0].get("value") or "")


def _message_of(body: dict[str, Any]) -> tuple[str, str] | None:
    """The channel and ts of the message a button sits on, if it sits on one."""
    container = body.get("container") or {}
    if container.get("type") == "message" and container.get("channel_id") and container.get("message_ts"):
        return str(container["channel_id"]), str(container["message_ts"])
    return None


def _tell(respond: Respond | None, text: str) -> None:
    if respond is not None:
        respond(response_type="ephemeral", replace_original=False, text=text)


def write_clicked(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond | None
) -> None:
    """*Write my update* (prompt, reminder, a skipped prompt) and *Edit* (the confirmation)."""
    ack()
    deps, workspace = deps_of(context), workspace_of(context)
    actor = find_actor(deps, workspace, body["user"]["id"], client)
    if actor is None:
        return
    locale = locale_for(actor, workspace)
    week = parse_week(_clicked(body))
    problem = open_status_modal(
        deps, workspace, actor.slack_user_id, client, trigger_id=body["trigger_id"], locale=locale, week=week
    )
    if problem is not None:
        _tell(respond, t(locale, problem, week=week))


def home_write_clicked(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """*Write my update* on App Home: always this week, on the member's own clock."""
    ack()
    deps, workspace = deps_of(context), workspace_of(context)
    actor = find_actor(deps, workspace, body["user"]["id"], client)
    if actor is None:
        return
    open_status_modal(
        deps,
        workspace,
        actor.slack_user_id,
        client,
        trigger_id=body["trigger_id"],
        locale=locale_for(actor, workspace),
        week=None,
    )


def skip_clicked(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond | None
) -> None:
    """*Skip this week*: the week counts as answered; the prompt says so and keeps a Write button."""
    ack()
    deps, workspace = deps_of(context), workspace_of(context)
    actor = find_actor(deps, workspace, body["user"]["id"], client)
    week = parse_week(_clicked(body))
    if actor is None or week is None:
        return
    locale = locale_for(actor, workspace)
    try:
        with deps.uow(workspace.id) as uow:
            view = status_service.skip_week(
                uow,
                member=_me(uow, actor.slack_user_id),
                week=week,
                now=deps.clock(),
                team_timezone=workspace.timezone,
            )
    except ServiceError as exc:
        _tell(respond, t(locale, exc.key, **exc.params))
        return
    if view.state != UpdateState.SKIPPED:
        _tell(respond, t(locale, "status.skip.already_submitted", week=week))
        return
    message = build_skipped(locale, week)
    where = _message_of(body)
    if where is not None:
        client.chat_update(channel=where[0], ts=where[1], **message)
    elif respond is not None:
        respond(replace_original=True, **message)
    publish_home(deps, workspace, client, actor.slack_user_id)


def resolve_clicked(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond | None
) -> None:
    """*Resolved* next to a blocker: mark it, and refresh the owner's confirmation message."""
    ack()
    deps, workspace = deps_of(context), workspace_of(context)
    actor = find_actor(deps, workspace, body["user"]["id"], client)
    value = _clicked(body)
    if actor is None or not value.isdigit():
        return
    locale = locale_for(actor, workspace)
    try:
        with deps.uow(workspace.id) as uow:
            view = status_service.resolve_blocker(
                uow, actor=_me(uow, actor.slack_user_id), blocker_id=int(value), now=deps.clock()
            )
    except ServiceError as exc:
        _tell(respond, t(locale, exc.key, **exc.params))
        return
    where = _message_of(body)
    if where is not None and view.member_slack_id == actor.slack_user_id:
        client.chat_update(channel=where[0], ts=where[1], **build_confirmation(locale, view))
    else:
        text = next((b.text for b in view.blockers if b.id == int(value)), "")
        _tell(respond, t(locale, "status.blocker.resolved", text=escape(text[:200])))


# -- the modal ------------------------------------------------------------------------------------


def status_submission(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Validate and save before acknowledging, so errors (a failed write too) show in the open modal."""
    deps, workspace = deps_of(context), workspace_of(context)
    user_id = body["user"]["id"]
    actor = find_actor(deps, workspace, user_id, client)
    locale = locale_for(actor, workspace)
    first = StatusBlock.PROGRESS
    week = week_from_metadata(view.get("private_metadata"))
    if actor is None or week is None or parse_week(week) != week:
        key = "common.not_on_roster" if actor is None else "error.generic"
        ack(response_action="errors", errors={first: t(locale, key)})
        return
    form = parse_status_state(view["state"]["values"])
    team_locale = workspace.locale
    try:
        with deps.uow(workspace.id) as uow:
            result = status_service.submit_status(
                uow,
                member=_me(uow, user_id),
                week=week,
                form=form,
                now=deps.clock(),
                team_timezone=workspace.timezone,
                late_note=lambda saved: build_late_note(team_locale, saved),
            )
    except SQLAlchemyError:
        log.exception("saving a status update failed; nothing was saved")
        ack(response_action="errors", errors={first: t(locale, "error.generic")})
        return
    if isinstance(result, list):
        ack(response_action="errors", errors=status_field_errors(locale, result))
        return
    ack()
    channel = open_dm(deps, workspace, client, user_id)
    client.chat_postMessage(channel=channel, **build_confirmation(locale, result))
    publish_home(deps, workspace, client, user_id)


# -- commands ---------------------------------------------------------------------------------------


def handle_status(call: CommandCall) -> None:
    """`/pm status [WEEK]` opens the modal; `/pm status team [WEEK]` shows the team's week."""
    args = call.args
    if args and args[0].lower() == "team":
        _team(call)
        return
    if len(args) > 1:
        call.say_key("common.usage", usage=t(call.locale, "status.usage"))
        return
    week = parse_week(args[0]) if args else None
    if args and week is None:
        _bad_week(call)
        return
    problem = open_status_modal(
        call.deps,
        call.workspace,
        call.actor.slack_user_id,
        call.client,
        trigger_id=call.payload["trigger_id"],
        locale=call.locale,
        week=week,
    )
    if problem is not None:
        call.say_key(problem, week=week)


def _team(call: CommandCall) -> None:
    args = call.args[1:]
    if len(args) > 1:
        call.say_key("common.usage", usage=t(call.locale, "status.usage"))
        return
    week = parse_week(args[0]) if args else None
    if args and week is None:
        _bad_week(call)
        return
    now = call.deps.clock()
    with call.deps.uow(call.workspace.id) as uow:
        me = _me(uow, call.actor.slack_user_id)
        week = week or status_service.member_week(me, team_timezone=call.workspace.timezone, now=now)
        timezone = zone(me.timezone, call.workspace.timezone).key
        status = team_status(uow, actor=me, week=week, team_timezone=call.workspace.timezone)
    call.reply(build_team_status(call.locale, status, timezone=timezone))


def _bad_week(call: CommandCall) -> None:
    """A week that is not one: say how weeks are written and which ones pmpulse takes."""
    call.say_key(
        "status.error.bad_week",
        first=first_week(),
        last=last_week(),
        usage=t(call.locale, "status.usage"),
    )


def handle_leave(call: CommandCall) -> None:
    """`/pm leave` lists upcoming leave; `/pm leave FIRST LAST` records some."""
    now = call.deps.clock()
    if not call.args:
        with call.deps.uow(call.workspace.id) as uow:
            me = _me(uow, call.actor.slack_user_id)
            today = status_service.member_today(me, team_timezone=call.workspace.timezone, now=now)
            leaves = leave_service.upcoming_leave(uow, member=me, today=today)
        call.reply(leave_list_text(call.locale, leaves))
        return
    wanted = parse_leave(call.args)
    if wanted is None:
        call.say_key("common.usage", usage=t(call.locale, "status.leave.usage"))
        return
    with call.deps.uow(call.workspace.id) as uow:
        me = _me(uow, call.actor.slack_user_id)
        today = status_service.member_today(me, team_timezone=call.workspace.timezone, now=now)
        saved = leave_service.set_leave(uow, member=me, start=wanted.start, end=wanted.end, today=today)
    call.say_key("status.leave.saved", start=saved.start.isoformat(), end=saved.end.isoformat())
