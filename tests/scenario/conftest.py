"""The app under test: real Bolt app, real HTTP server, fake Slack, migrated database."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.app import create_app
from bot.config import Settings
from bot.deps import AppDeps
from bot.fakeslack import FakeSlack, SlackRequestSender
from bot.fakeslack.blockkit import validate_message_blocks
from bot.slack_client import build_web_client
from bot.web import build_wsgi_app
from storage.models import Member

SIGNING_SECRET = "test-signing-secret"
TEAM_ID = "T0001"
NOW = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)  # a Thursday


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass
class Clock:
    now: dt.datetime = NOW

    def __call__(self) -> dt.datetime:
        return self.now


@dataclass
class Harness:
    fake: FakeSlack
    sender: SlackRequestSender
    deps: AppDeps
    url: str
    clock: Clock = field(default_factory=Clock)

    @property
    def session_factory(self) -> sessionmaker[Session]:
        return self.deps.session_factory

    def member(self, user_id: str) -> Member | None:
        with self.deps.uow(1) as uow:
            return uow.members.get_by_slack_id(user_id)

    def command(self, user_id: str, text: str) -> dict[str, Any]:
        """Send `/pm text` and return the answer: the ack's body, or else what came to the response URL."""
        response_url = self.fake.response_url()
        reply = self.sender.slash_command(user_id=user_id, text=text, response_url=response_url)
        assert reply.status_code == 200, reply.text
        if reply.text:
            body: dict[str, Any] = reply.json()
            # Slack checks an ack's blocks as it checks a posted message's.
            assert validate_message_blocks(body.get("blocks", [])) == [], body
            return body
        call = self.fake.wait_for("response_url", lambda c: c.params.get("_url") == response_url)
        assert call.status == 200, call.response
        return call.params


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
    clock = Clock()
    app, deps = create_app(
        settings, session_factory=session_factory, client=build_web_client(settings), clock=clock
    )
    server = make_server(
        "127.0.0.1",
        0,
        build_wsgi_app(app, session_factory, signing_secret=SIGNING_SECRET, clock=clock),
        server_class=_ThreadingWSGIServer,
        handler_class=_QuietHandler,
    )
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    sender = SlackRequestSender(
        app_url=f"{url}/slack/events", signing_secret=SIGNING_SECRET, team_id=TEAM_ID, fake=fake
    )
    fake.clear_calls()
    try:
        yield Harness(fake=fake, sender=sender, deps=deps, url=url, clock=clock)
    finally:
        server.shutdown()
        server.server_close()


def seed_team(h: Harness) -> None:
    """Admin (from PMPULSE_ADMINS) adds a manager, who adds two PMs; through Slack, like people do."""
    h.command("UADMIN", "team add <@UMGR|mei> manager")
    h.command("UMGR", "team add <@UPM1|li> pm Credit Cards")
    h.command("UMGR", "team add <@UPM2|sam> pm Deposits")
    h.fake.clear_calls()
