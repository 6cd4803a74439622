"""The roster: who is on the team, in which role, reporting to whom, owning which products."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from enum import StrEnum

from bot.domain.goals import PRODUCT_LINE_MAX
from bot.domain.roster import Role, RosterSubject, can_manage, roster_change_refusal
from bot.i18n import normalize_locale
from bot.services.errors import NotFound, PermissionDenied, ServiceError
from bot.services.unit import UowFactory
from storage.roster import Member, MemberCard
from storage.uow import UnitOfWork


@dataclass(frozen=True)
class Profile:
    """What Slack's users.info tells about a person, as plain values."""

    user_id: str
    name: str
    timezone: str | None
    locale: str | None
    is_bot: bool = False
    deleted: bool = False


ProfileLookup = Callable[[str], Profile | None]


@dataclass(frozen=True)
class MemberView:
    slack_user_id: str
    name: str
    role: str
    manager_slack_id: str | None
    manager_name: str | None
    product_lines: tuple[str, ...]
    timezone: str | None
    locale: str | None
    active: bool
    deactivated_in_slack: bool = False


def card_view(card: MemberCard) -> MemberView:
    """The view of a member read as a card (`MemberRepository.card`)."""
    return MemberView(
        slack_user_id=card.slack_user_id,
        name=card.name,
        role=card.role,
        manager_slack_id=card.manager_slack_id,
        manager_name=card.manager_name,
        product_lines=card.product_lines,
        timezone=card.timezone,
        locale=card.locale,
        active=card.active,
        deactivated_in_slack=card.deactivated_in_slack,
    )


def to_view(member: Member) -> MemberView:
    """A member loaded as an ORM object, as plain values."""
    card = MemberCard(
        id=member.id,
        slack_user_id=member.slack_user_id,
        name=member.name,
        role=member.role,
        manager_slack_id=member.manager.slack_user_id if member.manager else None,
        manager_name=member.manager.name if member.manager else None,
        timezone=member.timezone,
        locale=member.locale,
        active=member.active,
        deactivated_in_slack=member.deactivated_in_slack,
        product_lines=tuple(line.name for line in member.product_lines),
    )
    return card_view(card)


def find_actor(
    uow: UnitOfWork,
    slack_user_id: str,
    *,
    admins: Iterable[str],
    lookup: ProfileLookup,
    now: dt.datetime,
) -> MemberView | None:
    """The roster entry of whoever sent a request.

    Admins named in PMPULSE_ADMINS are admins on every request: they join on first contact,
    and a stored row that says otherwise (removed, or given another role) is put right.
    """
    configured = slack_user_id in set(admins)
    # Every request reads this: the card (one Core statement) answers all but the first
    # contact of a configured admin, which writes.
    card = uow.members.card(slack_user_id)
    if card is not None and card.active and (not configured or card.role == Role.ADMIN):
        return card_view(card)
    if not configured:
        return None
    member = uow.members.get_by_slack_id(slack_user_id)
    profile = lookup(slack_user_id)
    created = member is None
    before = None if member is None else {"role": member.role, "active": member.active}
    if member is None:
        member = uow.members.add(Member(slack_user_id=slack_user_id, role=Role.ADMIN, name=slack_user_id))
    member.active = True
    member.role = Role.ADMIN
    if profile is not None:
        _apply_profile(member, profile, now=now)
    uow.audit.record(
        actor="config",
        action="create" if created else "update",
        entity="member",
        entity_id=slack_user_id,
        detail={"role": Role.ADMIN, "source": "PMPULSE_ADMINS", "before": before},
    )
    view = to_view(member)
    uow.commit()
    return view


def _apply_profile(member: Member, profile: Profile, *, now: dt.datetime) -> None:
    member.name = profile.name or member.name
    if profile.timezone and profile.timezone != member.timezone:
        if member.timezone:
            # Kept so the cadence can tell a move east past the prompt time (bot.domain.schedule).
            member.previous_timezone = member.timezone
            member.timezone_changed_at = now
        member.timezone = profile.timezone
    member.locale = normalize_locale(profile.locale) or member.locale
    member.profile_refreshed_at = now


def _apply_slack_status(uow: UnitOfWork, member: Member, profile: Profile) -> str | None:
    """Follow Slack's deactivation of an account; returns "deactivate", "reactivate" or None.

    A deactivated account cannot read a DM: it leaves the cadence (no prompt, no reminder, never
    missing) but keeps its history. Only someone Slack deactivated comes back when Slack
    reactivates them; a manager's removal stands until a manager adds them again.
    """
    change = None
    if profile.deleted and member.active:
        member.active = False
        member.deactivated_in_slack = True
        change = "deactivate"
    elif not profile.deleted and member.deactivated_in_slack:
        member.active = True
        member.deactivated_in_slack = False
        change = "reactivate"
    if change is not None:
        uow.audit.record(actor="slack", action=change, entity="member", entity_id=member.slack_user_id)
    return change


