"""Start-up shared by the CLI commands: settings, database, workspace."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker

from bot.config import ConfigError, Settings
from bot.deps import AppDeps
from bot.services.workspaces import WorkspaceRef, ensure_workspace, find_workspace
from bot.slack_client import build_web_client
from storage.db import make_engine, make_session_factory, upgrade
from storage.uow import UnitOfWork


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]

    def deps(self) -> AppDeps:
        return AppDeps(self.settings, self.session_factory, build_web_client(self.settings))


def database_failure(exc: Exception) -> str | None:
    """Why the database could not be opened, in one line; None when `exc` is not about that."""
    if isinstance(exc, DBAPIError):
        lines = str(exc.orig if exc.orig is not None else exc).strip().splitlines()
        return (lines[0] if lines else type(exc).__name__).removeprefix("connection failed: ")
    if isinstance(exc, ImportError):  # e.g. postgresql+psycopg2:// without psycopg2
        return f"its driver {exc.name or 'module'} is not installed (pmpulse installs psycopg: postgresql://)"
    if isinstance(exc, NoSuchModuleError):
        return str(exc)
    return None


def connect_database(settings: Settings) -> Engine:
    """An engine that has connected once; ConfigError naming DATABASE_URL and the reason if not."""
    try:
        engine = make_engine(settings.database_url)
        with engine.connect():
            pass
    except (DBAPIError, ImportError, NoSuchModuleError) as exc:
        raise ConfigError(
            f"DATABASE_URL: cannot open the database at {settings.safe_database_url}: {database_failure(exc)}"
        ) from None
    return engine


def open_runtime(settings: Settings, *, migrate: bool = True) -> Runtime:
    engine = connect_database(settings)
    if migrate:
        upgrade(engine)
    return Runtime(settings, engine, make_session_factory(engine))


def register_single_workspace(deps: AppDeps) -> WorkspaceRef:
    """The workspace behind the bot token, created on first start.

    Here rather than beside the app factory: operator commands call it without loading Bolt.
    """
    auth = deps.client.auth_test()
    return ensure_workspace(
        deps.session_factory,
        slack_team_id=auth["team_id"],
        name=auth.get("team") or "",
        bot_user_id=auth.get("user_id"),
        default_timezone=deps.settings.PMPULSE_DEFAULT_TIMEZONE,
        default_locale=deps.settings.PMPULSE_DEFAULT_LOCALE,
    )


def select_workspace(runtime: Runtime, team: str | None) -> WorkspaceRef:
    """`--team` when given; else the bot token's workspace (auth.test); else the only one stored."""
    if team:
        found = find_workspace(runtime.session_factory, team)
        if found is None:
            raise ConfigError(f"--team: no workspace {team!r} in the database")
        return found
    if runtime.settings.SLACK_BOT_TOKEN and not runtime.settings.oauth_enabled:
        return register_single_workspace(runtime.deps())
    with UnitOfWork(runtime.session_factory) as uow:
        teams = [w.slack_team_id for w in uow.workspaces.list()]
    if len(teams) == 1:
        found = find_workspace(runtime.session_factory, teams[0])
        assert found is not None
        return found
    if not teams:
        raise ConfigError(
            "SLACK_BOT_TOKEN: no workspace is stored yet: start pmpulse once with its bot token "
            "(`pmpulse run`), or set SLACK_BOT_TOKEN for this command"
        )
    raise ConfigError(f"--team: several workspaces stored ({', '.join(teams)}); name one")
