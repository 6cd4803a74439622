"""What every service takes and opens: the unit-of-work factory, and the requester's roster row."""

from __future__ import annotations

from collections.abc import Callable

from bot.services.errors import NotFound
from storage.roster import Member, MemberCard
from storage.uow import UnitOfWork

# `deps.uow`: a unit of work bound to one workspace. A service opens it, commits once, and
# hands back plain values, so nothing it returns reaches into a closed session.
UowFactory = Callable[[int], UnitOfWork]


def member_of(uow: UnitOfWork, slack_user_id: str) -> Member:
    """The active roster row of `slack_user_id`; someone off the roster is refused, not asserted.

    The manager and product lines load only if touched (`card_of` reads them in one statement).
    """
    member = uow.members.row_by_slack_id(slack_user_id)
    if member is None or not member.active:
        raise NotFound("common.not_on_roster")
    return member


def card_of(uow: UnitOfWork, slack_user_id: str) -> MemberCard:
    """The active member with their manager and product lines, in one Core statement, without
    an ORM object (for a caller that shows them); someone off the roster is refused."""
    card = uow.members.card(slack_user_id)
    if card is None or not card.active:
        raise NotFound("common.not_on_roster")
    return card
