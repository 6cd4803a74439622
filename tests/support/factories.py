"""Rows written straight to the database, for tests whose subject is not how they were made.

One factory per kind of row; a test names only the values it cares about.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bot.domain.goals import GoalDraft
from bot.domain.status import StatusForm
from bot.services.workspaces import WorkspaceRef, ensure_workspace
from storage.goals import Goal
from storage.roster import Member
from storage.uow import UnitOfWork


def add_workspace(
    session_factory: sessionmaker[Session],
    team_id: str,
    *,
    name: str = "Acme Bank",
    bot_user_id: str | None = "UBOT",
    timezone: str = "UTC",
    locale: str = "en",
) -> WorkspaceRef:
    """A Slack workspace pmpulse serves, with its default settings, as a start or an install makes it."""
    return ensure_workspace(
        session_factory,
        slack_team_id=team_id,
        name=name,
        bot_user_id=bot_user_id,
        default_timezone=timezone,
        default_locale=locale,
    )


def add_member(uow: UnitOfWork, slack_user_id: str, role: str, **fields: Any) -> Member:
    """A roster row; `name` is the Slack ID unless given."""
    fields.setdefault("name", slack_user_id)
    return uow.members.add(Member(slack_user_id=slack_user_id, role=role, **fields))


def add_goal(uow: UnitOfWork, owner: Member, **fields: Any) -> Goal:
    """An open goal of `owner`'s: cardholders from 120k to 150k by the end of March 2027."""
    values: dict[str, Any] = dict(
        title="Active cardholders",
        metric="Monthly active cardholders",
        unit="k",
        baseline=120,
        target=150,
        start_date=dt.date(2026, 10, 1),
        due_date=dt.date(2027, 3, 31),
        direction="up",
        created_by=owner.slack_user_id,
    )
    values.update(fields)
    return uow.goals.add(Goal(owner=owner, owner_id=owner.id, **values))


def status_form(**overrides: Any) -> StatusForm:
    """A week's update as filled in: amber, with a reason and two blockers, unless overridden."""
    fields: dict[str, Any] = dict(
        progress="Pilot live", plans="Roll out", blockers="Risk sign-off\nVendor contract", health="amber"
    )
    fields.update(overrides)
    fields.setdefault("health_reason", "Sign-off is late" if fields["health"] in ("amber", "red") else "")
    return StatusForm(**fields)


def goal_draft(**overrides: object) -> GoalDraft:
    """A goal as typed into the modal (every field text), before validation."""
    fields: dict[str, object] = dict(
        title="Grow deposits",
        metric="Balance",
        unit="CNY m",
        baseline="100",
        target="130",
        due_date="2027-06-30",
        direction="up",
        product_line="Deposits",
    )
    fields.update(overrides)
    return GoalDraft(**fields)  # type: ignore[arg-type]
