"""Who may change whom on the roster, and whose goals and status someone may see: plain rules."""

from __future__ import annotations

import pytest

from bot.domain.roster import Role, RosterSubject, oversees, roster_change_refusal
from bot.services.workspaces import serves_team


def subject(
    role: str | None, *, manager: str | None = None, configured: bool = False, user: str = "UX"
) -> RosterSubject:
    return RosterSubject(user_id=user, role=role, manager_id=manager, configured_admin=configured)


@pytest.mark.parametrize(
    ("actor_role", "target", "new_role", "refusal"),
    [
        # PMs never change the roster.
        ("pm", subject(None), Role.PM, "team.error.not_allowed"),
        ("pm", subject("pm", manager="UM"), None, "team.error.not_allowed"),
        # Managers add people and change their own reports or unmanaged PMs.
        ("manager", subject(None), Role.PM, None),
        ("manager", subject(None), Role.MANAGER, None),
        ("manager", subject("pm"), Role.PM, None),
        ("manager", subject("pm", manager="UM"), Role.PM, None),
        ("manager", subject("pm", manager="UM"), None, None),
        ("manager", subject("pm", manager="UOTHER"), Role.PM, "team.error.not_your_report"),
        ("manager", subject("pm", manager="UOTHER"), None, "team.error.not_your_report"),
        # Only admins make admins or change or remove managers and admins.
        ("manager", subject(None), Role.ADMIN, "team.error.only_admin_makes_admin"),
        ("manager", subject("manager"), Role.PM, "team.error.only_admin_changes_managers"),
        ("manager", subject("manager"), Role.MANAGER, "team.error.only_admin_changes_managers"),
        ("manager", subject("manager"), None, "team.error.only_admin_changes_managers"),
        ("manager", subject("admin"), Role.PM, "team.error.only_admin_changes_managers"),
        ("manager", subject("admin"), None, "team.error.only_admin_changes_managers"),
        ("manager", subject("manager", user="UM"), Role.MANAGER, None),  # themself, a new product line
        ("manager", subject("manager", user="UM"), Role.PM, "team.error.only_admin_changes_managers"),
        ("admin", subject("admin"), Role.PM, None),
        ("admin", subject("manager"), None, None),
        ("admin", subject("pm", manager="UOTHER"), Role.PM, None),
        # Admins from PMPULSE_ADMINS stay admins.
        ("admin", subject("admin", configured=True), Role.PM, "team.error.configured_admin"),
        ("admin", subject("admin", configured=True), None, "team.error.configured_admin"),
        ("admin", subject("admin", configured=True), Role.ADMIN, None),
        ("manager", subject("pm", configured=True), Role.PM, "team.error.configured_admin"),
    ],
)
def test_roster_change_refusal(
    actor_role: str, target: RosterSubject, new_role: Role | None, refusal: str | None
) -> None:
    assert (
        roster_change_refusal(actor_id="UM", actor_role=actor_role, subject=target, new_role=new_role)
        == refusal
    )


@pytest.mark.parametrize(
    ("actor_id", "actor_role", "subject_manager_id", "allowed"),
    [
        (1, "pm", 3, True),  # themself
        (2, "pm", 3, False),  # another PM
        (3, "manager", 3, True),  # their manager
        (4, "manager", 3, False),  # another manager
        (5, "admin", 3, True),
        (3, "pm", 3, False),  # a former manager, now a PM
    ],
)
def test_oversees(actor_id: int, actor_role: str, subject_manager_id: int, allowed: bool) -> None:
    subject_id = 1
    assert (
        oversees(
            actor_id=actor_id,
            actor_role=actor_role,
            subject_id=subject_id,
            subject_manager_id=subject_manager_id,
        )
        is allowed
    )


def test_single_token_mode_serves_the_tokens_team_only() -> None:
    assert serves_team("T1", token_team_id="T1")
    assert not serves_team("T2", token_team_id="T1")
    assert serves_team("T2", token_team_id=None)  # OAuth: every installed team
