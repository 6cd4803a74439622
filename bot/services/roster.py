"""The roster: who is on the team, in which role, reporting to whom, owning which products."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from bot.domain.roster import Role, can_assign, can_manage
from bot.i18n import normalize_locale
from bot.services.errors import NotFound, PermissionDenied, ServiceError
from storage.models import Member
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


def to_view(member: Member) -> MemberView:
    return MemberView(
        slack_user_id=member.slack_user_id,
        name=member.name,
        role=member.role,
        manager_slack_id=member.manager.slack_user_id if member.manager else None,
        manager_name=member.manager.name if member.manager else None,
        product_lines=tuple(line.name for line in member.product_lines),
        timezone=member.timezone,
        locale=member.locale,
        active=member.active,
    )


def find_actor(
    uow: UnitOfWork,
    slack_user_id: str,
    *,
    admins: Iterable[str],
    lookup: ProfileLookup,
    now: dt.datetime,
) -> Member | None:
    """The roster entry of whoever sent a request; configured admins join on first contact."""
    member = uow.members.get_by_slack_id(slack_user_id)
    if member is not None and member.active:
        return member
    if slack_user_id not in set(admins):
        return None
    profile = lookup(slack_user_id)
    if member is None:
        member = uow.members.add(Member(slack_user_id=slack_user_id, role=Role.ADMIN, name=slack_user_id))
    member.active = True
    member.role = Role.ADMIN
    if profile is not None:
        _apply_profile(member, profile, now=now)
    uow.audit.record(
        actor="config",
        action="create",
        entity="member",
        entity_id=slack_user_id,
        detail={"role": Role.ADMIN, "source": "PMPULSE_ADMINS"},
    )
    uow.commit()
    return member


def _apply_profile(member: Member, profile: Profile, *, now: dt.datetime) -> None:
    member.name = profile.name or member.name
    member.timezone = profile.timezone or member.timezone
    member.locale = normalize_locale(profile.locale) or member.locale
    member.profile_refreshed_at = now


def add_member(
    uow: UnitOfWork,
    *,
    actor: str,
    actor_role: str,
    user_id: str,
    role: Role,
    product_line: str | None,
    manager_slack_id: str | None,
    lookup: ProfileLookup,
    now: dt.datetime,
) -> tuple[MemberView, bool]:
    """Add or re-activate a member (or change their role); returns the member and whether it is new."""
    if not can_manage(actor_role):
        raise PermissionDenied("team.error.not_allowed")
    if not can_assign(actor_role, role):
        raise PermissionDenied("team.error.only_admin_makes_admin")
    profile = lookup(user_id)
    if profile is None or profile.deleted:
        raise NotFound("team.error.user_not_found", user=user_id)
    if profile.is_bot:
        raise ServiceError("team.error.is_bot", user=user_id)

    member = uow.members.get_by_slack_id(user_id)
    created = member is None or not member.active
    if member is None:
        member = uow.members.add(Member(slack_user_id=user_id, role=role, name=profile.name))
    member.role = role
    member.active = True
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
    uow.session.flush()
    view = to_view(member)
    uow.commit()
    return view, created


def remove_member(uow: UnitOfWork, *, actor: str, actor_role: str, user_id: str) -> MemberView:
    """Deactivate a member; their history stays."""
    if not can_manage(actor_role):
        raise PermissionDenied("team.error.not_allowed")
    member = uow.members.get_by_slack_id(user_id)
    if member is None or not member.active:
        raise NotFound("team.error.not_on_roster", user=user_id)
    if member.role == Role.ADMIN and actor_role != Role.ADMIN:
        raise PermissionDenied("team.error.only_admin_removes_admin")
    if member.slack_user_id == actor:
        raise ServiceError("team.error.cannot_remove_self")
    member.active = False
    uow.audit.record(actor=actor, action="deactivate", entity="member", entity_id=user_id)
    view = to_view(member)
    uow.commit()
    return view


def list_team(uow: UnitOfWork) -> list[MemberView]:
    return [
        MemberView(
            slack_user_id=member.slack_user_id,
            name=member.name,
            role=member.role,
            manager_slack_id=manager_id,
            manager_name=manager_name,
            product_lines=lines,
            timezone=member.timezone,
            locale=member.locale,
            active=member.active,
        )
        for member, manager_id, manager_name, lines in uow.members.roster_rows()
    ]


def roster_version(uow: UnitOfWork) -> tuple[int, str]:
    return uow.members.roster_version()


def refresh_profiles(
    uow: UnitOfWork, lookup: ProfileLookup, *, now: dt.datetime, older_than: dt.datetime
) -> int:
    """Refresh timezone, locale and name from Slack for members not refreshed since `older_than`.

    Each refresh is stamped `now`, the clock `older_than` was measured on: a job run as if at
    another time (`pmpulse jobs run --at`) compares like with like.
    """
    refreshed = 0
    for member in uow.members.list():
        if member.profile_refreshed_at is not None and member.profile_refreshed_at > older_than:
            continue
        profile = lookup(member.slack_user_id)
        if profile is None:
            continue
        _apply_profile(member, profile, now=now)
        refreshed += 1
    uow.commit()
    return refreshed


def dm_channel_of(uow: UnitOfWork, slack_user_id: str) -> str | None:
    member = uow.members.get_by_slack_id(slack_user_id)
    return member.dm_channel_id if member else None


def remember_dm_channel(uow: UnitOfWork, slack_user_id: str, channel_id: str) -> None:
    """Store the DM channel so later DMs skip conversations.open (Tier 3)."""
    member = uow.members.get_by_slack_id(slack_user_id)
    if member is not None and member.dm_channel_id != channel_id:
        member.dm_channel_id = channel_id
        uow.commit()
