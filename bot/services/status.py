"""Weekly status updates: the modal's data, submitting and editing, skipping, resolving blockers.

Each use case runs in the caller's unit of work and commits once, so a failed write leaves
nothing half-saved. Slack never appears here: the late-edit note's payload comes from a builder
the caller passes in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.delivery.outbox import enqueue
from bot.domain.goals import FieldError
from bot.domain.schedule import local_week, zone
from bot.domain.status import (
    StatusForm,
    UpdateState,
    ValidStatus,
    keep_long_text,
    late_edit_key,
    merge_blockers,
    validate_status,
    week_is_open,
)
from bot.services.errors import NotFound, PermissionDenied, ServiceError
from storage.models import Blocker, Goal, Member, StatusRevision, StatusUpdate, Workspace
from storage.uow import UnitOfWork


@dataclass(frozen=True)
class BlockerView:
    id: int
    text: str
    resolved: bool


@dataclass(frozen=True)
class GoalInput:
    """An open goal as the modal asks for its KPI value."""

    id: int
    title: str
    metric: str
    unit: str
    target: float
    value: float | None  # the value already reported for the week, if any


@dataclass(frozen=True)
class KpiView:
    goal_id: int
    title: str
    unit: str
    value: float
    target: float


@dataclass(frozen=True)
class StatusView:
    """One PM's answer for one week, as plain values."""

    id: int
    week: str
    member_slack_id: str
    member_name: str
    state: str
    progress: str
    plans: str
    blockers: tuple[BlockerView, ...]
    health: str | None
    health_reason: str
    kpis: tuple[KpiView, ...]
    topic: str
    risk: str
    revision: int
    late: bool
    submitted_at: dt.datetime
    updated_at: dt.datetime

    @property
    def open_blockers(self) -> tuple[BlockerView, ...]:
        return tuple(b for b in self.blockers if not b.resolved)


@dataclass(frozen=True)
class StatusFormData:
    """What the status modal needs: the week, the PM's open goals, and the update to edit."""

    week: str
    goals: tuple[GoalInput, ...]
    current: StatusView | None


# Builds the chat.postMessage payload (text, blocks) of the note posted in a digest's thread
# when an update is edited after that digest went out.
LateNoteBuilder = Callable[[StatusView], dict[str, Any]]


def member_week(member: Member, *, team_timezone: str, now: dt.datetime) -> str:
    """The ISO week it is for `member` at `now`, on their own wall clock."""
    return local_week(now, zone(member.timezone, team_timezone))


def member_today(member: Member, *, team_timezone: str, now: dt.datetime) -> dt.date:
    return now.astimezone(zone(member.timezone, team_timezone)).date()


def to_view(uow: UnitOfWork, update: StatusUpdate) -> StatusView:
    goals = {g.id: g for g in uow.goals.for_owners([update.member_id], status=None)}
    values = uow.status.kpi_values(list(goals), [update.week]) if goals else []
    kpis = tuple(
        KpiView(v.goal_id, goals[v.goal_id].title, goals[v.goal_id].unit, v.value, goals[v.goal_id].target)
        for v in sorted(values, key=lambda v: v.goal_id)
    )
    return StatusView(
        id=update.id,
        week=update.week,
        member_slack_id=update.member.slack_user_id,
        member_name=update.member.name,
        state=update.state,
        progress=update.progress,
        plans=update.plans,
        blockers=tuple(BlockerView(b.id, b.text, b.resolved) for b in update.blockers),
        health=update.health,
        health_reason=update.health_reason,
        kpis=kpis,
        topic=update.topic,
        risk=update.risk,
        revision=update.revision,
        late=update.late,
        submitted_at=update.submitted_at,
        updated_at=update.updated_at,
    )


def form_data(uow: UnitOfWork, *, member: Member, week: str) -> StatusFormData:
    """The modal's contents for `member` and `week`, prefilled when an update exists."""
    goals = list(uow.goals.for_owners([member.id]))
    values = (
        {v.goal_id: v.value for v in uow.status.kpi_values([g.id for g in goals], [week])} if goals else {}
    )
    update = uow.status.get(member.id, week)
    return StatusFormData(
        week=week,
        goals=tuple(GoalInput(g.id, g.title, g.metric, g.unit, g.target, values.get(g.id)) for g in goals),
        current=to_view(uow, update) if update is not None else None,
    )


def submit_status(
    uow: UnitOfWork,
    *,
    member: Member,
    week: str,
    form: StatusForm,
    now: dt.datetime,
    team_timezone: str,
    late_note: LateNoteBuilder | None = None,
) -> StatusView | list[FieldError]:
    """Create or edit `member`'s update for `week`; field errors come back instead of raising.

    Every version is kept as a StatusRevision. An edit after the week's digest was posted is
    marked late, and (given `late_note`) a note is queued into the digest's thread, all in the
    same transaction as the update itself.
    """
    if not week_is_open(week, today=member_today(member, team_timezone=team_timezone, now=now)):
        return [FieldError("progress", "status.error.week_closed", (("week", week),))]
    goals: Sequence[Goal] = uow.goals.for_owners([member.id])
    result = validate_status(form, goal_ids=[g.id for g in goals])
    if isinstance(result, list):
        return result

    # The revision is claimed first, taking the update's lock: a submission racing this one waits,
    # and everything read below (the stored text, blockers, the digest) is what the one before
    # it committed. Two windows submitting at once become two versions, one after the other.
    update, created = uow.status.claim_revision(member.id, week, state=UpdateState.SUBMITTED, now=now)
    digest = uow.status.digest_post(week)
    late = digest is not None
    if not created and update.state != UpdateState.SUBMITTED:
        update.submitted_at = now  # a skipped week written after all: submitted now
    _apply(update, result, now=now)
    update.state = UpdateState.SUBMITTED
    update.late = update.late or late
    update.updated_at = now
    for goal_id, value in result.kpis.items():
        uow.status.set_kpi(goal_id, week, value)
    uow.session.flush()
    uow.session.refresh(update, ["blockers"])

    uow.status.add_revision(
        StatusRevision(
            update_id=update.id, revision=update.revision, snapshot=_snapshot(update, result), late=late
        )
    )
    uow.audit.record(
        actor=member.slack_user_id,
        action="create" if created else "update",
        entity="status_update",
        entity_id=update.id,
        detail={"week": week, "revision": update.revision, "late": late},
    )
    view = to_view(uow, update)
    if digest is not None and late_note is not None:
        parent = uow.outbox.by_key(digest.delivery_key)
        settings = uow.team_settings.get()
        channel = (parent.channel if parent else None) or (settings.digest_channel if settings else None)
        payload = late_note(view)
        if channel:
            payload["channel"] = channel  # the sender answers in the parent's thread either way
        enqueue(
            uow,
            key=late_edit_key(_team_id(uow), member.slack_user_id, week, update.revision),
            method="chat.postMessage",
            payload=payload,
            now=now,
            thread_of=digest.delivery_key,
        )
    uow.commit()
    return view


