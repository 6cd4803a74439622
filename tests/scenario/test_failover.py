"""Scale-out survives a crash: two `pmpulse run --http` processes on one database, one of them killed.

Each replica is a real process (the gunicorn master and its worker, in a process group of their
own) on its own port, sharing one database (a PostgreSQL schema, or a SQLite file and its lock
file) and the in-process fake Slack. What they did is read from the fake's recorded calls, the
outbox table and each replica's log.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from bot.fakeslack import FakeSlack
from bot.scheduler import LEASE_SECONDS, OUTBOX_DRAIN_SECONDS
from storage.outbox_state import OutboxState
from storage.uow import UnitOfWork
from tests.support.cli import cli_environment, free_port, pmpulse_started
from tests.support.cli import pmpulse as run_pmpulse
from tests.support.database import scheduler_lock_holders
from tests.support.delivery import posts_by_key, queue, row
from tests.support.harness import TEAM_ID
from tests.support.warm import WarmProcess

HOLDS = "this process holds the scheduler"
STANDBY = "this one is on standby"
LOST = "lost the scheduler lease"
TICK_SECONDS = 1
TAKEOVER_SECONDS = 30  # the promise: a standby runs the scheduler this soon after the holder died

pytestmark = pytest.mark.slow


@dataclass
class Replica:
    name: str
    process: WarmProcess
    log: Path
    url: str

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_to_log(self, line: str, *, timeout: float, after: int = 0) -> None:
        """Until `line` shows in the log past character `after`."""
        wait_until(lambda: line in self.output()[after:], timeout, lambda: f"{self.name}: {self.output()}")

    def crash(self) -> None:
        """SIGKILL to master and worker alike: no clean-up, no lease released by the process."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


def wait_until(condition: Callable[[], bool], timeout: float, explain: Callable[[], str]) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(explain())
        time.sleep(0.2)


@pytest.fixture
def env(fake: FakeSlack, database_url: str, engine: Engine) -> dict[str, str]:
    """The replicas' environment; the database is migrated first, so they start side by side."""
    # The real scheduler, on a short tick: the catch-up and the standby's ticks without waiting
    # for the wall clock's next minute (`pmpulse run` ticks each minute by default).
    return cli_environment(
        fake, database_url, PMPULSE_ADMINS="UADMIN", PMPULSE_TICK_SECONDS=str(TICK_SECONDS)
    )


@pytest.fixture
def replicas(env: dict[str, str], tmp_path: Path) -> Iterator[Callable[[str], Replica]]:
    started: list[Replica] = []

    def start(name: str) -> Replica:
        port = free_port()
        log = tmp_path / f"{name}.log"
        with log.open("wb") as out:
            process = pmpulse_started(
                {**env, "PORT": str(port)},
                "run",
                "--http",
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: master and worker die together
            )
        replica = Replica(name, process, log, f"http://127.0.0.1:{port}")
        started.append(replica)

        def healthy() -> bool:
            if process.poll() is not None:
                raise AssertionError(f"{name} exited: {replica.output()}")
            try:
                return requests.get(f"{replica.url}/healthz", timeout=5).status_code == 200
            except requests.RequestException:
                return False

        wait_until(healthy, 60, lambda: f"{name} did not start: {replica.output()}")
        return replica

    try:
        yield start
    finally:
        for replica in started:
            replica.stop()


def pmpulse(env: dict[str, str], *args: str) -> None:
    done = run_pmpulse(env, *args, timeout=60)
    assert done.returncode == 0, (args, done.stdout, done.stderr)


def workspace_id(session_factory: sessionmaker[Session]) -> int:
    with UnitOfWork(session_factory) as uow:
        [workspace] = uow.workspaces.list()
    return workspace.id


def start_of_minute(moment: dt.datetime) -> dt.datetime:
    return moment.replace(second=0, microsecond=0)


