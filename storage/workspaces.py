"""A workspace pmpulse is installed in, and its team settings: schedules, channels, thresholds."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Time, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.base import Base, UTCDateTime, WorkspaceScoped

# Column defaults stamp rows written without a time (a fallback): behaviour-relevant times are
# set by services and repositories from the injected clock they are handed as `now`.
from storage.clock import system_now


class Workspace(Base):
    """A Slack workspace (team) the bot is installed in."""

    __tablename__ = "workspace"

    id: Mapped[int] = mapped_column(primary_key=True)
    slack_team_id: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    bot_user_id: Mapped[str | None] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=system_now)


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


class WorkspaceRepository:
    """Workspaces are the one table looked up across tenants: by Slack team ID."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get_by_team_id(self, slack_team_id: str) -> Workspace | None:
        return self.session.scalar(select(Workspace).where(Workspace.slack_team_id == slack_team_id))

    def list(self) -> Sequence[Workspace]:
        return self.session.scalars(select(Workspace).order_by(Workspace.id)).all()

    def add(self, workspace: Workspace) -> Workspace:
        self.session.add(workspace)
        self.session.flush()
        return workspace


class TeamSettingsRepository(WorkspaceScoped):
    def get(self) -> TeamSettings | None:
        return self.session.get(TeamSettings, self.workspace_id)

    def get_for_update(self) -> TeamSettings | None:
        """The settings, read after taking their write lock until the transaction ends.

        A no-op UPDATE takes the lock (PostgreSQL: the row; SQLite: the database) before the read,
        so a change racing this one waits and then reads what the one before it wrote.
        """
        self.session.execute(
            update(TeamSettings)
            .where(TeamSettings.workspace_id == self.workspace_id)
            .values(updated_at=TeamSettings.updated_at)  # set to itself: no change, no onupdate
            .execution_options(synchronize_session=False)
        )
        return self.session.scalars(
            select(TeamSettings)
            .where(TeamSettings.workspace_id == self.workspace_id)
            .execution_options(populate_existing=True)
        ).one_or_none()

    def add(self, settings: TeamSettings) -> TeamSettings:
        settings.workspace_id = self.workspace_id
        self.session.add(settings)
        self.session.flush()
        return settings
