"""Goals: adding one through the modal and listing them.

A goal someone sets for another person (a manager for a report) is told to that person by
`bot.notifications.goals`, through the outbox, once the goal is stored: this module decides and
records; it renders and sends nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.domain.goals import FieldError, GoalDraft, ValidGoal, expected_value, validate_goal
from bot.domain.roster import oversees
from bot.services.errors import FormErrors, NotFound, PermissionDenied
from bot.services.roster import MemberView
from bot.services.roster import to_view as member_view
from bot.services.unit import UowFactory, member_of
from bot.services.workspaces import WorkspaceRef
from storage.goals import Goal, GoalRow
from storage.roster import Member
from storage.uow import UnitOfWork


@dataclass(frozen=True)
class GoalView:
    id: int
    owner_slack_id: str
    owner_name: str
    title: str
    product_line: str | None
    metric: str
    unit: str
    baseline: float
    target: float
    due_date: dt.date
    direction: str
    expected_now: float


@dataclass(frozen=True)
class GoalAdded:
    """A goal just stored, whose it is, and whether someone else set it (its owner is then told)."""

    goal: GoalView
    owner: MemberView
    set_by_someone_else: bool = False


@dataclass(frozen=True)
class GoalList:
    owner_name: str
    goals: list[GoalView]


def to_view(goal: Goal, *, today: dt.date) -> GoalView:
    row = GoalRow(
        id=goal.id,
        title=goal.title,
        product_line=goal.product_line.name if goal.product_line else None,
        metric=goal.metric,
        unit=goal.unit,
        baseline=goal.baseline,
        target=goal.target,
        start_date=goal.start_date,
        due_date=goal.due_date,
        direction=goal.direction,
    )
    return row_view(row, owner_slack_id=goal.owner.slack_user_id, owner_name=goal.owner.name, today=today)


def row_view(goal: GoalRow, *, owner_slack_id: str, owner_name: str, today: dt.date) -> GoalView:
    """The view of a goal read as a row (`GoalRepository.open_rows`), whose owner the caller knows."""
    return GoalView(
        id=goal.id,
        owner_slack_id=owner_slack_id,
        owner_name=owner_name,
        title=goal.title,
        product_line=goal.product_line,
        metric=goal.metric,
        unit=goal.unit,
        baseline=goal.baseline,
        target=goal.target,
        due_date=goal.due_date,
        direction=goal.direction,
        expected_now=expected_value(
            baseline=goal.baseline,
            target=goal.target,
            start=goal.start_date,
            due=goal.due_date,
            on=today,
        ),
    )


def may_oversee(actor: Member, subject: Member) -> bool:
    """Whether `actor` may see or set `subject`'s goals: their own, their reports', or as an admin."""
    return oversees(
        actor_id=actor.id, actor_role=actor.role, subject_id=subject.id, subject_manager_id=subject.manager_id
    )


def add_goal(
    uow_factory: UowFactory,
    *,
    workspace: WorkspaceRef,
    user_id: str,
    owner_slack_id: str | None,
    draft: GoalDraft,
    today: dt.date,
) -> GoalAdded:
    """Validate and store a goal for the requester or someone they oversee; `FormErrors` when
    fields need correcting."""
    with uow_factory(workspace.id) as uow:
        actor = member_of(uow, user_id)
        result = validate_goal(draft, today=today)
        owner = actor
        if owner_slack_id and owner_slack_id != actor.slack_user_id:
            candidate = uow.members.get_by_slack_id(owner_slack_id)
            if candidate is None or not candidate.active:
                raise FormErrors([FieldError("owner", "goal.error.owner_not_on_roster")])
            if not may_oversee(actor, candidate):
                raise FormErrors([FieldError("owner", "goal.error.not_your_report")])
            owner = candidate
        if isinstance(result, list):
            raise FormErrors(result)
        owner_view = member_view(owner)
        goal = _store(uow, actor=actor, owner=owner, goal=result, today=today)
        uow.commit()
        return GoalAdded(goal=goal, owner=owner_view, set_by_someone_else=owner.id != actor.id)


def _store(uow: UnitOfWork, *, actor: Member, owner: Member, goal: ValidGoal, today: dt.date) -> GoalView:
    line = uow.product_lines.get_or_create(goal.product_line) if goal.product_line else None
    row = uow.goals.add(
        Goal(
            owner=owner,
            owner_id=owner.id,
            product_line=line,
            title=goal.title,
            metric=goal.metric,
            unit=goal.unit,
            baseline=goal.baseline,
            target=goal.target,
            start_date=today,
            due_date=goal.due_date,
            direction=goal.direction.value,
            created_by=actor.slack_user_id,
        )
    )
    uow.audit.record(
        actor=actor.slack_user_id,
        action="create",
        entity="goal",
        entity_id=row.id,
        detail={"owner": owner.slack_user_id, "title": goal.title},
    )
    return to_view(row, today=today)


def list_goals(
    uow_factory: UowFactory, *, workspace_id: int, user_id: str, subject_slack_id: str | None, today: dt.date
) -> GoalList:
    """Open goals of `subject` (default: the requester): one's own, a manager's direct reports',
    or anyone's for an admin; the same rule as App Home and `/pm status team`. Looking at
    someone else's goals is audited (it is people data)."""
    with uow_factory(workspace_id) as uow:
        actor = member_of(uow, user_id)
        subject = actor
        if subject_slack_id and subject_slack_id != actor.slack_user_id:
            found = uow.members.get_by_slack_id(subject_slack_id)
            if found is None or not found.active:
                raise NotFound("team.error.not_on_roster", user=subject_slack_id)
            if not may_oversee(actor, found):
                raise PermissionDenied("goal.error.not_in_view")
            subject = found
        goals = [to_view(goal, today=today) for goal in uow.goals.for_owners([subject.id])]
        if subject.id != actor.id:
            uow.audit.record(
                actor=actor.slack_user_id, action="view", entity="goals", entity_id=subject.slack_user_id
            )
            uow.commit()
        return GoalList(owner_name=subject.name, goals=goals)


def team_goals(uow: UnitOfWork, members: list[Member], *, today: dt.date) -> list[GoalView]:
    return [to_view(goal, today=today) for goal in uow.goals.for_owners([m.id for m in members])]