def test_a_standby_takes_over_the_scheduler_when_the_holder_is_killed_and_sends_the_prompt_once(
    fake: FakeSlack,
    env: dict[str, str],
    replicas: Callable[[str], Replica],
    session_factory: sessionmaker[Session],
) -> None:
    fake.add_user("UPMX", name="kim", real_name="Kim Park", tz="UTC", locale="en-US")
    pmpulse(env, "team", "add", "UPMX", "--role", "pm", "--product", "Mortgages")
    # Not due at start, whatever day the test runs: the catch-up tick has nothing to send yet.
    away = dt.datetime.now(dt.UTC) + dt.timedelta(days=3)
    pmpulse(env, "config", "set", "prompt_day", away.strftime("%a").lower())

    first = replicas("first")
    first.wait_to_log(HOLDS, timeout=30)
    second = replicas("second")
    second.wait_to_log(STANDBY, timeout=30)
    assert HOLDS not in second.output()

    first.crash()
    crashed = time.monotonic()
    crashed_at = dt.datetime.now(dt.UTC)

    # While only the standby lives, a message is queued (another tool, a retry come due): it goes out.
    queue(session_factory, workspace_id(session_factory), ("ops-note:T0001:1", "C0OPS"))
    fake.wait_for("chat.postMessage", lambda c: c.params.get("channel") == "C0OPS", timeout=20)
    wait_until(lambda: row(session_factory, "ops-note:T0001:1").state == OutboxState.SENT, 10, second.output)

    second.wait_to_log(HOLDS, timeout=TAKEOVER_SECONDS - (time.monotonic() - crashed))
    took_over = len(second.output())

    # The week's prompt falls due after the takeover: Kim's prompt day is today, at this minute
    # (Kim is on UTC), so the first tick that reads the new settings owes it. Only the scheduler
    # that took over can send it. Close to midnight, wait for the new day: a prompt is due until
    # the end of its local day.
    if dt.datetime.now(dt.UTC).strftime("%H:%M") == "23:59":
        time.sleep(61 - dt.datetime.now(dt.UTC).second)
    configuring = dt.datetime.now(dt.UTC)
    due = start_of_minute(configuring)
    pmpulse(env, "config", "set", "prompt_day", due.strftime("%a").lower())
    pmpulse(env, "config", "set", "prompt_time", due.strftime("%H:%M"))

    wait = 2 * TICK_SECONDS + LEASE_SECONDS + 3 * OUTBOX_DRAIN_SECONDS
    prompt = fake.wait_for(
        "chat.postMessage",
        lambda c: str((c.params.get("metadata") or {}).get("event_payload", {}).get("key", "")).startswith(
            "status-prompt:"
        ),
        timeout=wait,
    )
    assert prompt.at >= configuring.timestamp() > crashed_at.timestamp()
    # The scheduler it took over keeps ticking on its own timer, not only at its start.
    wait_until(
        lambda: second.output()[took_over:].count("job tick:") >= 3,
        5 * TICK_SECONDS,
        second.output,
    )
    time.sleep(OUTBOX_DRAIN_SECONDS + 1)  # a second send would have happened by now, at any tick

    key = f"status-prompt:{TEAM_ID}:UPMX:{due.strftime('%G-W%V')}"
    prompts = {k: n for k, n in posts_by_key(fake).items() if k.startswith("status-prompt:")}
    assert prompts == {key: 1}
    assert [m["text"] for m in fake.messages("UPMX")] == [prompt.params["text"]]
    wait_until(lambda: row(session_factory, key).state == OutboxState.SENT, 10, second.output)
    assert "Traceback" not in second.output(), second.output()


def test_a_holder_stopped_gracefully_exits_and_hands_the_scheduler_over(
    replicas: Callable[[str], Replica],
) -> None:
    first = replicas("first")
    first.wait_to_log(HOLDS, timeout=30)
    second = replicas("second")
    second.wait_to_log(STANDBY, timeout=30)

    stopping = time.monotonic()
    os.killpg(first.process.pid, signal.SIGTERM)  # what a deploy or `docker stop` sends
    assert first.process.wait(timeout=15) == 0  # nothing of the lease or the timers keeps it alive
    second.wait_to_log(HOLDS, timeout=LEASE_SECONDS + 5)
    assert time.monotonic() - stopping < TAKEOVER_SECONDS

    os.killpg(second.process.pid, signal.SIGTERM)
    assert second.process.wait(timeout=15) == 0
    logs = first.output() + second.output()
    assert "Traceback" not in logs, logs


def test_a_holder_whose_lock_connection_is_killed_stops_its_scheduler(
    replicas: Callable[[str], Replica], engine: Engine
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("the advisory lock lives in a PostgreSQL session")
    first = replicas("first")
    first.wait_to_log(HOLDS, timeout=30)
    second = replicas("second")
    second.wait_to_log(STANDBY, timeout=30)
    marks = {r.name: len(r.output()) for r in (first, second)}

    holders = scheduler_lock_holders(engine)
    assert len(holders) == 1
    with engine.connect() as connection:  # a database restart, or an operator's kill, does this
        connection.execute(text("SELECT pg_terminate_backend(:p)"), {"p": holders[0]})
        connection.commit()

    first.wait_to_log(LOST, timeout=LEASE_SECONDS + 5, after=marks["first"])
    # Someone holds the scheduler again (either replica may win the race), and only one.
    wait_until(
        lambda: HOLDS in first.output()[marks["first"] :] or HOLDS in second.output()[marks["second"] :],
        LEASE_SECONDS + 5,
        lambda: f"nobody took the scheduler back: {first.output()} {second.output()}",
    )
    time.sleep(LEASE_SECONDS)
    assert len(scheduler_lock_holders(engine)) == 1
    took_back = [r for r in (first, second) if HOLDS in r.output()[marks[r.name] :]]
    assert len(took_back) == 1, [r.output() for r in (first, second)]
