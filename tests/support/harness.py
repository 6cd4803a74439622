"""The scenario harness: the real Bolt app behind a real HTTP server, and the fake Slack it calls."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from slack_bolt import App
from sqlalchemy.orm import Session, sessionmaker

from bot.app import create_app
from bot.config import Settings
from bot.deps import AppDeps
from bot.fakeslack import FakeSlack, SlackRequestSender
from bot.fakeslack.blockkit import validate_message_blocks
from bot.fakeslack.wire import StopsAtOnce
from bot.slack_client import build_web_client
from bot.web import build_wsgi_app
from storage.roster import Member
from tests.support.factories import add_goal

SIGNING_SECRET = "test-signing-secret"
TEAM_ID = "T0001"
NOW = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)  # a Thursday
WEEK = "2026-W48"  # the week of NOW


class ThreadingWSGIServer(StopsAtOnce, ThreadingMixIn, WSGIServer):
    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class ListenerWork(Executor):
    """Bolt's listener pool, counting what it runs, so a test can wait until the work is done.

    Everything pmpulse does after an ack runs in this pool, so "nothing else happened" is
    checked once it is idle, not after a guess at how long the work takes.
    """

    def __init__(self, inner: Executor) -> None:
        self.inner = inner
        self.futures: list[Future[Any]] = []
        self.lock = threading.Lock()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future = self.inner.submit(fn, *args, **kwargs)
        with self.lock:
            self.futures.append(future)
        return future

    def settle(self, timeout: float = 15) -> None:
        """Until every piece of work submitted so far, and any it submitted, has finished."""
        seen = 0
        while True:
            with self.lock:
                pending = self.futures[seen:]
                seen = len(self.futures)
            if not pending:
                return
            _, not_done = wait(pending, timeout=timeout)
            assert not not_done, f"{len(not_done)} listeners still running after {timeout} s"

    def drain(self, timeout: float) -> None:
        """Wait up to `timeout` for the work submitted so far, whatever its outcome."""
        with self.lock:
            pending = list(self.futures)
        wait(pending, timeout=timeout)

    @classmethod
    def track(cls, app: App) -> ListenerWork:
        runner = app._listener_runner  # Bolt runs each listener's work after the ack in this pool
        tracking = cls(runner.listener_executor)
        runner.listener_executor = tracking
        return tracking


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
    listeners: ListenerWork
    clock: Clock = field(default_factory=Clock)

    @property
    def session_factory(self) -> sessionmaker[Session]:
        return self.deps.session_factory

    def settle(self) -> None:
        """Until the work the app started after its acks has finished."""
        self.listeners.settle()

    def member(self, user_id: str) -> Member | None:
        with self.deps.uow(1) as uow:
            return uow.members.get_by_slack_id(user_id)

    def add_goal(self, user_id: str, **fields: Any) -> int:
        """A goal of `user_id`'s written straight to the database (see factories.add_goal); its id."""
        with self.deps.uow(1) as uow:
            owner = uow.members.get_by_slack_id(user_id)
            assert owner is not None, user_id
            goal = add_goal(uow, owner, **fields)
            uow.commit()
            return goal.id

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


@contextmanager
def serve_app(
    fake: FakeSlack, settings: Settings, session_factory: sessionmaker[Session]
) -> Iterator[Harness]:
    """The app built as `pmpulse run --http` builds it, served on a free port until the block ends."""
    clock = Clock()
    app, deps = create_app(
        settings, session_factory=session_factory, client=build_web_client(settings), clock=clock
    )
    listeners = ListenerWork.track(app)
    server = make_server(
        "127.0.0.1",
        0,
        build_wsgi_app(app, session_factory, signing_secret=SIGNING_SECRET, clock=clock),
        server_class=ThreadingWSGIServer,
        handler_class=QuietHandler,
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    sender = SlackRequestSender(
        app_url=f"{url}/slack/events", signing_secret=SIGNING_SECRET, team_id=TEAM_ID, fake=fake
    )
    try:
        yield Harness(fake=fake, sender=sender, deps=deps, url=url, listeners=listeners, clock=clock)
    finally:
        # What a test left running finishes here, against this test's fake Slack and database,
        # instead of failing later into another test's logs.
        listeners.drain(timeout=15)
        deps.home_refresh.stop()  # an edit's App Home refresh still owed is dropped
        server.shutdown()
        server.server_close()


def seed_team(h: Harness) -> None:
    """Admin (from PMPULSE_ADMINS) adds a manager, who adds two PMs; through Slack, like people do."""
    h.command("UADMIN", "team add <@UMGR|mei> manager")
    h.command("UMGR", "team add <@UPM1|li> pm Credit Cards")
    h.command("UMGR", "team add <@UPM2|sam> pm Deposits")
    h.fake.clear_calls()
