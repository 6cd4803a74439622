"""`/pm team`, `/pm team add`, `/pm team remove`, and the roster following Slack's user changes."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import BoltContext

from bot.domain.roster import parse_team_add, parse_user
from bot.i18n import t
from bot.ids import EventType, Subcommand
from bot.services import roster
from bot.slack_profiles import profile_lookup, profile_of
from bot.ui.mrkdwn import escape, mention
from bot.ui.team import build_team, role_name
from handlers.command_call import CommandCall
from handlers.context import deps_of, workspace_of
from handlers.registry import Listeners

log = logging.getLogger(__name__)


def register(app: Listeners) -> None:
    app.subcommand(Subcommand.TEAM, handle_team, in_ack=True)
    app.event(EventType.USER_CHANGE, user_change)


def handle_team(call: CommandCall) -> None:
    action = call.args[0].lower() if call.args else ""
    if action == "add":
        _add(call)
    elif action == "remove":
        _remove(call)
    elif action in ("", "list"):
        call.reply(_roster_message(call))
    else:
        call.say_key("common.usage", usage=t(call.locale, "team.usage_add"))


def _add(call: CommandCall) -> None:
    parsed = parse_team_add(call.args[1:])
    if parsed is None:
        call.say_key("common.usage", usage=t(call.locale, "team.usage_add"))
        return
    call.acknowledge()  # the profile comes from Slack's users.info
    result = roster.add_member(
        call.deps.uow,
        workspace_id=call.workspace.id,
        actor=call.actor.slack_user_id,
        actor_role=call.actor.role,
        user_id=parsed.user_id,
        role=parsed.role,
        product_line=parsed.product_line,
        manager_slack_id=None,
        lookup=profile_lookup(call.client),
        configured_admins=call.deps.settings.PMPULSE_ADMINS,
        now=call.deps.clock(),
    )
    call.deps.read_cache.forget_workspace(call.workspace.id)
    member = result.member
    if result.changes:
        call.say_key(
            "team.changed",
            user=mention(member.slack_user_id),
            changes=t(call.locale, "team.change.joiner").join(
                _change_text(call.locale, change) for change in result.changes
            ),
        )
        return
    product = (
        t(call.locale, "team.product_suffix", product=escape(parsed.product_line))
        if parsed.product_line
        else ""
    )
    call.say_key(
        "team.added" if result.created else "team.unchanged",
        user=mention(member.slack_user_id),
        role=role_name(call.locale, member.role),
        product=product,
    )


def _change_text(locale: str, change: roster.Change) -> str:
    """`manager @a → @b`: one changed field, old and new, as people read it."""

    def shown(value: str | None) -> str:
        if value is None:
            return t(locale, "team.change.none")
        if change.field is roster.ChangeField.ROLE:
            return role_name(locale, value)
        if change.field is roster.ChangeField.MANAGER:
            return mention(value)
        return escape(value)

    return t(locale, _CHANGE_KEYS[change.field], old=shown(change.old), new=shown(change.new))


_CHANGE_KEYS = {
    roster.ChangeField.ROLE: "team.change.role",
    roster.ChangeField.MANAGER: "team.change.manager",
    roster.ChangeField.PRODUCT_LINES: "team.change.product_lines",
}


def _remove(call: CommandCall) -> None:
    user_id = parse_user(call.args[1]) if len(call.args) == 2 else None
    if user_id is None:
        call.say_key("common.usage", usage=t(call.locale, "team.usage_remove"))
        return
    member = roster.remove_member(
        call.deps.uow,
        workspace_id=call.workspace.id,
        actor=call.actor.slack_user_id,
        actor_role=call.actor.role,
        user_id=user_id,
        configured_admins=call.deps.settings.PMPULSE_ADMINS,
    )
    call.deps.read_cache.forget_workspace(call.workspace.id)
    call.say_key("team.removed", user=mention(member.slack_user_id))


def _roster_message(call: CommandCall) -> dict[str, Any]:
    def build() -> dict[str, Any]:
        return build_team(call.locale, roster.list_team(call.deps.uow, workspace_id=call.workspace.id))

    message = call.deps.read_cache.get_or_load(("roster", call.workspace.id, call.locale), build)
    assert isinstance(message, dict)
    return message


def user_change(event: dict[str, Any], context: BoltContext) -> None:
    """Slack deactivated, reactivated or edited someone: follow it on the roster at once."""
    user = event.get("user")
    if not isinstance(user, dict) or not isinstance(user.get("id"), str):
        return
    deps = deps_of(context)
    workspace = workspace_of(context)
    if user.get("team_id") not in (None, workspace.slack_team_id):
        return  # a user of another workspace (shared channels): not this roster
    change = roster.apply_user_change(
        deps.uow, workspace_id=workspace.id, profile=profile_of(user["id"], user), now=deps.clock()
    )
    if change is not None:
        log.info("member %s: %s in Slack", user["id"], change)
