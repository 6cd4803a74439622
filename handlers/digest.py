"""`/pm digest now`: managers and admins queue this week's digest without waiting for its day.

The digest itself is rendered and queued by `bot.notifications.digest`, as the scheduled job's is."""

from __future__ import annotations

from bot.i18n import t
from bot.i18n.dates import format_week
from bot.ids import Subcommand
from bot.notifications.digest import DigestOutcome, enqueue_digest
from bot.services import digest as digest_service
from bot.ui.mrkdwn import channel as channel_link
from handlers.command_call import CommandCall
from handlers.registry import Listeners


def register(app: Listeners) -> None:
    app.subcommand(Subcommand.DIGEST, handle_digest)


def handle_digest(call: CommandCall) -> None:
    """`/pm digest now`: managers and admins post this week's digest without waiting for Friday."""
    if [a.lower() for a in call.args] != ["now"]:
        call.say_key("common.usage", usage=t(call.locale, "digest.usage"))
        return
    digest_service.check_can_post(call.actor)
    now = call.deps.clock()
    with call.deps.uow(call.workspace.id) as uow:
        week = digest_service.current_week(uow, now=now)
        outcome = enqueue_digest(uow, team_id=call.workspace.slack_team_id, week=week, now=now)
        uow.commit()
        settings = uow.team_settings.get()
        channel = settings.digest_channel if settings else None
    if outcome is DigestOutcome.NO_CHANNEL or channel is None:
        call.say_key("digest.error.no_channel")
        return
    key = "digest.posted" if outcome is DigestOutcome.QUEUED else "digest.already_posted"
    call.say_key(key, week=format_week(call.locale, week), channel=channel_link(channel))
