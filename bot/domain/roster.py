"""Roster rules: roles, who may change what, and parsing the text of roster commands."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    PM = "pm"
    MANAGER = "manager"
    ADMIN = "admin"


MANAGING_ROLES = frozenset({Role.MANAGER, Role.ADMIN})

# With should_escape on, Slack sends mentions as <@U123|name>; people also paste bare IDs.
_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
_BARE_ID = re.compile(r"^@?([UW][A-Z0-9]{2,})$")


def parse_user(token: str) -> str | None:
    """A Slack user ID from a mention token, or None."""
    match = _MENTION.match(token) or _BARE_ID.match(token)
    return match.group(1) if match else None


def can_manage(role: str | None) -> bool:
    return role in MANAGING_ROLES


def can_assign(actor_role: str, new_role: str) -> bool:
    """Managers add PMs and managers; only admins make admins."""
    if actor_role == Role.ADMIN:
        return True
    return actor_role == Role.MANAGER and new_role in (Role.PM, Role.MANAGER)


def oversees(*, actor_id: int, actor_role: str, subject_id: int, subject_manager_id: int | None) -> bool:
    """Whose goals and weekly status someone may see or set: their own, a manager their direct
    reports', an admin anyone's. App Home, `/pm status team`, `/pm goals @user` and the goal modal
    all follow this one rule."""
    if actor_id == subject_id or actor_role == Role.ADMIN:
        return True
    return actor_role == Role.MANAGER and subject_manager_id == actor_id


@dataclass(frozen=True)
class RosterSubject:
    """The person a roster change is about, as the roster holds them now."""

    user_id: str
    role: str | None  # None: not on the roster (never added, or removed)
    manager_id: str | None  # Slack ID of their current manager, if that person still manages
    configured_admin: bool  # listed in PMPULSE_ADMINS: an admin whatever the roster says


def roster_change_refusal(
    *, actor_id: str, actor_role: str, subject: RosterSubject, new_role: Role | None
) -> str | None:
    """Why `actor` may not give `subject` the role `new_role` (None: take them off the roster),
    as a catalog key; None when they may.

    Managers and admins change the roster; only admins make admins or change or remove a manager
    or an admin; a PM's manager (or an admin) changes that PM; nobody demotes or removes an admin
    named in PMPULSE_ADMINS, since the configuration makes them admin again on their next request.
    """
    if not can_manage(actor_role):
        return "team.error.not_allowed"
    if new_role == Role.ADMIN and actor_role != Role.ADMIN:
        return "team.error.only_admin_makes_admin"
    if subject.configured_admin and new_role != Role.ADMIN:
        return "team.error.configured_admin"
    if actor_role == Role.ADMIN:
        return None
    if subject.role in MANAGING_ROLES:
        # A manager may re-add themself (a new product line); any other change is for admins.
        if subject.user_id == actor_id and new_role == subject.role:
            return None
        return "team.error.only_admin_changes_managers"
    if subject.role is not None and subject.manager_id not in (None, actor_id):
        return "team.error.not_your_report"
    return None


@dataclass(frozen=True)
class TeamAdd:
    user_id: str
    role: Role
    product_line: str | None


def parse_team_add(args: list[str]) -> TeamAdd | None:
    """`@user pm|manager|admin [PRODUCT ...]`; None when the arguments do not fit."""
    if len(args) < 2:
        return None
    user_id = parse_user(args[0])
    role_text = args[1].lower()
    if user_id is None or role_text not in {r.value for r in Role}:
        return None
    product = " ".join(args[2:]).strip() or None
    return TeamAdd(user_id=user_id, role=Role(role_text), product_line=product)
