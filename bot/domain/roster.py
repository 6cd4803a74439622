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
