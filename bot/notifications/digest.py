"""The weekly digest's delivery: queued for the digest channel with each update in its thread,
by the scheduled job or on demand with `/pm digest now`."""

from __future__ import annotations

import datetime as dt
import logging
from enum import StrEnum

from bot.delivery.outbox import enqueue
from bot.domain.schedule import digest_key, digest_reply_key
from bot.notifications import POST_MESSAGE
from bot.services import digest as digest_service
from bot.ui.digest import build_digest
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

_warned_no_channel: set[tuple[str, str]] = set()


class DigestOutcome(StrEnum):
    QUEUED = "queued"
    ALREADY_POSTED = "already_posted"
    NO_CHANNEL = "no_channel"


def enqueue_digest(uow: UnitOfWork, *, team_id: str, week: str, now: dt.datetime) -> DigestOutcome:
    """Queue the digest of `week` and its thread replies, once per week; the caller commits.

    The parent's delivery key decides: if another process (a second scheduler, a manager's
    `/pm digest now`) queued it first, nothing else is queued here.
    """
    settings = uow.team_settings.get()
    if settings is None or not settings.digest_channel:
        # The tick asks again every minute of digest day: say so once per process and week.
        if (team_id, week) not in _warned_no_channel:
            _warned_no_channel.add((team_id, week))
            log.warning("workspace %s: no digest channel set; digest for %s not posted", team_id, week)
        return DigestOutcome.NO_CHANNEL
    if uow.status.digest_post(week) is not None:
        return DigestOutcome.ALREADY_POSTED
    plan = digest_service.weekly_digest(uow, week=week, now=now)
    messages = build_digest(plan.locale, plan.digest)
    channel = settings.digest_channel
    key = digest_key(team_id, week)
    # Links typed in updates are shown, not unfurled into the channel.
    quiet = {"channel": channel, "unfurl_links": False, "unfurl_media": False}
    if not enqueue(uow, key=key, method=POST_MESSAGE, payload={**quiet, **messages.parent}, now=now):
        return DigestOutcome.ALREADY_POSTED
    for reply in messages.replies:
        for part, payload in enumerate(reply.parts, start=1):
            enqueue(
                uow,
                key=digest_reply_key(team_id, week, reply.slack_user_id, part),
                method=POST_MESSAGE,
                payload={**quiet, **payload},
                now=now,
                thread_of=key,
            )
    uow.status.add_digest_post(week, key)
    return DigestOutcome.QUEUED
