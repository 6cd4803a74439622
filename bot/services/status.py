"""Weekly status updates: the modal's data, submitting and editing, skipping, resolving blockers.

Each use case opens its own unit of work from the factory it is given and commits once, so a
failed write leaves nothing half-saved; it returns plain views. Slack never appears here.

A version saved after the week's digest went out owes the digest's thread a note. The edit only
records that debt, on its own history row (`StatusRevision.late_note_owed`), in its transaction;
`late_notes_owed` reads the debts back as plain data for `bot.notifications.status` to render and
queue, and `late_note_queued` settles one in the transaction that queues it. The reasons are
given in `bot.notifications.status`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.domain.goals import FieldError
from bot.domain.schedule import local_week, zone
from bot.domain.status import (
    StatusForm,
    UpdateState,
    keep_long_text,
    late_edit_key,
    merge_blockers,
    validate_status,
    week_is_open,
)
from bot.services.errors import FormErrors, NotFound, PermissionDenied, ServiceError
from bot.services.unit import UowFactory, card_of, member_of
from bot.services.workspaces import WorkspaceRef
from storage.goals import KpiGoal
from storage.roster import Member, MemberCard
from storage.status import StatusRepository, StatusRevision, StatusUpdate, UpdateRow
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)


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


@dataclass(frozen=True)
class LateNote:
    """A note owed to a digest's thread: one version of an update saved after the digest went out."""

    revision_id: int
    key: str  # the note's delivery key: one per version, ever
    thread_of: str  # the digest's delivery key
    channel: str | None  # where the digest went, when known; the sender answers in its thread
    locale: str  # the team's: the digest's thread is read by the team
    view: StatusView  # the version as it was saved


def member_week(member: Member | MemberCard, *, team_timezone: str, now: dt.datetime) -> str:
    """The ISO week it is for `member` at `now`, on their own wall clock."""
    return local_week(now, zone(member.timezone, team_timezone))


def member_today(member: Member | MemberCard, *, team_timezone: str, now: dt.datetime) -> dt.date:
    return now.astimezone(zone(member.timezone, team_timezone)).date()


def to_view(uow: UnitOfWork, update: StatusUpdate) -> StatusView:
    """An update loaded as an ORM object (a skip, a resolved blocker), as plain values."""
    row = UpdateRow._make(getattr(update, name) for name in UpdateRow._fields)  # the same columns
    goals = uow.goals.kpi_goals(update.member_id)
    return _row_view(
        row,
        owner=(update.member.slack_user_id, update.member.name),
        blockers=tuple(BlockerView(b.id, b.text, b.resolved) for b in update.blockers),
        goals=goals,
        values=uow.status.week_values([g.id for g in goals], update.week),
    )


def status_form(
    uow_factory: UowFactory, *, workspace: WorkspaceRef, user_id: str, week: str | None, now: dt.datetime
) -> StatusFormData:
    """The modal's contents for `week` (None: the member's current week); a closed week is refused.

    Read as rows (Core), like the save: every *Write my update* click of the Friday burst reads it.
    """
    with uow_factory(workspace.id) as uow:
        member = card_of(uow, user_id)
        week = week or member_week(member, team_timezone=workspace.timezone, now=now)
        if not week_is_open(week, today=member_today(member, team_timezone=workspace.timezone, now=now)):
            raise ServiceError("status.error.week_closed", week=week)
        return _form_data(uow, member=member, week=week)


def _form_data(uow: UnitOfWork, *, member: MemberCard, week: str) -> StatusFormData:
    """The modal's contents for `member` and `week`, prefilled when an update exists."""
    goals = uow.goals.kpi_goals(member.id)
    values = uow.status.week_values([g.id for g in goals], week)
    update = uow.status.row(member.id, week)
    current = None
    if update is not None:
        blockers = tuple(BlockerView(b.id, b.text, b.resolved) for b in uow.status.blocker_rows(update.id))
        current = _row_view(
            update, owner=(member.slack_user_id, member.name), blockers=blockers, goals=goals, values=values
        )
    return StatusFormData(
        week=week,
        goals=tuple(
            GoalInput(g.id, g.title, g.metric, g.unit, g.target, values.get(g.id))
            for g in goals
            if g.status == "open"
        ),
        current=current,
    )


def _row_view(
    update: UpdateRow,
    *,
    owner: tuple[str, str],
    blockers: tuple[BlockerView, ...],
    goals: Sequence[KpiGoal],
    values: Mapping[int, float],
) -> StatusView:
    """An update read (or just written) as a row, with its blockers and the week's KPI values of
    the owner's goals (of every status: closed goals may hold the week's values). `owner`: their
    Slack ID and name."""
    return StatusView(
        id=update.id,
        week=update.week,
        member_slack_id=owner[0],
        member_name=owner[1],
        state=update.state,
        progress=update.progress,
        plans=update.plans,
        blockers=blockers,
        health=update.health,
        health_reason=update.health_reason,
        kpis=tuple(
            KpiView(g.id, g.title, g.unit, values[g.id], g.target)
            for g in sorted(goals, key=lambda g: g.id)
            if g.id in values
        ),
        topic=update.topic,
        risk=update.risk,
        revision=update.revision,
        late=update.late,
        submitted_at=update.submitted_at,
        updated_at=update.updated_at,
    )


