"""Ack latency of `/pm` slash commands in HTTP mode: pmpulse against a bare Bolt app.

Run by hand, never from the test suite (see bench/README.md):

    .venv/bin/python bench/ack_latency.py [--requests 2000] [--seconds 15] [--concurrency 20]

It starts the fake Slack Web API in-process, seeds a throwaway SQLite roster, starts
`pmpulse run --http` as a subprocess and fires signed `/pm help` and `/pm team` slash
commands at it from a pool of client threads, timing each request until its HTTP
response (the ack) arrives. Then it does the same against a Bolt app whose listener
only calls ack(), served by the same gunicorn setup (`--serve-bare PORT` mode of this
script), and compares the two. All traffic goes to 127.0.0.1 (the fake and the bare app
bind there; `pmpulse run` binds 0.0.0.0 because bot/runner.py passes no host).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from bot.fakeslack.signing import sign

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment

    from bot.fakeslack import FakeSlack
    from bot.web import WsgiApp

HOST = "127.0.0.1"
TEAM_ID = "T0001"
SIGNING_SECRET = "bench-signing-secret"
BOT_TOKEN = "xoxb-test"
ADMIN_ID = "UBENCHADMIN"
EVENTS_PATH = "/slack/events"
COMMANDS = ("help", "team")
REQUEST_TIMEOUT = 10.0  # seconds; Bolt gives up on an unacknowledged request after 3
STARTUP_TIMEOUT = 60.0
STOP_TIMEOUT = 15.0
DRAIN_TIMEOUT = 60.0
P99_TARGET_MS = 100.0
THROUGHPUT_TARGET = 0.40
PRODUCT_LINES = (
    "Credit Cards",
    "Deposits",
    "Personal Loans",
    "Mortgages",
    "Wealth",
    "Payments",
    "FX",
    "SME Lending",
    "Mobile Banking",
    "Insurance",
    "Trade Finance",
    "Cash Management",
)
TIMEZONES = ("Asia/Shanghai", "Europe/London", "America/New_York", "UTC", "Asia/Singapore")
LOCALES = ("en-US", "zh-CN", "en-GB")


# -- results ---------------------------------------------------------------------------------------


@dataclass
class PhaseResult:
    """What one load phase measured: per-request ack latencies of successful requests."""

    target: str
    command: str
    latencies: list[float] = field(default_factory=list)
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


class LoadGenerator:
    """Signed slash commands from N client threads, one keep-alive connection per thread."""

    def __init__(self, fake: FakeSlack, port: int, *, user_id: str, stop: threading.Event) -> None:
        self.fake = fake
        self.port = port
        self.user_id = user_id
        self.stop = stop
        # response_url -> (command, wall-clock send time), for acknowledged requests
        self.sent_urls: dict[str, tuple[str, float]] = {}
        # command -> one flag per answer that came inside the ack itself (good or not)
        self.in_ack: dict[str, list[bool]] = {command: [] for command in COMMANDS}
        self._lock = threading.Lock()

    def _body(self, text: str, response_url: str) -> str:
        return urlencode(
            {
                "token": "verification-token",
                "team_id": TEAM_ID,
                "team_domain": self.fake.team_domain,
                "channel_id": "C0001",
                "channel_name": "general",
                "user_id": self.user_id,
                "user_name": self.user_id.lower(),
                "command": "/pm",
                "text": text,
                "api_app_id": self.fake.app_id,
                "is_enterprise_install": "false",
                "response_url": response_url,
                "trigger_id": f"{int(time.time())}.1.bench",
            }
        )

    @staticmethod
    def _headers(body: str) -> dict[str, str]:
        ts = int(time.time())
        return {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": str(ts),
            "X-Slack-Signature": sign(SIGNING_SECRET, ts, body),
        }

    def run(
        self, target: str, command: str, *, requests: int, seconds: float, concurrency: int
    ) -> PhaseResult:
        """Send up to `requests` commands (or for at most `seconds`) and time each ack."""
        result = PhaseResult(target, command)
        remaining = [requests]
        started = time.perf_counter()
        deadline = started + seconds
        last_done = [started]

        def claim() -> bool:
            with self._lock:
                if remaining[0] <= 0 or self.stop.is_set() or time.perf_counter() >= deadline:
                    return False
                remaining[0] -= 1
                return True

        def worker() -> None:
            conn: http.client.HTTPConnection | None = None
            while claim():
                response_url = self.fake.response_url()
                body = self._body(command, response_url)
                headers = self._headers(body)
                active = conn or http.client.HTTPConnection(HOST, self.port, timeout=REQUEST_TIMEOUT)
                conn = active
                sent_at, t0 = time.time(), time.perf_counter()
                try:
                    active.request("POST", EVENTS_PATH, body=body.encode(), headers=headers)
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
                    if resp.status == 200:
                        result.latencies.append(elapsed)
                        if payload:
                            self.in_ack[command].append(answer_is_good(command, payload))
                        else:
                            self.sent_urls[response_url] = (command, sent_at)
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


class ServerProcess:
    """A server subprocess in its own process group (gunicorn master plus workers)."""

    def __init__(self, name: str, argv: Sequence[str], env: dict[str, str], port: int, log: Path) -> None:
        self.name, self.argv, self.env, self.port, self.log_path = name, list(argv), env, port, log
        self.proc: subprocess.Popen[bytes] | None = None

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

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


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


# -- the database ----------------------------------------------------------------------------------


def seed(fake: FakeSlack, database_url: str, members: int) -> dict[str, int]:
    """Migrate a fresh database and put `members` people on the roster (and in the fake's directory)."""
    from bot.services.workspaces import ensure_workspace
    from storage.db import make_engine, make_session_factory, upgrade
    from storage.models import Member, MemberProductLine
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
    admins = max(1, members // 100)
    managers = max(1, members // 10)
    counts = {"admin": 0, "manager": 0, "pm": 0}
    with UnitOfWork(factory, workspace.id) as uow:
        lines = [uow.product_lines.get_or_create(name) for name in PRODUCT_LINES]
        people: list[Member] = []
        owned: list[set[int]] = []
        for i in range(members):
            if i < admins:
                role, user_id = "admin", ADMIN_ID if i == 0 else f"UADM{i:05d}"
            elif i < admins + managers:
                role, user_id = "manager", f"UMGR{i:05d}"
            else:
                role, user_id = "pm", f"UPM{i:05d}"
            slack_locale = "en-US" if user_id == ADMIN_ID else LOCALES[i % len(LOCALES)]
            tz = TIMEZONES[i % len(TIMEZONES)]
            name = f"{role}{i:04d}"
            fake.add_user(user_id, name=name, real_name=f"{role.title()} {i:04d}", tz=tz, locale=slack_locale)
            member = Member(
                workspace_id=workspace.id,
                slack_user_id=user_id,
                name=name,
                role=role,
                timezone=tz,
                locale="zh-CN" if slack_locale.startswith("zh") else "en",
                active=True,
            )
            if role == "manager":
                member.manager = people[i % admins]
                owned.append({i % len(lines)})
            elif role == "pm":
                member.manager = people[admins + i % managers]
                owned.append({i % len(lines), (i * 7) % len(lines)})
            else:
                owned.append(set())
            people.append(member)
            counts[role] += 1
        uow.session.add_all(people)
        uow.session.flush()
        # Member.product_lines is view-only: ownership rows are written as the roster service writes them.
        uow.session.add_all(
            MemberProductLine(workspace_id=workspace.id, member_id=member.id, product_line_id=lines[j].id)
            for member, indexes in zip(people, owned, strict=True)
            for j in indexes
        )
        uow.commit()
    engine.dispose()
    return counts


# -- the bare Bolt app (--serve-bare) --------------------------------------------------------------


def serve_bare(port: int, *, workers: int, threads: int) -> int:
    """Serve a Bolt app whose `/pm` listener only acks, with the project's gunicorn setup."""
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

        @app.command("/pm")
        def pm(ack: Ack) -> None:
            ack()

        slack = SlackRequestHandler(app, path=EVENTS_PATH)

        def wsgi(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
            if environ.get("PATH_INFO") == "/healthz":
                start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
                return [b"ok"]
            return slack(environ, start_response)

        return wsgi

    serve(app_factory, port=port, host=HOST, workers=workers, threads=threads)
    return 0


# -- checking the work done after the ack ----------------------------------------------------------


def answer_is_good(command: str, payload: bytes) -> bool:
    """An answer carried by the ack: JSON with blocks, and for the roster, the PMs listed."""
    from bot.fakeslack.blockkit import validate_message_blocks

    try:
        body = json.loads(payload)
    except ValueError:
        return False
    blocks = body.get("blocks") or []
    if not blocks or validate_message_blocks(blocks):
        return False
    return command != "team" or "Product managers" in json.dumps(blocks)


@dataclass
class Answers:
    """response_url POSTs pmpulse made, per command."""

    expected: dict[str, int]
    answered: dict[str, int]
    ok: dict[str, int]
    failed: dict[str, int]
    apologies: dict[str, int]
    samples: list[str]
    waited: float
    delays: dict[str, list[float]]  # seconds from sending the command to its response_url answer


def collect_answers(
    fake: FakeSlack, sent: dict[str, tuple[str, float]], timeout: float = DRAIN_TIMEOUT
) -> Answers:
    """Wait until every acknowledged request was answered (or nothing new arrives) and classify them."""
    from bot.i18n import t

    apology_texts = {t("en", "error.generic"), t("zh-CN", "error.generic")}
    started = time.monotonic()
    last_count, last_change = -1, started
    while True:
        count = sum(1 for c in fake.calls_to("response_url") if c.params.get("_url") in sent)
        now = time.monotonic()
        if count != last_count:
            last_count, last_change = count, now
        if count >= len(sent) or now - last_change > 10 or now - started > timeout:
            break
        time.sleep(0.25)
    expected = dict.fromkeys(COMMANDS, 0)
    for command, _ in sent.values():
        expected[command] += 1
    answered, ok, failed, apologies = (dict.fromkeys(COMMANDS, 0) for _ in range(4))
    samples: list[str] = []
    delays: dict[str, list[float]] = {command: [] for command in COMMANDS}
    seen: set[str] = set()
    for call in fake.calls_to("response_url"):
        url = call.params.get("_url")
        if url not in sent or url in seen:
            continue
        kind, sent_at = sent[str(url)]
        seen.add(str(url))
        answered[kind] += 1
        delays[kind].append(call.at - sent_at)
        good = call.status == 200 and call.response.get("ok") is True
        if call.params.get("text") in apology_texts:
            apologies[kind] += 1
            good = False
        if kind == "team" and not call.params.get("blocks"):
            good = False
        if good:
            ok[kind] += 1
        else:
            failed[kind] += 1
            if len(samples) < 3:
                samples.append(f"{kind}: {call.status} {json.dumps(call.response)[:200]}")
    return Answers(expected, answered, ok, failed, apologies, samples, time.monotonic() - started, delays)


# -- orchestration ---------------------------------------------------------------------------------


def run_phases(
    name: str,
    load: LoadGenerator,
    server: ServerProcess,
    args: argparse.Namespace,
    log: Callable[[str], None],
) -> list[PhaseResult]:
    """Warm up with both commands, then one measured phase per command."""
    for command in COMMANDS:
        load.run(name, command, requests=args.warmup, seconds=args.seconds, concurrency=args.concurrency)
    results = []
    for command in COMMANDS:
        cpu_before = server.cpu_seconds()
        result = load.run(
            name, command, requests=args.requests, seconds=args.seconds, concurrency=args.concurrency
        )
        cpu_after = server.cpu_seconds()
        if cpu_before is not None and cpu_after is not None:
            result.server_cpu = cpu_after - cpu_before
        log(
            f"  {name:8} /pm {command:5} {result.completed:6d} ok {result.errors:4d} errors  "
            f"{result.rate:8.1f} req/s  p50 {result.percentile_ms(50):7.1f} ms  "
            f"p99 {result.percentile_ms(99):7.1f} ms  max {result.max_ms:7.1f} ms  "
            f"server CPU {result.cpu_ms_per_request:5.1f} ms/req  (load avg {os.getloadavg()[0]:.2f})"
        )
        for sample in result.error_samples:
            log(f"    error: {sample}")
        results.append(result)
    return results


def print_in_ack(in_ack: dict[str, list[bool]]) -> bool:
    """Answers that came in the ack body (quick reads need no second round trip)."""
    print("answers carried by the ack itself:")
    good = True
    for command in COMMANDS:
        flags = in_ack[command]
        print(f"  /pm {command:4}  answered in ack {len(flags):6d}  ok {sum(flags):6d}")
        good = good and all(flags)
    return good


def print_summary(pm: list[PhaseResult], bare: list[PhaseResult], answers: Answers) -> bool:
    """The comparison table and the verdict; True when every target is met."""
    print()
    print("Summary (ack latency = time until the HTTP response to the slash command)")
    header = (
        f"{'target':8}  {'command':8}  {'acked':>6}  {'errors':>6}  {'req/s':>8}  "
        f"{'p50 ms':>8}  {'p99 ms':>8}  {'max ms':>8}  {'CPU ms/req':>10}"
    )
    print(header)
    print("-" * len(header))
    for result in [*pm, *bare]:
        print(
            f"{result.target:8}  /pm {result.command:4}  {result.completed:6d}  {result.errors:6d}  "
            f"{result.rate:8.1f}  {result.percentile_ms(50):8.1f}  {result.percentile_ms(99):8.1f}  "
            f"{result.max_ms:8.1f}  {result.cpu_ms_per_request:10.1f}"
        )
    print()
    all_met = True
    for mine, theirs in zip(pm, bare, strict=True):
        ratio = mine.rate / theirs.rate if theirs.rate else 0.0
        p99_ok = mine.percentile_ms(99) < P99_TARGET_MS and mine.errors == 0
        rate_ok = ratio >= THROUGHPUT_TARGET
        all_met = all_met and p99_ok and rate_ok
        print(
            f"/pm {mine.command:4}  throughput pmpulse/bare = {ratio:5.2f}   "
            f"p99 < {P99_TARGET_MS:.0f} ms: {'MET' if p99_ok else 'MISSED'}   "
            f">= {THROUGHPUT_TARGET:.0%} of bare: {'MET' if rate_ok else 'MISSED'}"
        )
    print()
    print(
        f"response_url answers from pmpulse (the work after the ack; waited {answers.waited:.1f}s for them):"
    )
    answers_ok = True
    for command in COMMANDS:
        delays = answers.delays[command]
        print(
            f"  /pm {command:4}  acked {answers.expected[command]:6d}"
            f"  answered {answers.answered[command]:6d}  ok {answers.ok[command]:6d}"
            f"  errors {answers.failed[command]:4d} (apologies {answers.apologies[command]})"
            f"  answer within p50 {percentile_ms(delays, 50):.0f} ms, p99 {percentile_ms(delays, 99):.0f} ms"
        )
        answers_ok = answers_ok and answers.ok[command] == answers.expected[command]
    for sample in answers.samples:
        print(f"    e.g. {sample}")
    print(f"  all answered without error: {'yes' if answers_ok else 'NO'}")
    print()
    print(f"targets: {'ALL MET' if all_met and answers_ok else 'NOT MET'}")
    return all_met and answers_ok


def benchmark(args: argparse.Namespace) -> int:
    from bot.fakeslack import FakeSlack

    stop = threading.Event()
    script = Path(__file__).resolve()
    pmpulse = Path(sys.executable).parent / "pmpulse"
    found = str(pmpulse) if pmpulse.exists() else shutil.which("pmpulse")
    if found is None:
        print("ack_latency: the pmpulse command is not installed in this environment", file=sys.stderr)
        return 2
    pmpulse_cmd: str = found

    def log(line: str) -> None:
        print(line, flush=True)

    with tempfile.TemporaryDirectory(prefix="pmpulse-bench-") as tmp, FakeSlack(team_id=TEAM_ID) as fake:
        tmpdir = Path(tmp)
        database_url = f"sqlite:///{tmpdir / 'bench.db'}"
        t0 = time.perf_counter()
        counts = seed(fake, database_url, args.members)
        log(
            f"seeded {sum(counts.values())} members ({counts['admin']} admins, {counts['manager']} managers, "
            f"{counts['pm']} PMs) in {time.perf_counter() - t0:.1f}s; fake Slack at {fake.api_url}"
        )
        log(
            f"load: {args.concurrency} client threads, up to {args.requests} requests or {args.seconds:.0f}s "
            f"per phase, after {args.warmup} warm-up requests per command; "
            f"server: {args.workers} worker(s) x {args.threads} threads; "
            f"{os.cpu_count()} CPUs, load avg {os.getloadavg()[0]:.2f}"
        )
        server_args = ["--workers", str(args.workers), "--threads", str(args.threads)]

        port = free_port()
        env = clean_env(
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_API_URL=fake.api_url,
            DATABASE_URL=database_url,
            PORT=str(port),
            PMPULSE_ADMINS=ADMIN_ID,
        )
        app_server = ServerProcess(
            "pmpulse", [pmpulse_cmd, "run", "--http", *server_args], env, port, tmpdir / "pmpulse.log"
        )
        log(f"starting pmpulse run --http on {HOST}:{port}")
        with running(app_server):
            fake.clear_calls()
            load = LoadGenerator(fake, port, user_id=ADMIN_ID, stop=stop)
            pm_results = run_phases("pmpulse", load, app_server, args, log)
            answers = collect_answers(fake, load.sent_urls)
            in_ack = load.in_ack
        if args.keep_logs:
            shutil.copy(app_server.log_path, args.keep_logs)

        port = free_port()
        env = clean_env(SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=fake.api_url)
        bare_server = ServerProcess(
            "bare",
            [sys.executable, str(script), "--serve-bare", str(port), *server_args],
            env,
            port,
            tmpdir / "bare.log",
        )
        log(f"starting the bare Bolt app on {HOST}:{port}")
        with running(bare_server):
            load = LoadGenerator(fake, port, user_id=ADMIN_ID, stop=stop)
            bare_results = run_phases("bare", load, bare_server, args, log)

        met = print_summary(pm_results, bare_results, answers)
        met = print_in_ack(in_ack) and met
    return 0 if met else 1


def _raise_interrupt(signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=2000, help="requests per phase (default 2000)")
    parser.add_argument("--seconds", type=float, default=15.0, help="time cap per phase (default 15)")
    parser.add_argument("--concurrency", type=int, default=20, help="client threads (default 20)")
    parser.add_argument("--members", type=int, default=500, help="roster size (default 500)")
    parser.add_argument("--warmup", type=int, default=50, help="unmeasured requests per command first")
    parser.add_argument("--workers", type=int, default=1, help="server worker processes (default 1)")
    parser.add_argument("--threads", type=int, default=16, help="threads per worker (default 16)")
    parser.add_argument("--keep-logs", metavar="FILE", help="copy the pmpulse server log to FILE")
    parser.add_argument("--serve-bare", type=int, metavar="PORT", help=argparse.SUPPRESS)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.serve_bare is not None:
        return serve_bare(args.serve_bare, workers=args.workers, threads=args.threads)
    for name in ("requests", "concurrency", "members", "workers", "threads"):
        if getattr(args, name) < 1:
            build_parser().error(f"--{name} must be at least 1")
    if args.seconds <= 0 or args.warmup < 0:
        build_parser().error("--seconds must be positive and --warmup not negative")
    signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        return benchmark(args)
    except KeyboardInterrupt:
        print("\nack_latency: interrupted; servers stopped", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