def _apply(update: StatusUpdate, status: ValidStatus, *, now: dt.datetime) -> None:
    """Copy a validated form onto the row; long stored text survives an untouched edit."""
    update.progress = keep_long_text(stored=update.progress or "", submitted=status.progress)
    update.plans = keep_long_text(stored=update.plans or "", submitted=status.plans)
    update.topic = keep_long_text(stored=update.topic or "", submitted=status.topic)
    update.risk = keep_long_text(stored=update.risk or "", submitted=status.risk)
    update.health = status.health.value
    update.health_reason = status.health_reason
    previous = list(update.blockers)
    merged = merge_blockers([(b.text, b.resolved) for b in previous], status.blockers)
    kept = {match for _, match in merged if match is not None}
    for index, blocker in enumerate(previous):
        if index not in kept:
            update.blockers.remove(blocker)
    for position, (text, match) in enumerate(merged):
        if match is not None:
            previous[match].position = position
        else:
            update.blockers.append(
                Blocker(workspace_id=update.workspace_id, text=text, position=position, created_at=now)
            )


def _snapshot(update: StatusUpdate, status: ValidStatus) -> dict[str, Any]:
    return {
        "state": update.state,
        "progress": update.progress,
        "plans": update.plans,
        "blockers": [{"text": b.text, "resolved": b.resolved} for b in update.blockers],
        "health": update.health,
        "health_reason": update.health_reason,
        "kpis": {str(goal_id): value for goal_id, value in status.kpis.items()},
        "topic": update.topic,
        "risk": update.risk,
    }


def _team_id(uow: UnitOfWork) -> str:
    workspace = uow.session.get(Workspace, uow.workspace_id)
    return workspace.slack_team_id if workspace is not None else str(uow.workspace_id)


def skip_week(
    uow: UnitOfWork, *, member: Member, week: str, now: dt.datetime, team_timezone: str
) -> StatusView:
    """Record that `member` skips `week` (leave, holiday): answered, so neither reminded nor missing.

    A week already submitted stays submitted; the caller reads `state` to tell the member.
    """
    if not week_is_open(week, today=member_today(member, team_timezone=team_timezone, now=now)):
        raise ServiceError("status.error.week_closed", week=week)
    update = uow.status.get(member.id, week)
    if update is not None:
        return to_view(uow, update)
    late = uow.status.digest_post(week) is not None
    added = uow.status.add_if_absent(member.id, week, state=UpdateState.SKIPPED, late=late, now=now)
    if added is None:  # a skip or a submission made at the same moment was saved first
        existing = uow.status.get(member.id, week)
        assert existing is not None
        return to_view(uow, existing)
    update = added
    uow.status.add_revision(
        StatusRevision(
            update_id=update.id, revision=1, snapshot={"state": UpdateState.SKIPPED}, late=update.late
        )
    )
    uow.audit.record(
        actor=member.slack_user_id,
        action="skip",
        entity="status_update",
        entity_id=update.id,
        detail={"week": week},
    )
    view = to_view(uow, update)
    uow.commit()
    return view


def own_update(uow: UnitOfWork, *, member: Member, week: str) -> StatusView | None:
    update = uow.status.get(member.id, week)
    return to_view(uow, update) if update is not None else None


def history(uow: UnitOfWork, *, member: Member, week: str) -> list[dict[str, Any]]:
    """Every version of `member`'s update for `week`, oldest first (snapshots)."""
    update = uow.status.get(member.id, week)
    if update is None:
        return []
    return [dict(r.snapshot, revision=r.revision, late=r.late) for r in uow.status.revisions(update.id)]


def resolve_blocker(uow: UnitOfWork, *, actor: Member, blocker_id: int, now: dt.datetime) -> StatusView:
    """Mark a blocker resolved; its owner or the owner's manager may. Idempotent."""
    blocker = uow.status.blocker(blocker_id)
    if blocker is None:
        raise NotFound("status.blocker.error.not_found")
    owner = blocker.update.member
    if actor.id != owner.id and owner.manager_id != actor.id:
        raise PermissionDenied("status.blocker.error.not_allowed")
    if not blocker.resolved:
        blocker.resolved = True
        blocker.resolved_at = now
        uow.audit.record(
            actor=actor.slack_user_id,
            action="resolve",
            entity="blocker",
            entity_id=blocker.id,
            detail={"week": blocker.update.week, "owner": owner.slack_user_id},
        )
    uow.session.flush()
    view = to_view(uow, blocker.update)
    uow.commit()
    return view
