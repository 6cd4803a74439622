"""What every service takes and opens: the unit-of-work factory, and the requester's roster row."""

from __future__ import annotations

from collections.abc import Callable

from bot.services.errors import NotFound
from storage.roster import Member
from storage.uow import UnitOfWork

# `deps.uow`: a unit of work bound to one workspace. A service opens it, commits once, and
# hands back plain values, so nothing it returns reaches into a closed session.
UowFactory = Callable[[int], UnitOfWork]


def member_of(uow: UnitOfWork, slack_user_id: str, *, related: bool = False) -> Member:
    """The active roster row of `slack_user_id`; someone off the roster is refused, not asserted.

    `related`: with the manager and product lines, in the same statement (for a caller that shows
    them); otherwise they load only if touched.
    """
    members = uow.members
    member = members.get_by_slack_id(slack_user_id) if related else members.row_by_slack_id(slack_user_id)
    if member is None or not member.active:
        raise NotFound("common.not_on_roster")
    return member
