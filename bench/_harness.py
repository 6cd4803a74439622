"""What the HTTP benchmarks share: servers as subprocesses, the bare Bolt floor, signed load, CPU.

Used by `bench/ack_latency.py` and `bench/burst.py`, never collected by pytest. Everything runs
on 127.0.0.1: the fake Slack Web API lives in the benchmark's own process, each server is a
subprocess in its own process group (gunicorn master plus workers), and the load comes from
closed-loop client threads, one keep-alive connection each.

Run as a script (`_harness.py --serve-bare PORT`), it serves the bare Bolt app: every slash
command, button and view submission is acknowledged and nothing else is done, under the
project's own gunicorn setup (`bot.server.serve`), so the difference to pmpulse is pmpulse's work.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from bot.fakeslack.signing import sign

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment

    from bot.fakeslack import FakeSlack
    from bot.services.workspaces import WorkspaceRef
    from bot.web import WsgiApp

HOST = "127.0.0.1"
TEAM_ID = "T0001"
SIGNING_SECRET = "bench-signing-secret"
BOT_TOKEN = "xoxb-test"
EVENTS_PATH = "/slack/events"
FORM = "application/x-www-form-urlencoded"
REQUEST_TIMEOUT = 10.0  # seconds; Bolt gives up on an unacknowledged request after 3
STARTUP_TIMEOUT = 60.0
STOP_TIMEOUT = 15.0
HARNESS = Path(__file__).resolve()


# -- results ---------------------------------------------------------------------------------------


@dataclass
class PhaseResult:
    """What one load phase measured: per-request latencies of successful (HTTP 200) requests."""

    target: str
    command: str
    latencies: list[float] = field(default_factory=list)
    by_kind: dict[str, list[float]] = field(default_factory=dict)  # the same latencies, per request kind
    statuses: Counter[int] = field(default_factory=Counter)  # HTTP status of every answered request
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    elapsed: float = 0.0
    server_cpu: float | None = None  # CPU seconds the server processes used during the phase

    @property
    def completed(self) -> int:
        return len(self.latencies)

    @property
    def rate(self) -> float:
        return self.completed / self.elapsed if self.elapsed > 0 else 0.0

    def percentile_ms(self, pct: float) -> float:
        return percentile_ms(self.latencies, pct)

    @property
    def max_ms(self) -> float:
        return max(self.latencies) * 1000 if self.latencies else float("nan")

    def slower_than(self, seconds: float) -> int:
        """Requests answered (whatever the status) later than `seconds`: Slack has given up on them."""
        return sum(1 for latency in self.latencies if latency > seconds)

    @property
    def cpu_ms_per_request(self) -> float:
        """Server CPU per acknowledged request (NaN where /proc is not available)."""
        if self.server_cpu is None or not self.latencies:
            return float("nan")
        return self.server_cpu / len(self.latencies) * 1000


def percentile_ms(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile of seconds, in milliseconds (NaN without data)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(pct / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1] * 1000


# -- load generation -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignedRequest:
    """One request to send: `kind` names it in the results; it is signed when it is sent.

    `tag` is what the answer is found by afterwards (a response_url, a trigger id, a PM's ID)."""

    kind: str
    body: str
    tag: str = ""
    content_type: str = FORM


# Called for every HTTP 200 answer: the request, the answer's body, its wall-clock send time.
OnReply = Callable[[SignedRequest, bytes, float], None]


class LoadGenerator:
    """Signed requests from N client threads, one keep-alive connection per thread (closed loop)."""

    def __init__(self, port: int, *, stop: threading.Event, signing_secret: str = SIGNING_SECRET) -> None:
        self.port = port
        self.stop = stop
        self.signing_secret = signing_secret
        self._lock = threading.Lock()

    def _headers(self, request: SignedRequest) -> dict[str, str]:
        ts = int(time.time())
        return {
            "Content-Type": request.content_type,
            "X-Slack-Request-Timestamp": str(ts),
            "X-Slack-Signature": sign(self.signing_secret, ts, request.body),
        }

    def run(
        self,
        target: str,
        command: str,
        make: Callable[[], SignedRequest],
        *,
        requests: int,
        seconds: float,
        concurrency: int,
        on_reply: OnReply | None = None,
    ) -> PhaseResult:
        """Send up to `requests` requests built by `make` (or for at most `seconds`) and time each.

        `make` and `on_reply` are called under the generator's lock, so they need none of their own.
        """
        result = PhaseResult(target, command)
        remaining = [requests]
        started = time.perf_counter()
        deadline = started + seconds
        last_done = [started]

        def claim() -> SignedRequest | None:
            with self._lock:
                if remaining[0] <= 0 or self.stop.is_set() or time.perf_counter() >= deadline:
                    return None
                remaining[0] -= 1
                return make()

        def worker() -> None:
            conn: http.client.HTTPConnection | None = None
            while (request := claim()) is not None:
                headers = self._headers(request)
                active = conn or http.client.HTTPConnection(HOST, self.port, timeout=REQUEST_TIMEOUT)
                conn = active
                sent_at, t0 = time.time(), time.perf_counter()
                try:
                    active.request("POST", EVENTS_PATH, body=request.body.encode(), headers=headers)
                    resp = active.getresponse()
                    payload = resp.read()
                    elapsed = time.perf_counter() - t0
                    if resp.will_close:
                        active.close()
                        conn = None
                except (OSError, http.client.HTTPException) as exc:
                    active.close()
                    conn = None
                    self._record_error(result, f"{type(exc).__name__}: {exc}")
                    continue
                with self._lock:
                    last_done[0] = max(last_done[0], t0 + elapsed)
                    result.statuses[resp.status] += 1
                    if resp.status == 200:
                        result.latencies.append(elapsed)
                        result.by_kind.setdefault(request.kind, []).append(elapsed)
                        if on_reply is not None:
                            on_reply(request, payload, sent_at)
                    else:
                        result.errors += 1
                        if len(result.error_samples) < 3:
                            result.error_samples.append(f"HTTP {resp.status}: {payload[:200]!r}")
            if conn is not None:
                conn.close()

        threads = [
            threading.Thread(target=worker, name=f"client-{i}", daemon=True) for i in range(concurrency)
        ]
        for thread in threads:
            thread.start()
        join_all(threads, seconds + REQUEST_TIMEOUT + 5, self.stop)
        result.elapsed = last_done[0] - started
        return result

    def _record_error(self, result: PhaseResult, message: str) -> None:
        with self._lock:
            result.errors += 1
            if len(result.error_samples) < 3:
                result.error_samples.append(message)


def join_all(threads: Iterable[threading.Thread], timeout: float, stop: threading.Event) -> None:
    """Join threads in short slices so Ctrl-C is seen; give up (they are daemons) after `timeout`."""
    deadline = time.monotonic() + timeout
    try:
        for thread in threads:
            while thread.is_alive() and time.monotonic() < deadline:
                thread.join(0.2)
    except KeyboardInterrupt:
        stop.set()
        raise


# -- subprocesses ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def pmpulse_command() -> str | None:
    """The `pmpulse` console script of this environment (else of PATH), or None."""
    beside = Path(sys.executable).parent / "pmpulse"
    return str(beside) if beside.exists() else shutil.which("pmpulse")


class ServerProcess:
    """A server subprocess in its own process group (gunicorn master plus workers)."""

    def __init__(self, name: str, argv: Sequence[str], env: dict[str, str], port: int, log: Path) -> None:
        self.name, self.argv, self.port, self.log_path = name, list(argv), port, log
        # gunicorn 25.1+ opens a control socket at $XDG_RUNTIME_DIR/gunicorn.ctl (else ~/.gunicorn/):
        # two servers alive at once, or a stale one, would share it. Each server gets a directory.
        runtime_dir = log.parent / f"{name}-run"
        runtime_dir.mkdir(mode=0o700, exist_ok=True)
        self.env = {**env, "XDG_RUNTIME_DIR": str(runtime_dir)}
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    def start(self) -> None:
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                self.argv,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_healthy(self, timeout: float = STARTUP_TIMEOUT) -> None:
        """Poll GET /healthz until it answers 200; fail with the log tail if the process dies."""
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}:\n{self.log_tail()}")
            conn = http.client.HTTPConnection(HOST, self.port, timeout=2)
            try:
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    return
            except (OSError, http.client.HTTPException):
                pass
            finally:
                conn.close()
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} not healthy after {timeout:.0f}s:\n{self.log_tail()}")

    def stop(self) -> None:
        """SIGTERM the process group; SIGKILL it after STOP_TIMEOUT or on a second Ctrl-C."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        try:
            if proc.poll() is None:
                _signal_group(proc.pid, signal.SIGTERM)
                proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            pass
        finally:
            # Whatever is left of the group (gunicorn master and workers) goes now.
            _signal_group(proc.pid, signal.SIGKILL)
            with suppress(subprocess.TimeoutExpired):
                proc.wait(5)

    def cpu_seconds(self) -> float | None:
        """User+system CPU of the live processes in the server's process group (Linux /proc), or None."""
        if self.proc is None:
            return None
        total = 0
        try:
            for stat in Path("/proc").glob("[0-9]*/stat"):
                try:
                    fields = stat.read_text().rsplit(")", 1)[1].split()
                except (OSError, IndexError):
                    continue  # the process went away meanwhile
                if int(fields[2]) == self.proc.pid:  # pgrp
                    total += int(fields[11]) + int(fields[12])  # utime + stime, in clock ticks
        except OSError:
            return None
        return total / os.sysconf("SC_CLK_TCK")

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:]) or "(no log)"


