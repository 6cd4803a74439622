"""SQLAlchemy 2.x models. Every row carries its workspace; times are UTC."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    Time,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

# Column defaults stamp rows written without a time (a fallback): behaviour-relevant times are
# set by services and repositories from the injected clock they are handed as `now`.
from storage.clock import system_now

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Workspace(Base):
    """A Slack workspace (team) the bot is installed in."""

    __tablename__ = "workspace"

    id: Mapped[int] = mapped_column(primary_key=True)
    slack_team_id: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    bot_user_id: Mapped[str | None] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=system_now)


ROLES = ("pm", "manager", "admin")


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


class Goal(Base):
    """A SMART goal: a metric moving from a baseline to a target by a due date."""

    __tablename__ = "goal"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id"), index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    product_line_id: Mapped[int | None] = mapped_column(ForeignKey("product_line.id"))
    title: Mapped[str] = mapped_column(String(200))
    metric: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(32), default="")
    baseline: Mapped[float] = mapped_column(Float)
    target: Mapped[float] = mapped_column(Float)
    start_date: Mapped[dt.date] = mapped_column(Date)
    due_date: Mapped[dt.date] = mapped_column(Date)
    direction: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=system_now)

    owner: Mapped[Member] = relationship(lazy="joined")
    product_line: Mapped[ProductLine | None] = relationship(lazy="joined")


class TeamSettings(Base):
    """Per-workspace schedules, channels and early-warning thresholds."""

    __tablename__ = "team_settings"

    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id"), primary_key=True)
    timezone: Mapped[str] = mapped_column(String(64))
    locale: Mapped[str] = mapped_column(String(16))
    digest_channel: Mapped[str | None] = mapped_column(String(32))
    risk_channel: Mapped[str | None] = mapped_column(String(32))
    meeting_channel: Mapped[str | None] = mapped_column(String(32))
    prompt_day: Mapped[int] = mapped_column(Integer, default=3)
    prompt_time: Mapped[dt.time] = mapped_column(Time, default=dt.time(16, 0))
    reminder_day: Mapped[int] = mapped_column(Integer, default=4)
    reminder_time: Mapped[dt.time] = mapped_column(Time, default=dt.time(10, 0))
    digest_day: Mapped[int] = mapped_column(Integer, default=4)
    digest_time: Mapped[dt.time] = mapped_column(Time, default=dt.time(17, 0))
    meeting_day: Mapped[int] = mapped_column(Integer, default=0)
    meeting_time: Mapped[dt.time] = mapped_column(Time, default=dt.time(10, 0))
    one_on_one_cadence_days: Mapped[int] = mapped_column(Integer, default=30)
    thresholds: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=system_now, onupdate=system_now)


class AuditEntry(Base):
    """Who created, changed or viewed a sensitive record, and when."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id"), index=True)
    actor: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(32))
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=system_now, index=True)


class ProcessedEvent(Base):
    """Slack event IDs already handled, so a redelivered event runs once."""

    __tablename__ = "processed_event"

    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id"), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=system_now, index=True)


class SeenRequest(Base):
    """Signed Slack requests already accepted, so a byte-identical replay is processed once.

    Keyed by a digest of the signature and its timestamp, which together name one signed body.
    Not per workspace: replays are refused before the body is trusted enough to name one.
    Rows older than Slack's signature window can be deleted: such a replay fails the signature check.
    """

    __tablename__ = "seen_request"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    signed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)


# --- delivery ---------------------------------------------------------------------------------

# `sending`: claimed by a sender, the call maybe under way; a row left there past its lease is
# checked against Slack before it is sent again (bot.delivery.sender).
OUTBOX_STATES = ("pending", "sending", "sent", "failed")


class OutboxMessage(Base):
    """A Slack call to make exactly once, identified by its delivery key.

    `channel` may name a member instead of a channel ("@U123"): the sender opens the
    DM once and stores it. `thread_of` names the delivery key of a parent message;
    the reply is sent after the parent, into its thread.
    """

    __tablename__ = "outbox"
    __table_args__ = (UniqueConstraint("workspace_id", "delivery_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id"), index=True)
    delivery_key: Mapped[str] = mapped_column(String(255))
    method: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    thread_of: Mapped[str | None] = mapped_column(String(255))
    state: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=system_now, index=True)
    last_error: Mapped[str | None] = mapped_column(Text)
    channel: Mapped[str | None] = mapped_column(String(32))
    ts: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=system_now)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


# --- weekly status updates ----------------------------------------------------------------------


class StatusUpdate(Base):
    """A PM's answer for one ISO week: submitted, or skipped (leave, holiday)."""

    __tablename__ = "status_update"
    __table_args__ = (
        UniqueConstraint("workspace_id", "member_id", "week"),
        # A team's week at once (digest, reminders): SQLite picks it over the unique index above.
        Index("ix_status_update_workspace_week", "workspace_id", "week", "member_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    week: Mapped[str] = mapped_column(String(8), index=True)
    state: Mapped[str] = mapped_column(String(16))
    progress: Mapped[str] = mapped_column(Text, default="")
    plans: Mapped[str] = mapped_column(Text, default="")
    health: Mapped[str | None] = mapped_column(String(8))
    health_reason: Mapped[str] = mapped_column(Text, default="")
    topic: Mapped[str] = mapped_column(Text, default="")
    risk: Mapped[str] = mapped_column(Text, default="")
    revision: Mapped[int] = mapped_column(Integer, default=1)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=system_now)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=system_now)

    member: Mapped[Member] = relationship(lazy="joined")
    blockers: Mapped[list[Blocker]] = relationship(
        lazy="selectin", order_by="Blocker.position", back_populates="update", cascade="all, delete-orphan"
    )


class StatusRevision(Base):
    """The history of an update: a snapshot of each version, kept when it is edited."""

    __tablename__ = "status_revision"
    # One row per version: two submissions racing must not both become "version 3".
    __table_args__ = (UniqueConstraint("update_id", "revision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id"), index=True)
    update_id: Mapped[int] = mapped_column(ForeignKey("status_update.id"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=system_now)


class Blocker(Base):
    """One line of a status update's blockers; resolved later, from Slack."""

    __tablename__ = "blocker"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id"), index=True)
    update_id: Mapped[int] = mapped_column(ForeignKey("status_update.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(Text)
    resolved: Mapped[bool] = mapped_column(Boolean, default=False)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=system_now)

    update: Mapped[StatusUpdate] = relationship(back_populates="blockers")


class KpiValue(Base):
    """A goal's metric as reported for one week."""

    __tablename__ = "kpi_value"
    __table_args__ = (
        UniqueConstraint("workspace_id", "goal_id", "week"),
        Index("ix_kpi_value_workspace_week", "workspace_id", "week", "goal_id"),  # a team's week at once
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id"), index=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("goal.id"), index=True)
    week: Mapped[str] = mapped_column(String(8))
    value: Mapped[float] = mapped_column(Float)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=system_now)


class Leave(Base):
    """A member away from `start_date` to `end_date` (inclusive): no prompts, not counted missing."""

    __tablename__ = "leave"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=system_now)


class DigestPost(Base):
    """The weekly digest as posted: where, so late edits can be noted in its thread."""

    __tablename__ = "digest_post"
    __table_args__ = (UniqueConstraint("workspace_id", "week"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id"), index=True)
    week: Mapped[str] = mapped_column(String(8))
    delivery_key: Mapped[str] = mapped_column(String(255))
    posted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=system_now)
