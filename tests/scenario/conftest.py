"""The app under test: real Bolt app, real HTTP server, fake Slack, migrated database.

Fixtures only; what scenario modules import lives in tests/support.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.fakeslack import FakeSlack
from tests.support.cli import cli_environment, run_http
from tests.support.harness import SIGNING_SECRET, TEAM_ID, Harness, serve_app


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack(team_id=TEAM_ID, team_name="Acme Bank") as server:
        server.add_user("UADMIN", name="ada", real_name="Ada Admin", tz="Asia/Shanghai", locale="en-US")
        server.add_user("UMGR", name="mei", real_name="Mei Manager", tz="Asia/Shanghai", locale="zh-CN")
        server.add_user("UPM1", name="li", real_name="Li Wei", tz="Asia/Shanghai", locale="zh-CN")
        server.add_user("UPM2", name="sam", real_name="Sam Smith", tz="Europe/London", locale="en-GB")
        server.add_user(
            "UPM3", name="jo", real_name="Jo <!channel> Doe", tz="America/New_York", locale="en-US"
        )
        server.add_user("UBOT2", name="otherbot", is_bot=True)
        server.add_user("UOUT", name="outsider", real_name="Out Sider", tz="UTC", locale="en-US")
        yield server


@pytest.fixture
def settings(fake: FakeSlack, database_url: str) -> Settings:
    return Settings(
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake.api_url,
        DATABASE_URL=database_url,
        PMPULSE_ADMINS=("UADMIN",),
        PMPULSE_DEFAULT_TIMEZONE="Asia/Shanghai",
    )


@pytest.fixture
def harness(fake: FakeSlack, settings: Settings, session_factory: sessionmaker[Session]) -> Iterator[Harness]:
    with serve_app(fake, settings, session_factory) as served:
        fake.clear_calls()
        yield served


@pytest.fixture
def env(fake: FakeSlack, database_url: str) -> dict[str, str]:
    """The shell `pmpulse` runs in, as an operator with one admin configured."""
    return cli_environment(fake, database_url, PMPULSE_ADMINS="UADMIN")


@pytest.fixture
def http_server(env: dict[str, str]) -> Iterator[str]:
    """The URL of `pmpulse run --http`, started in `env`."""
    with run_http(env) as server:
        yield server.url
