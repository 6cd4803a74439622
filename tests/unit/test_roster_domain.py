"""Parsing roster commands and who may assign which role."""

from __future__ import annotations

import pytest

from bot.domain.roster import Role, TeamAdd, can_assign, can_manage, parse_team_add, parse_user


@pytest.mark.parametrize(
    ("token", "user_id"),
    [
        ("<@U123ABC|li.wei>", "U123ABC"),
        ("<@W0ENT>", "W0ENT"),
        ("U123ABC", "U123ABC"),
        ("@U123ABC", "U123ABC"),
    ],
)
def test_parse_user(token: str, user_id: str) -> None:
    assert parse_user(token) == user_id


@pytest.mark.parametrize("token", ["li", "<!channel>", "<#C123|general>", "<@U1", "u123abc", ""])
def test_parse_user_refuses_non_users(token: str) -> None:
    assert parse_user(token) is None


def test_parse_team_add() -> None:
    assert parse_team_add(["<@U1AB|x>", "PM", "Credit", "Cards"]) == TeamAdd("U1AB", Role.PM, "Credit Cards")
    assert parse_team_add(["<@U1AB|x>", "manager"]) == TeamAdd("U1AB", Role.MANAGER, None)
    assert parse_team_add(["<@U1AB|x>"]) is None
    assert parse_team_add(["x", "pm"]) is None
    assert parse_team_add(["<@U1AB|x>", "ceo"]) is None


def test_roles() -> None:
    assert can_manage("manager") and can_manage("admin") and not can_manage("pm") and not can_manage(None)
    assert can_assign(Role.MANAGER, Role.PM) and can_assign(Role.MANAGER, Role.MANAGER)
    assert not can_assign(Role.MANAGER, Role.ADMIN) and can_assign(Role.ADMIN, Role.ADMIN)
    assert not can_assign(Role.PM, Role.PM)