def submit_status(
    uow_factory: UowFactory,
    *,
    workspace: WorkspaceRef,
    user_id: str,
    week: str,
    form: StatusForm,
    now: dt.datetime,
) -> StatusView:
    """Create or edit the requester's update for `week`; `FormErrors` when fields need correcting.

    Every version is kept as a StatusRevision. A version saved after the week's digest was
    posted is marked late and owes the digest's thread a note, recorded in the same transaction
    as the version itself (see `late_notes_owed`). `late` on the result says the update is late.

    The Friday burst's write: it reads and writes through the repositories' Core statements
    (compiled once, rows as tuples), not ORM objects. tests/integration/test_statement_budget.py
    holds the list of statements it sends.
    """
    with uow_factory(workspace.id) as uow:
        member = card_of(uow, user_id)
        return _submit(uow, member=member, week=week, form=form, now=now, workspace=workspace)


def _submit(
    uow: UnitOfWork,
    *,
    member: MemberCard,
    week: str,
    form: StatusForm,
    now: dt.datetime,
    workspace: WorkspaceRef,
) -> StatusView:
    if not week_is_open(week, today=member_today(member, team_timezone=workspace.timezone, now=now)):
        raise FormErrors([FieldError("progress", "status.error.week_closed", (("week", week),))])
    goals = uow.goals.kpi_goals(member.id)  # every status: closed goals may hold this week's values
    result = validate_status(form, goal_ids=[g.id for g in goals if g.status == "open"])
    if isinstance(result, list):
        raise FormErrors(result)

    # The revision is claimed first, taking the update's lock: a submission racing this one waits,
    # and everything read below (the stored text, blockers, the digest) is what the one before
    # it committed. Two windows submitting at once become two versions, one after the other.
    status = uow.status
    update = status.claim_revision(member.id, week, state=UpdateState.SUBMITTED, now=now)
    created = update.revision == 1
    late = status.has_digest(week)
    blockers = _write_blockers(status, update.id, result.blockers, now=now)
    # A skipped week written after all counts as submitted now.
    submitted_at = update.submitted_at if created or update.state == UpdateState.SUBMITTED else now
    saved = update._replace(
        state=UpdateState.SUBMITTED.value,
        progress=keep_long_text(stored=update.progress or "", submitted=result.progress),
        plans=keep_long_text(stored=update.plans or "", submitted=result.plans),
        topic=keep_long_text(stored=update.topic or "", submitted=result.topic),
        risk=keep_long_text(stored=update.risk or "", submitted=result.risk),
        health=result.health.value,
        health_reason=result.health_reason,
        late=update.late or late,
        submitted_at=submitted_at,
        updated_at=now,
    )
    status.write_update(saved)
    snapshot = {
        "state": saved.state,
        "progress": saved.progress,
        "plans": saved.plans,
        "blockers": [{"text": b.text, "resolved": b.resolved} for b in blockers],
        "health": saved.health,
        "health_reason": saved.health_reason,
        "kpis": {str(goal_id): value for goal_id, value in result.kpis.items()},
        "topic": saved.topic,
        "risk": saved.risk,
    }
    status.add_revision_row(update.id, update.revision, snapshot=snapshot, late=late, now=now)
    uow.audit.record(
        actor=member.slack_user_id,
        action="create" if created else "update",
        entity="status_update",
        entity_id=update.id,
        detail={"week": week, "revision": update.revision, "late": late},
    )
    status.set_kpis(week, result.kpis)
    values = status.week_values([g.id for g in goals], week)
    view = _row_view(
        saved, owner=(member.slack_user_id, member.name), blockers=blockers, goals=goals, values=values
    )
    uow.commit()
    return view


def _write_blockers(
    status: StatusRepository, update_id: int, lines: Sequence[str], *, now: dt.datetime
) -> tuple[BlockerView, ...]:
    """Replace the update's blockers with `lines`, in their order. A line that repeats a
    blocker kept from before stays that blocker (its ID, its resolved mark); the rest are new,
    and the blockers no line repeats are deleted."""
    previous = status.blocker_rows(update_id)
    merged = merge_blockers([(b.text, b.resolved) for b in previous], lines)
    kept = {match for _text, match in merged if match is not None}
    moved = [
        (previous[match].id, position)
        for position, (_text, match) in enumerate(merged)
        if match is not None and previous[match].position != position
    ]
    added = [(position, text) for position, (text, match) in enumerate(merged) if match is None]
    new_ids = status.write_blockers(
        update_id,
        moved=moved,
        added=added,
        dropped=[b.id for i, b in enumerate(previous) if i not in kept],
        now=now,
    )
    return tuple(
        BlockerView(previous[match].id, text, previous[match].resolved)
        if match is not None
        else BlockerView(new_ids[position], text, False)
        for position, (text, match) in enumerate(merged)
    )