def interrupt_on_sigterm() -> None:
    """SIGTERM stops a benchmark as Ctrl-C does: through KeyboardInterrupt, so servers are stopped."""

    def raise_interrupt(signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, raise_interrupt)


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


@contextmanager
def running(server: ServerProcess) -> Iterator[ServerProcess]:
    server.start()
    try:
        server.wait_healthy()
        yield server
    finally:
        server.stop()


def clean_env(**extra: str) -> dict[str, str]:
    """The current environment without settings that would leak into the servers, plus `extra`."""
    drop = ("SLACK_", "PMPULSE_", "DATABASE_URL", "PORT", "GUNICORN_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env.update(extra)
    return env


def pmpulse_server(
    command: str,
    fake: FakeSlack,
    *,
    database_url: str,
    server_args: Sequence[str],
    workdir: Path,
    admins: str,
) -> ServerProcess:
    """`pmpulse run --http` on a free port, its Slack the fake and its database `database_url`."""
    port = free_port()
    env = clean_env(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake.api_url,
        DATABASE_URL=database_url,
        PORT=str(port),
        PMPULSE_ADMINS=admins,
    )
    return ServerProcess(
        "pmpulse", [command, "run", "--http", *server_args], env, port, workdir / "pmpulse.log"
    )


def bare_server(fake: FakeSlack, *, server_args: Sequence[str], workdir: Path) -> ServerProcess:
    """The bare Bolt app (this module's `--serve-bare`) on a free port of 127.0.0.1."""
    port = free_port()
    env = clean_env(SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=fake.api_url)
    argv = [sys.executable, str(HARNESS), "--serve-bare", str(port), *server_args]
    return ServerProcess("bare", argv, env, port, workdir / "bare.log")


# -- the database ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Seat:
    """One person on the benchmark's roster; `manager` indexes an earlier seat."""

    slack_user_id: str
    role: str  # admin, manager or pm
    name: str
    timezone: str
    slack_locale: str
    manager: int | None = None
    product_lines: frozenset[int] = frozenset()  # indexes into the product line names


def seed_roster(
    fake: FakeSlack, database_url: str, seats: Sequence[Seat], product_lines: Sequence[str]
) -> WorkspaceRef:
    """Migrate a fresh database, register team T0001 and put `seats` on its roster (and in the fake)."""
    from bot.services.workspaces import ensure_workspace
    from storage.db import make_engine, make_session_factory, upgrade
    from storage.roster import Member, MemberProductLine
    from storage.uow import UnitOfWork

    engine = make_engine(database_url)
    upgrade(engine)
    factory = make_session_factory(engine)
    workspace = ensure_workspace(
        factory,
        slack_team_id=TEAM_ID,
        name=fake.team_name,
        bot_user_id=fake.bot_user_id,
        default_timezone="UTC",
        default_locale="en",
    )
    with UnitOfWork(factory, workspace.id) as uow:
        lines = [uow.product_lines.get_or_create(name) for name in product_lines]
        people: list[Member] = []
        for seat in seats:
            fake.add_user(
                seat.slack_user_id,
                name=seat.name,
                real_name=f"{seat.role.title()} {seat.name}",
                tz=seat.timezone,
                locale=seat.slack_locale,
            )
            member = Member(
                workspace_id=workspace.id,
                slack_user_id=seat.slack_user_id,
                name=seat.name,
                role=seat.role,
                timezone=seat.timezone,
                locale="zh-CN" if seat.slack_locale.startswith("zh") else "en",
                active=True,
            )
            if seat.manager is not None:
                member.manager = people[seat.manager]
            people.append(member)
        uow.session.add_all(people)
        uow.session.flush()
        # Member.product_lines is view-only: ownership rows are written as the roster service writes them.
        uow.session.add_all(
            MemberProductLine(workspace_id=workspace.id, member_id=member.id, product_line_id=lines[j].id)
            for member, seat in zip(people, seats, strict=True)
            for j in sorted(seat.product_lines)
        )
        uow.commit()
    engine.dispose()
    return workspace


def postgres_schema(url: str) -> tuple[str, str]:
    """A fresh schema on the PostgreSQL server of `url`: (a URL whose search_path is it, its name)."""
    from sqlalchemy import create_engine, make_url, text

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    base = make_url(url).set(drivername="postgresql+psycopg")
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    scoped = base.update_query_dict({"options": f"-csearch_path={schema}"})
    return scoped.render_as_string(hide_password=False), schema


def drop_postgres_schema(url: str, schema: str) -> None:
    from sqlalchemy import create_engine, make_url, text

    engine = create_engine(make_url(url).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


# -- the bare Bolt app (--serve-bare) --------------------------------------------------------------


def serve_bare(port: int, *, workers: int, threads: int) -> int:
    """Serve a Bolt app that only acks (`/pm`, buttons, view submissions) with the project's gunicorn."""
    from bot.server import serve

    def app_factory() -> WsgiApp:
        from slack_bolt import Ack, App
        from slack_bolt.adapter.wsgi import SlackRequestHandler
        from slack_sdk import WebClient

        client = WebClient(token=BOT_TOKEN, base_url=os.environ["SLACK_API_URL"])
        app = App(
            client=client,
            signing_secret=os.environ["SLACK_SIGNING_SECRET"],
            token_verification_enabled=False,
            process_before_response=False,
        )

        def only_ack(ack: Ack) -> None:
            ack()

        app.command("/pm")(only_ack)
        app.action(re.compile(".+"))(only_ack)
        app.view(re.compile(".+"))(only_ack)
        slack = SlackRequestHandler(app, path=EVENTS_PATH)

        def wsgi(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
            if environ.get("PATH_INFO") == "/healthz":
                start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
                return [b"ok"]
            return slack(environ, start_response)

        return wsgi

    serve(app_factory, port=port, host=HOST, workers=workers, threads=threads)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Serve the bare Bolt app (benchmarks start this).")
    parser.add_argument("--serve-bare", type=int, metavar="PORT", required=True)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--threads", type=int, default=16)
    args = parser.parse_args(argv)
    return serve_bare(args.serve_bare, workers=args.workers, threads=args.threads)


if __name__ == "__main__":
    sys.exit(main())
