"""The app factory: a Bolt App wired to settings, the database and the Slack client."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

import handlers
from bot.config import Settings, secret_value
from bot.deps import AppDeps
from bot.services.workspaces import WorkspaceRef, ensure_workspace
from bot.slack_client import build_web_client

log = logging.getLogger(__name__)

# The bot scopes pmpulse asks for; manifest.yml lists the same, and a test keeps them equal.
# The history scopes let the outbox sender check whether a post of unknown outcome reached Slack.
BOT_SCOPES = (
    "chat:write",
    "commands",
    "im:write",
    "users:read",
    "im:history",
    "channels:history",
    "groups:history",
)


def create_app(
    settings: Settings,
    *,
    session_factory: sessionmaker[Session],
    client: WebClient | None = None,
    clock: Callable[[], object] | None = None,
) -> tuple[App, AppDeps]:
    """Build the Bolt app. In single-workspace mode, auth.test names the workspace."""
    client = client or build_web_client(settings)
    deps = AppDeps(settings=settings, session_factory=session_factory, client=client)
    if clock is not None:
        deps.clock = clock  # type: ignore[assignment]
    if settings.oauth_enabled:
        app = App(
            signing_secret=secret_value(settings.SLACK_SIGNING_SECRET),
            client=build_web_client(settings, token=None),
            oauth_settings=_oauth_settings(settings, session_factory),
            process_before_response=False,
            listener_executor=_listener_executor(),
        )
    else:
        app = App(
            client=client,
            signing_secret=secret_value(settings.SLACK_SIGNING_SECRET),
            process_before_response=False,
            listener_executor=_listener_executor(),
        )
        deps.token_team_id = register_single_workspace(deps).slack_team_id
    handlers.register(app, deps)
    return app, deps


def _listener_executor() -> ThreadPoolExecutor:
    # Bolt's default pool has 5 threads: a few slow Slack calls after an ack would hold
    # up the acknowledgement of every other request waiting for a thread.
    return ThreadPoolExecutor(max_workers=32, thread_name_prefix="pmpulse-listener")


def register_single_workspace(deps: AppDeps) -> WorkspaceRef:
    """The workspace behind the bot token, created on first start."""
    auth = deps.client.auth_test()
    return ensure_workspace(
        deps.session_factory,
        slack_team_id=auth["team_id"],
        name=auth.get("team") or "",
        bot_user_id=auth.get("user_id"),
        default_timezone=deps.settings.PMPULSE_DEFAULT_TIMEZONE,
        default_locale=deps.settings.PMPULSE_DEFAULT_LOCALE,
    )


def _oauth_settings(settings: Settings, session_factory: sessionmaker[Session]) -> OAuthSettings:
    # Imported here: slack_sdk's SQLAlchemy stores pull in SQLAlchemy's asyncio layer.
    from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
    from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore

    engine = session_factory.kw["bind"]
    assert settings.SLACK_CLIENT_ID is not None
    installation_store = SQLAlchemyInstallationStore(client_id=settings.SLACK_CLIENT_ID, engine=engine)
    state_store = SQLAlchemyOAuthStateStore(expiration_seconds=600, engine=engine)
    installation_store.create_tables()  # type: ignore[no-untyped-call]
    state_store.metadata.create_all(engine)
    return OAuthSettings(
        client_id=settings.SLACK_CLIENT_ID,
        client_secret=secret_value(settings.SLACK_CLIENT_SECRET),
        scopes=list(BOT_SCOPES),
        installation_store=installation_store,
        state_store=state_store,
    )
