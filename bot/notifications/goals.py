"""Telling a goal's owner that someone else (their manager, an admin) set it for them.

The goal is stored first (`bot.services.goals.add_goal`); the notice is then rendered in the
owner's language and queued under a key naming the goal (`goal_set_key`), so a double
submission or a retried request queues it once and the sender posts it once. The submitter's
own confirmation is the listener's direct answer. A process that dies between the two commits
loses the notice, not the goal: the owner still sees it in App Home and `/pm goals`.
"""

from __future__ import annotations

import datetime as dt

from bot.domain.goals import goal_set_key
from bot.i18n import resolve_locale
from bot.notifications import queue_dm
from bot.services.goals import GoalAdded
from bot.services.unit import UowFactory
from bot.services.workspaces import WorkspaceRef
from bot.ui.goals import build_goal_notice


def queue_goal_notice(
    uow_factory: UowFactory, *, workspace: WorkspaceRef, added: GoalAdded, now: dt.datetime
) -> bool:
    """Queue the owner's notice when someone else set `added`; False when there is no one to tell
    or it was queued before."""
    owner, goal = added.owner, added.goal
    if not added.set_by_someone_else:
        return False
    with uow_factory(workspace.id) as uow:
        queued = queue_dm(
            uow,
            key=goal_set_key(workspace.slack_team_id, owner.slack_user_id, goal.id),
            slack_user_id=owner.slack_user_id,
            message=build_goal_notice(resolve_locale(owner.locale, workspace.locale), goal),
            now=now,
        )
        uow.commit()
    return queued