class ChangeField(StrEnum):
    ROLE = "role"
    MANAGER = "manager"
    PRODUCT_LINES = "product_lines"


@dataclass(frozen=True)
class Change:
    """One thing a roster change changed, old value to new (Slack IDs for managers)."""

    field: ChangeField
    old: str | None
    new: str | None


@dataclass(frozen=True)
class RosterChange:
    member: MemberView
    created: bool
    changes: tuple[Change, ...]  # empty for a new member, and when nothing changed


def _current_manager(member: Member) -> Member | None:
    """The member's manager, if that person is still on the roster as a manager or admin."""
    manager = member.manager
    return manager if manager is not None and manager.active and can_manage(manager.role) else None


def _subject(member: Member | None, user_id: str, configured_admins: Collection[str]) -> RosterSubject:
    on_roster = member is not None and member.active
    manager = _current_manager(member) if member is not None and on_roster else None
    return RosterSubject(
        user_id=user_id,
        role=member.role if member is not None and on_roster else None,
        manager_id=manager.slack_user_id if manager is not None else None,
        configured_admin=user_id in configured_admins,
    )


def _check_change(*, actor: str, actor_role: str, subject: RosterSubject, new_role: Role | None) -> None:
    refusal = roster_change_refusal(actor_id=actor, actor_role=actor_role, subject=subject, new_role=new_role)
    if refusal is not None:
        raise PermissionDenied(refusal, user=subject.user_id)


def add_member(
    uow_factory: UowFactory,
    *,
    workspace_id: int,
    actor: str,
    actor_role: str,
    user_id: str,
    role: Role,
    product_line: str | None,
    manager_slack_id: str | None,
    lookup: ProfileLookup,
    configured_admins: Collection[str] = (),
    now: dt.datetime,
) -> RosterChange:
    """Add or re-activate a member, or change their role, manager or product lines.

    Who may change whom is `roster_change_refusal`; a report moves to another manager only by
    an admin or the report's current manager. The result says what changed.
    """
    with uow_factory(workspace_id) as uow:
        return _add_member(
            uow,
            actor=actor,
            actor_role=actor_role,
            user_id=user_id,
            role=role,
            product_line=product_line,
            manager_slack_id=manager_slack_id,
            lookup=lookup,
            configured_admins=configured_admins,
            now=now,
        )


def _add_member(
    uow: UnitOfWork,
    *,
    actor: str,
    actor_role: str,
    user_id: str,
    role: Role,
    product_line: str | None,
    manager_slack_id: str | None,
    lookup: ProfileLookup,
    configured_admins: Collection[str],
    now: dt.datetime,
) -> RosterChange:
    existing = uow.members.get_by_slack_id(user_id)
    subject = _subject(existing, user_id, configured_admins)
    _check_change(actor=actor, actor_role=actor_role, subject=subject, new_role=role)
    if product_line and len(product_line) > PRODUCT_LINE_MAX:
        raise ServiceError("team.error.product_line_too_long", max=PRODUCT_LINE_MAX)
    profile = lookup(user_id)
    if (
        profile is not None
        and profile.deleted
        and existing is not None
        and _apply_slack_status(uow, existing, profile)
    ):
        uow.commit()  # what Slack said stands even though the add is refused
    if profile is None or profile.deleted:
        raise NotFound("team.error.user_not_found", user=user_id)
    if profile.is_bot:
        raise ServiceError("team.error.is_bot", user=user_id)

    member = existing
    created = member is None or not member.active
    before = (
        None
        if member is None or created
        else (
            member.role,
            member.manager.slack_user_id if member.manager else None,
            tuple(line.name for line in member.product_lines),
        )
    )
    if member is None:
        member = uow.members.add(Member(slack_user_id=user_id, role=role, name=profile.name))
    member.role = role
    member.active = True
    member.deactivated_in_slack = False
    _apply_profile(member, profile, now=now)

    manager_id = manager_slack_id
    if manager_id is None and role == Role.PM and actor_role == Role.MANAGER:
        manager_id = actor  # a manager adding a PM is, by default, that PM's manager
    if manager_id is not None and manager_id != user_id:
        manager = uow.members.get_by_slack_id(manager_id)
        if manager is None or not manager.active or not can_manage(manager.role):
            raise ServiceError("team.error.manager_not_on_roster", user=manager_id)
        member.manager = manager
    if product_line:
        uow.product_lines.assign(member, uow.product_lines.get_or_create(product_line), now=now)

    uow.audit.record(
        actor=actor,
        action="create" if created else "update",
        entity="member",
        entity_id=user_id,
        detail={"role": role.value, "product_line": product_line, "manager": manager_id},
    )
    uow.flush()
    view = to_view(member)
    uow.commit()
    changes: tuple[Change, ...] = ()
    if before is not None:
        changes = _changes(before, view)
    return RosterChange(member=view, created=created, changes=changes)


