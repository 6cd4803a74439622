"""The roster: members (PMs, managers, admins) and the product lines they own."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple, cast

from sqlalchemy import (
    Boolean,
    ForeignKey,
    String,
    Table,
    UniqueConstraint,
    bindparam,
    false,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Mapped, joinedload, lazyload, mapped_column, relationship

from storage.base import Base, UTCDateTime, WorkspaceScoped
from storage.clock import system_now


class Member(Base):
    """A person on the roster: a PM, a manager or an admin."""

    __tablename__ = "member"
    __table_args__ = (UniqueConstraint("workspace_id", "slack_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id"), index=True)
    slack_user_id: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(255), default="")
    role: Mapped[str] = mapped_column(String(16))
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"), index=True)
    timezone: Mapped[str | None] = mapped_column(String(64))
    locale: Mapped[str | None] = mapped_column(String(16))
    dm_channel_id: Mapped[str | None] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Inactive because Slack deactivated the account (not removed by a manager): a Slack
    # reactivation puts them back on the roster; a manager's removal never comes back by itself.
    deactivated_in_slack: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The timezone before the last change and when it was seen, so a move east past the prompt
    # time mid-week still gets that week's prompt (bot.domain.schedule).
    previous_timezone: Mapped[str | None] = mapped_column(String(64))
    timezone_changed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    profile_refreshed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=system_now)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=system_now, onupdate=system_now)

    manager: Mapped[Member | None] = relationship(remote_side=[id], lazy="joined", join_depth=1)
    product_lines: Mapped[list[ProductLine]] = relationship(
        secondary="member_product_line", lazy="selectin", order_by="ProductLine.name", viewonly=True
    )


class ProductLine(Base):
    """A bank product line (credit cards, deposits, loans...)."""

    __tablename__ = "product_line"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=system_now)


class MemberProductLine(Base):
    """Which product lines a member owns."""

    __tablename__ = "member_product_line"

    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), primary_key=True)
    product_line_id: Mapped[int] = mapped_column(ForeignKey("product_line.id"), primary_key=True)


class MemberCard(NamedTuple):
    """A member as every request shows them: their columns, their manager's Slack ID and name,
    their product lines by name. Read in one Core statement (`MemberRepository.card`)."""

    id: int
    slack_user_id: str
    name: str
    role: str
    manager_slack_id: str | None
    manager_name: str | None
    timezone: str | None
    locale: str | None
    active: bool
    deactivated_in_slack: bool
    product_lines: tuple[str, ...]


class Person(NamedTuple):
    """A member as a list of people names them."""

    id: int
    slack_user_id: str
    name: str


_members = cast(Table, Member.__table__)


_manager = _members.alias("manager")
# A member's card without their product lines, and where it is read from: themself and their manager.
_CARD_COLUMNS = (
    _members.c.id,
    _members.c.slack_user_id,
    _members.c.name,
    _members.c.role,
    _manager.c.slack_user_id,
    _manager.c.name,
    _members.c.timezone,
    _members.c.locale,
    _members.c.active,
    _members.c.deactivated_in_slack,
)
_WITH_MANAGER = _members.outerjoin(_manager, _manager.c.id == _members.c.manager_id)


def _card_statement() -> Any:
    links = cast(Table, MemberProductLine.__table__)
    lines = cast(Table, ProductLine.__table__)
    return (
        select(*_CARD_COLUMNS, lines.c.name)
        .select_from(_WITH_MANAGER)
        .outerjoin(links, links.c.member_id == _members.c.id)
        .outerjoin(lines, lines.c.id == links.c.product_line_id)
        .where(
            _members.c.workspace_id == bindparam("b_workspace"),
            _members.c.slack_user_id == bindparam("b_user"),
        )
        .order_by(lines.c.name)
    )


_CARD = _card_statement()
_ROSTER = (
    select(*_CARD_COLUMNS)
    .select_from(_WITH_MANAGER)
    .where(
        _members.c.workspace_id == bindparam("b_workspace"),
        or_(_members.c.active.is_(True), _members.c.deactivated_in_slack.is_(True)),
    )
    .order_by(_members.c.name, _members.c.slack_user_id)
)
_PEOPLE = (
    select(_members.c.id, _members.c.slack_user_id, _members.c.name)
    .where(
        _members.c.workspace_id == bindparam("b_workspace"),
        _members.c.role == bindparam("b_role"),
        _members.c.active == bindparam("b_active"),
    )
    .order_by(_members.c.name, _members.c.slack_user_id)
)
_PEOPLE_OF_MANAGER = _PEOPLE.where(_members.c.manager_id == bindparam("b_manager"))


class MemberRepository(WorkspaceScoped):
    def get(self, member_id: int) -> Member | None:
        member = self.session.get(Member, member_id)
        return member if member is not None and member.workspace_id == self.workspace_id else None

    def get_by_slack_id(self, slack_user_id: str) -> Member | None:
        # One round trip: the product lines come in the same query (this runs on every request).
        return (
            self.session.execute(
                select(Member)
                .where(Member.workspace_id == self.workspace_id, Member.slack_user_id == slack_user_id)
                .options(
                    joinedload(Member.product_lines),
                    # The manager's name and ID, not theirs: no second query for their product lines.
                    joinedload(Member.manager).options(
                        lazyload(Member.product_lines), lazyload(Member.manager)
                    ),
                )
            )
            .unique()
            .scalar_one_or_none()
        )

    def row_by_slack_id(self, slack_user_id: str) -> Member | None:
        """The member's own row, one statement: manager and product lines load only if touched.

        For the hot paths (a modal's save) that need who the requester is, not whom they relate to.
        """
        return self.session.scalars(
            select(Member)
            .where(Member.workspace_id == self.workspace_id, Member.slack_user_id == slack_user_id)
            .options(lazyload("*"))
        ).one_or_none()

    def card(self, slack_user_id: str) -> MemberCard | None:
        """The member with their manager and product lines: one Core statement, a row per
        product line (read on every request, for the actor, and on every App Home publish)."""
        rows = self.core().execute(_CARD, {"b_workspace": self.workspace_id, "b_user": slack_user_id}).all()
        if not rows:
            return None
        lines = tuple(row[-1] for row in rows if row[-1] is not None)
        return MemberCard._make((*rows[0][:-1], lines))

    def people(self, role: str, *, manager_id: int | None = None, active: bool = True) -> list[Person]:
        """Members in `role` (with `manager_id`, reporting to that manager), active or not, by
        name: one Core statement, for lists that show only who is who (`/pm status team`)."""
        params = {"b_workspace": self.workspace_id, "b_role": role, "b_active": active}
        if manager_id is None:
            rows = self.core().execute(_PEOPLE, params)
        else:
            rows = self.core().execute(_PEOPLE_OF_MANAGER, {**params, "b_manager": manager_id})
        return [Person._make(row) for row in rows]

    def list(self, *, active_only: bool = True, roles: Iterable[str] | None = None) -> Sequence[Member]:
        query = select(Member).where(Member.workspace_id == self.workspace_id)
        if active_only:
            query = query.where(Member.active.is_(True))
        if roles is not None:
            query = query.where(Member.role.in_(list(roles)))
        return self.session.scalars(query.order_by(Member.name, Member.slack_user_id)).unique().all()

    def reports_of(self, manager_id: int) -> Sequence[Member]:
        return (
            self.session.scalars(
                select(Member)
                .where(
                    Member.workspace_id == self.workspace_id,
                    Member.manager_id == manager_id,
                    Member.active.is_(True),
                )
                # Their manager, one row, in the same statement and without its own relations:
                # the caller may hold it only as a card (App Home), not in the session.
                .options(
                    joinedload(Member.manager).options(
                        lazyload(Member.product_lines), lazyload(Member.manager)
                    )
                )
                .order_by(Member.name)
            )
            .unique()
            .all()
        )

    def roster_rows(self) -> Sequence[MemberCard]:
        """Active members, and members Slack deactivated (shown as such), as cards: with their
        manager's Slack ID and name and their product lines.

        Two column queries (the card's columns, as `card` reads them) instead of Member graphs:
        the roster is read on every `/pm team` and can hold hundreds of people.
        """
        rows = self.core().execute(_ROSTER, {"b_workspace": self.workspace_id}).all()
        lines: dict[int, list[str]] = {}
        for member_id, name in self.session.execute(
            select(MemberProductLine.member_id, ProductLine.name)
            .join(ProductLine, ProductLine.id == MemberProductLine.product_line_id)
            .where(MemberProductLine.workspace_id == self.workspace_id)
            .order_by(ProductLine.name)
        ):
            lines.setdefault(member_id, []).append(name)
        return [MemberCard._make((*row, tuple(lines.get(row[0], ())))) for row in rows]

    def roster_version(self) -> tuple[int, str]:
        """Changes whenever the roster does (members touched on every change): a cache key."""
        count, latest = self.session.execute(
            select(func.count(Member.id), func.max(Member.updated_at)).where(
                Member.workspace_id == self.workspace_id
            )
        ).one()
        return int(count), str(latest)

    def count_active(self) -> int:
        return (
            self.session.scalar(
                select(func.count(Member.id)).where(
                    Member.workspace_id == self.workspace_id, Member.active.is_(True)
                )
            )
            or 0
        )

    def add(self, member: Member) -> Member:
        member.workspace_id = self.workspace_id
        self.session.add(member)
        self.session.flush()
        return member


class ProductLineRepository(WorkspaceScoped):
    def get_or_create(self, name: str) -> ProductLine:
        existing = self.session.scalar(
            select(ProductLine).where(
                ProductLine.workspace_id == self.workspace_id,
                func.lower(ProductLine.name) == name.lower(),
            )
        )
        if existing is not None:
            return existing
        line = ProductLine(workspace_id=self.workspace_id, name=name)
        self.session.add(line)
        self.session.flush()
        return line

    def assign(self, member: Member, line: ProductLine, *, now: dt.datetime) -> None:
        """Make `member` an owner of `line` (idempotent)."""
        if any(owned.id == line.id for owned in member.product_lines):
            return
        self.session.add(
            MemberProductLine(workspace_id=self.workspace_id, member_id=member.id, product_line_id=line.id)
        )
        # A roster change: bumps the roster version, even when the caller's clock stands still.
        member.updated_at = max(now, member.updated_at + dt.timedelta(microseconds=1))
        self.session.flush()
        self.session.expire(member, ["product_lines"])

    def list(self) -> Sequence[ProductLine]:
        return self.session.scalars(
            select(ProductLine)
            .where(ProductLine.workspace_id == self.workspace_id)
            .order_by(ProductLine.name)
        ).all()
