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
from bot.coalescer import Coalescer
from bot.config import Settings, secret_value
from bot.deps import AppDeps
from bot.runtime import register_single_workspace
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
    # Configured channels: find one by name, check it, and join a public one to post there.
    "channels:read",
    "groups:read",
    "channels:join",
)


# Named here: without a name Bolt calls inspect.stack(), reading the source of every frame of
# the caller's stack, which costs more than the rest of building the app.
APP_NAME = "pmpulse"


def create_app(
    settings: Settings,
    *,
    session_factory: sessionmaker[Session],
    client: WebClient | None = None,
    clock: Callable[[], object] | None = None,
) -> tuple[App, AppDeps]:
    """Build the Bolt app. In single-workspace mode, auth.test names the workspace."""
    client = client or build_web_client(settings)
    listener_executor = _listener_executor()
    deps = AppDeps(
        settings=settings,
        session_factory=session_factory,
        client=client,
        # Trailing App Home refreshes run on the listeners' pool: bounded, and one person's slow
        # Slack call does not hold up everyone else's refresh on the coalescer's one timer thread.
        home_refresh=Coalescer(run_in=listener_executor.submit, name="pmpulse-home-refresh"),
    )
    if clock is not None:
        deps.clock = clock  # type: ignore[assignment]
    if settings.oauth_enabled:
        app = App(
            name=APP_NAME,
            signing_secret=secret_value(settings.SLACK_SIGNING_SECRET),
            client=build_web_client(settings, token=None),
            oauth_settings=_oauth_settings(settings, session_factory),
            process_before_response=False,
            listener_executor=listener_executor,
        )
    else:
        # Bolt takes SLACK_BOT_TOKEN from the environment whenever `token` is not passed, and a
        # `client` passed beside a token makes it warn at every start that the token is unused.
        # So Bolt is given the token and builds its client itself, which is then pointed where
        # ours goes. Its eager auth.test is skipped: register_single_workspace makes that call.
        app = App(
            name=APP_NAME,
            token=client.token,
            token_verification_enabled=False,
            signing_secret=secret_value(settings.SLACK_SIGNING_SECRET),
            process_before_response=False,
            listener_executor=listener_executor,
        )
        _send_like(app.client, client)
        deps.token_team_id = register_single_workspace(deps).slack_team_id
    handlers.register(app, deps)
    return app, deps


def _send_like(bolt_client: WebClient, client: WebClient) -> None:
    """Make Bolt's client (the model for each request's `client`) reach Slack as `client` does."""
    bolt_client.base_url = client.base_url
    bolt_client.timeout = client.timeout
    bolt_client.retry_handlers = list(client.retry_handlers)


def _listener_executor() -> ThreadPoolExecutor:
    # Bolt's default pool has 5 threads: a few slow Slack calls after an ack would hold
    # up the acknowledgement of every other request waiting for a thread.
    return ThreadPoolExecutor(max_workers=32, thread_name_prefix="pmpulse-listener")


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