def late_notes_owed(uow: UnitOfWork, *, team_id: str, limit: int = 100) -> list[LateNote]:
    """The notes the workspace still owes digests' threads, oldest version first; nothing is settled.

    Each note shows its version as saved (its history row), in the team's language, whatever was
    edited since. A debt whose digest is gone from the database has no thread to go to: it is
    settled here, in the caller's unit of work, and logged.
    """
    settings = uow.team_settings.get()
    locale = settings.locale if settings is not None else "en"
    notes: list[LateNote] = []
    for revision in uow.status.late_notes_owed(limit):
        update = uow.status.update_by_id(revision.update_id)
        digest = uow.status.digest_post(update.week) if update is not None else None
        if update is None or digest is None:
            log.warning(
                "workspace %s: late note of version %s has no digest to go under; dropped",
                uow.workspace_id,
                revision.id,
            )
            uow.status.late_note_queued(revision.id)
            continue
        parent = uow.outbox.by_key(digest.delivery_key)
        channel = (parent.channel if parent else None) or (settings.digest_channel if settings else None)
        notes.append(
            LateNote(
                revision_id=revision.id,
                key=late_edit_key(team_id, update.member.slack_user_id, update.week, revision.revision),
                thread_of=digest.delivery_key,
                channel=channel or None,
                locale=locale,
                view=_version_view(uow, update, revision),
            )
        )
    return notes


def late_note_queued(uow: UnitOfWork, note: LateNote) -> None:
    """Settle `note`'s debt; call it in the unit of work that queued the note, which commits."""
    uow.status.late_note_queued(note.revision_id)


def _version_view(uow: UnitOfWork, update: StatusUpdate, revision: StatusRevision) -> StatusView:
    """One version of `update` as its history row kept it."""
    snapshot = revision.snapshot
    goals = {g.id: g for g in uow.goals.for_owners([update.member_id], status=None)}
    reported = sorted((int(goal_id), float(value)) for goal_id, value in snapshot.get("kpis", {}).items())
    return StatusView(
        id=update.id,
        week=update.week,
        member_slack_id=update.member.slack_user_id,
        member_name=update.member.name,
        state=str(snapshot.get("state", update.state)),
        progress=str(snapshot.get("progress") or ""),
        plans=str(snapshot.get("plans") or ""),
        # A version's blockers are text only: notes show them without Resolve buttons.
        blockers=tuple(
            BlockerView(0, str(b["text"]), bool(b["resolved"])) for b in snapshot.get("blockers", [])
        ),
        health=snapshot.get("health"),
        health_reason=str(snapshot.get("health_reason") or ""),
        kpis=tuple(
            KpiView(goal_id, goals[goal_id].title, goals[goal_id].unit, value, goals[goal_id].target)
            for goal_id, value in reported
            if goal_id in goals
        ),
        topic=str(snapshot.get("topic") or ""),
        risk=str(snapshot.get("risk") or ""),
        revision=revision.revision,
        late=revision.late,
        submitted_at=update.submitted_at,
        updated_at=revision.created_at,
    )


def skip_week(
    uow_factory: UowFactory, *, workspace: WorkspaceRef, user_id: str, week: str, now: dt.datetime
) -> StatusView:
    """Record that the requester skips `week` (leave, holiday): answered, so neither reminded nor missing.

    A week already submitted stays submitted; the caller reads `state` to tell the member.
    """
    with uow_factory(workspace.id) as uow:
        member = member_of(uow, user_id)
        if not week_is_open(week, today=member_today(member, team_timezone=workspace.timezone, now=now)):
            raise ServiceError("status.error.week_closed", week=week)
        return _skip(uow, member=member, week=week, now=now)


def _skip(uow: UnitOfWork, *, member: Member, week: str, now: dt.datetime) -> StatusView:
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


def resolve_blocker(
    uow_factory: UowFactory, *, workspace: WorkspaceRef, user_id: str, blocker_id: int, now: dt.datetime
) -> StatusView:
    """Mark a blocker resolved; its owner or the owner's manager may. Idempotent."""
    with uow_factory(workspace.id) as uow:
        return _resolve(uow, actor=member_of(uow, user_id), blocker_id=blocker_id, now=now)


def _resolve(uow: UnitOfWork, *, actor: Member, blocker_id: int, now: dt.datetime) -> StatusView:
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
    uow.flush()
    view = to_view(uow, blocker.update)
    uow.commit()
    return view
