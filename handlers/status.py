"""The weekly status flow in Slack: buttons, the modal's submission, `/pm status`, `/pm leave`.

Thin adapters: the week comes from the button or the modal's metadata (so a late answer counts
for the week it was asked about), the services do the work, `bot.ui.status` builds what is sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.delivery.dm_channels import DmChannels
from bot.domain.status import UpdateState, parse_leave
from bot.domain.weeks import first_week, last_week, parse_week
from bot.i18n import t
from bot.i18n.dates import format_week
from bot.ids import StatusAction, StatusBlock, StatusCallback, Subcommand
from bot.notifications import status as status_notifications
from bot.services import leave as leave_service
from bot.services import status as status_service
from bot.services.errors import ServiceError
from bot.services.team_status import team_week
from bot.ui.mrkdwn import escape
from bot.ui.status import (
    build_confirmation,
    build_skipped,
    build_status_modal,
    opened_from_home,
    parse_status_state,
    status_field_errors,
    week_from_metadata,
)
from bot.ui.team_status import build_team_status, leave_list_text
from handlers.call import ActionCall, ViewCall, action_listener, view_listener
from handlers.command_call import CommandCall
from handlers.home import refresh_home
from handlers.registry import Listeners


def register(app: Listeners) -> None:
    app.subcommand(Subcommand.STATUS, handle_status)
    app.subcommand(Subcommand.LEAVE, handle_leave)
    app.action(StatusAction.WRITE, write_clicked)
    app.action(StatusAction.EDIT, write_clicked)
    app.action(StatusAction.HOME_WRITE, home_write_clicked)
    app.action(StatusAction.SKIP, skip_clicked)
    app.action(StatusAction.RESOLVE_BLOCKER, resolve_clicked)
    app.view(StatusCallback.MODAL, status_submission)


# -- buttons ----------------------------------------------------------------------------------------


def _message_of(body: dict[str, Any]) -> tuple[str, str] | None:
    """The channel and ts of the message a button sits on, if it sits on one."""
    container = body.get("container") or {}
    if container.get("type") == "message" and container.get("channel_id") and container.get("message_ts"):
        return str(container["channel_id"]), str(container["message_ts"])
    return None


def _open_modal(
    call: ActionCall | CommandCall, *, trigger_id: str, week: str | None, from_home: bool = False
) -> None:
    """The status modal for `week` (None: the member's current week); a closed week is refused."""
    deps = call.deps
    data = status_service.status_form(
        deps.uow, workspace=call.workspace, user_id=call.actor.slack_user_id, week=week, now=deps.clock()
    )
    call.client.views_open(
        trigger_id=trigger_id, view=build_status_modal(call.locale, data, from_home=from_home)
    )


@action_listener
def write_clicked(call: ActionCall) -> None:
    """*Write my update* (prompt, reminder, a skipped prompt) and *Edit* (the confirmation)."""
    _open_modal(call, trigger_id=call.trigger_id, week=parse_week(call.value))


@action_listener
def home_write_clicked(call: ActionCall) -> None:
    """*Write my update* on App Home: always this week, on the member's own clock."""
    _open_modal(call, trigger_id=call.trigger_id, week=None, from_home=True)


@action_listener
def skip_clicked(call: ActionCall) -> None:
    """*Skip this week*: the week counts as answered; the prompt says so and keeps a Write button."""
    week = parse_week(call.value)
    if week is None:
        return
    view = status_service.skip_week(
        call.deps.uow, workspace=call.workspace, user_id=call.user_id, week=week, now=call.deps.clock()
    )
    if view.state != UpdateState.SKIPPED:
        call.tell("status.skip.already_submitted", week=format_week(call.locale, week))
        return
    message = build_skipped(call.locale, week)
    where = _message_of(call.body)
    if where is not None:
        call.client.chat_update(channel=where[0], ts=where[1], **message)
    elif call.respond is not None:
        call.respond(replace_original=True, **message)
    refresh_home(call.deps, call.workspace, call.client, call.user_id)


@action_listener
def resolve_clicked(call: ActionCall) -> None:
    """*Resolved* next to a blocker: mark it, and refresh the owner's confirmation message."""
    if not call.value.isdigit():
        return
    blocker_id = int(call.value)
    view = status_service.resolve_blocker(
        call.deps.uow,
        workspace=call.workspace,
        user_id=call.user_id,
        blocker_id=blocker_id,
        now=call.deps.clock(),
    )
    where = _message_of(call.body)
    if where is not None and view.member_slack_id == call.user_id:
        call.client.chat_update(channel=where[0], ts=where[1], **build_confirmation(call.locale, view))
    else:
        text = next((b.text for b in view.blockers if b.id == blocker_id), "")
        call.tell("status.blocker.resolved", text=escape(text[:200]))


# -- the modal ------------------------------------------------------------------------------------


@view_listener(first_block=StatusBlock.PROGRESS, field_errors=status_field_errors)
def status_submission(call: ViewCall) -> None:
    """Validate and save before acknowledging, so errors (a failed write too) show in the open modal."""
    week = week_from_metadata(call.metadata)
    if week is None or parse_week(week) != week:
        raise ServiceError("error.generic")
    saved = status_service.submit_status(
        call.deps.uow,
        workspace=call.workspace,
        user_id=call.user_id,
        week=week,
        form=parse_status_state(call.values),
        now=call.deps.clock(),
    )
    call.acknowledge()
    dms = DmChannels(
        session_factory=call.deps.session_factory, client=call.client, cache=call.deps.dm_channels
    )
    channel = dms.channel_of(call.workspace.id, call.user_id)
    call.client.chat_postMessage(channel=channel, **build_confirmation(call.locale, saved))
    if opened_from_home(call.metadata):
        # The tab is in front of them. Opened later, it is published then (app_home_opened),
        # so an edit made from a DM or a command costs no dashboard and no views.publish.
        refresh_home(call.deps, call.workspace, call.client, call.user_id)
    if saved.late:
        # The edit recorded the note it owes the digest's thread; queue it now rather
        # than at the next tick, which queues it anyway if this (or anything above) fails.
        status_notifications.send_late_notes(call.deps.uow, workspace=call.workspace, now=call.deps.clock())


# -- commands ---------------------------------------------------------------------------------------


def handle_status(call: CommandCall) -> None:
    """`/pm status [WEEK]` opens the modal; `/pm status team [WEEK]` shows the team's week."""
    args = call.args
    if args and args[0].lower() == "team":
        _team(call)
        return
    given = _week_argument(call, args)
    if given != _REFUSED:
        _open_modal(call, trigger_id=call.payload["trigger_id"], week=given)


def _team(call: CommandCall) -> None:
    week = _week_argument(call, call.args[1:])
    if week == _REFUSED:
        return
    answer = team_week(
        call.deps.uow,
        workspace=call.workspace,
        user_id=call.actor.slack_user_id,
        week=week,
        now=call.deps.clock(),
    )
    call.reply(build_team_status(call.locale, answer.status, timezone=answer.timezone))


_REFUSED = "refused"  # a sentinel no week parses to: `_week_argument` has answered already


def _week_argument(call: CommandCall, args: Sequence[str]) -> str | None:
    """The one optional WEEK of a status command: the week, None for the current one, or
    `_REFUSED` once the person has been told what is wrong (the usage, or how weeks are written)."""
    if len(args) > 1:
        call.say_key("common.usage", usage=t(call.locale, "status.usage"))
        return _REFUSED
    week = parse_week(args[0]) if args else None
    if args and week is None:
        _bad_week(call)
        return _REFUSED
    return week


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
    deps, user_id = call.deps, call.actor.slack_user_id
    if not call.args:
        leaves = leave_service.upcoming_leave(
            deps.uow, workspace=call.workspace, user_id=user_id, now=deps.clock()
        )
        call.reply(leave_list_text(call.locale, leaves))
        return
    wanted = parse_leave(call.args)
    if wanted is None:
        call.say_key("common.usage", usage=t(call.locale, "status.leave.usage"))
        return
    saved = leave_service.set_leave(
        deps.uow,
        workspace=call.workspace,
        user_id=user_id,
        start=wanted.start,
        end=wanted.end,
        now=deps.clock(),
    )
    call.say_key("status.leave.saved", start=saved.start.isoformat(), end=saved.end.isoformat())