def _changes(before: tuple[str, str | None, tuple[str, ...]], after: MemberView) -> tuple[Change, ...]:
    role, manager, lines = before
    candidates = (
        Change(ChangeField.ROLE, role, after.role),
        Change(ChangeField.MANAGER, manager, after.manager_slack_id),
        Change(ChangeField.PRODUCT_LINES, ", ".join(lines) or None, ", ".join(after.product_lines) or None),
    )
    return tuple(change for change in candidates if change.old != change.new)


def remove_member(
    uow_factory: UowFactory,
    *,
    workspace_id: int,
    actor: str,
    actor_role: str,
    user_id: str,
    configured_admins: Collection[str] = (),
) -> MemberView:
    """Deactivate a member; their history stays."""
    with uow_factory(workspace_id) as uow:
        return _remove_member(
            uow, actor=actor, actor_role=actor_role, user_id=user_id, configured_admins=configured_admins
        )


def _remove_member(
    uow: UnitOfWork, *, actor: str, actor_role: str, user_id: str, configured_admins: Collection[str]
) -> MemberView:
    if not can_manage(actor_role):
        raise PermissionDenied("team.error.not_allowed")
    member = uow.members.get_by_slack_id(user_id)
    # Someone Slack deactivated may be removed too, so a reactivation does not bring them back.
    if member is None or not (member.active or member.deactivated_in_slack):
        raise NotFound("team.error.not_on_roster", user=user_id)
    if member.slack_user_id == actor:
        raise ServiceError("team.error.cannot_remove_self")
    subject = _subject(member, user_id, configured_admins)
    _check_change(actor=actor, actor_role=actor_role, subject=subject, new_role=None)
    member.active = False
    member.deactivated_in_slack = False
    uow.audit.record(actor=actor, action="deactivate", entity="member", entity_id=user_id)
    view = to_view(member)
    uow.commit()
    return view


def list_team(uow_factory: UowFactory, *, workspace_id: int) -> list[MemberView]:
    with uow_factory(workspace_id) as uow:
        return _list_team(uow)


def _list_team(uow: UnitOfWork) -> list[MemberView]:
    return [card_view(card) for card in uow.members.roster_rows()]


def roster_version(uow: UnitOfWork) -> tuple[int, str]:
    return uow.members.roster_version()


def refresh_profiles(
    uow: UnitOfWork, lookup: ProfileLookup, *, now: dt.datetime, older_than: dt.datetime
) -> int:
    """Refresh timezone, locale and name from Slack for members not refreshed since `older_than`.

    Each refresh is stamped `now`, the clock `older_than` was measured on: a job run as if at
    another time (`pmpulse jobs run --at`) compares like with like. Follows Slack's deactivations
    too: active members whose account is deactivated leave the cadence, and members Slack had
    deactivated come back when their account is reactivated.
    """
    refreshed = 0
    for member in uow.members.list(active_only=False):
        if not (member.active or member.deactivated_in_slack):
            continue  # removed by a manager: nothing Slack says changes that
        if member.profile_refreshed_at is not None and member.profile_refreshed_at > older_than:
            continue
        profile = lookup(member.slack_user_id)
        if profile is None:
            continue
        _apply_slack_status(uow, member, profile)
        _apply_profile(member, profile, now=now)
        refreshed += 1
    uow.commit()
    return refreshed


def apply_user_change(
    uow_factory: UowFactory, *, workspace_id: int, profile: Profile, now: dt.datetime
) -> str | None:
    """Slack's `user_change` event for someone on the roster: follow a (re)activation, and
    refresh name, timezone and locale. Returns what changed in the roster, if anything."""
    with uow_factory(workspace_id) as uow:
        member = uow.members.get_by_slack_id(profile.user_id)
        if member is None or not (member.active or member.deactivated_in_slack):
            return None
        change = _apply_slack_status(uow, member, profile)
        _apply_profile(member, profile, now=now)
        uow.commit()
        return change


def dm_channel_of(uow: UnitOfWork, slack_user_id: str) -> str | None:
    member = uow.members.get_by_slack_id(slack_user_id)
    return member.dm_channel_id if member else None


def remember_dm_channel(uow: UnitOfWork, slack_user_id: str, channel_id: str) -> None:
    """Store the DM channel so later DMs skip conversations.open (Tier 3)."""
    member = uow.members.get_by_slack_id(slack_user_id)
    if member is not None and member.dm_channel_id != channel_id:
        member.dm_channel_id = channel_id
        uow.commit()


def stored_locale(uow_factory: UowFactory, *, workspace_id: int, slack_user_id: str) -> str | None:
    """The language stored for `slack_user_id` (anyone ever on the roster), without asking Slack."""
    with uow_factory(workspace_id) as uow:
        member = uow.members.get_by_slack_id(slack_user_id)
        return member.locale if member is not None else None
