"""Ack latency of `/pm` slash commands in HTTP mode: pmpulse against a bare Bolt app.

Run by hand, never from the test suite (see bench/README.md):

    .venv/bin/python bench/ack_latency.py [--requests 2000] [--seconds 15] [--concurrency 20]

It starts the fake Slack Web API in-process, seeds a throwaway SQLite roster, starts
`pmpulse run --http` as a subprocess and fires signed `/pm help` and `/pm team` slash
commands at it from a pool of client threads, timing each request until its HTTP
response (the ack) arrives. Then it does the same against a Bolt app whose listener
only calls ack(), served by the same gunicorn setup (bench/_harness.py, shared with
bench/burst.py), and compares the two. All traffic goes to 127.0.0.1 (the fake and the bare app
bind there; `pmpulse run` binds 0.0.0.0 because bot/runner.py passes no host).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from _harness import (
    HOST,
    TEAM_ID,
    LoadGenerator,
    PhaseResult,
    Seat,
    ServerProcess,
    SignedRequest,
    bare_server,
    interrupt_on_sigterm,
    percentile_ms,
    pmpulse_command,
    pmpulse_server,
    running,
    seed_roster,
    serve_bare,
)

if TYPE_CHECKING:
    from bot.fakeslack import FakeSlack

ADMIN_ID = "UBENCHADMIN"
COMMANDS = ("help", "team")
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


# -- load generation -------------------------------------------------------------------------------


class CommandLoad:
    """Signed `/pm` slash commands, each with its own `response_url` from the fake."""

    def __init__(self, fake: FakeSlack, port: int, *, user_id: str, stop: threading.Event) -> None:
        self.fake = fake
        self.user_id = user_id
        self.generator = LoadGenerator(port, stop=stop)
        # response_url -> (command, wall-clock send time), for acknowledged requests
        self.sent_urls: dict[str, tuple[str, float]] = {}
        # command -> one flag per answer that came inside the ack itself (good or not)
        self.in_ack: dict[str, list[bool]] = {command: [] for command in COMMANDS}

    def _request(self, command: str) -> SignedRequest:
        response_url = self.fake.response_url()
        body = urlencode(
            {
                "token": "verification-token",
                "team_id": TEAM_ID,
                "team_domain": self.fake.team_domain,
                "channel_id": "C0001",
                "channel_name": "general",
                "user_id": self.user_id,
                "user_name": self.user_id.lower(),
                "command": "/pm",
                "text": command,
                "api_app_id": self.fake.app_id,
                "is_enterprise_install": "false",
                "response_url": response_url,
                "trigger_id": f"{int(time.time())}.1.bench",
            }
        )
        return SignedRequest(command, body, tag=response_url)

    def _on_reply(self, request: SignedRequest, payload: bytes, sent_at: float) -> None:
        if payload:
            self.in_ack[request.kind].append(answer_is_good(request.kind, payload))
        else:
            self.sent_urls[request.tag] = (request.kind, sent_at)

    def run(
        self, target: str, command: str, *, requests: int, seconds: float, concurrency: int
    ) -> PhaseResult:
        """Send up to `requests` commands (or for at most `seconds`) and time each ack."""
        return self.generator.run(
            target,
            command,
            lambda: self._request(command),
            requests=requests,
            seconds=seconds,
            concurrency=concurrency,
            on_reply=self._on_reply,
        )


# -- the database ----------------------------------------------------------------------------------


def seed(fake: FakeSlack, database_url: str, members: int) -> dict[str, int]:
    """Migrate a fresh database and put `members` people on the roster (and in the fake's directory)."""
    admins = max(1, members // 100)
    managers = max(1, members // 10)
    counts = {"admin": 0, "manager": 0, "pm": 0}
    seats: list[Seat] = []
    lines = len(PRODUCT_LINES)
    for i in range(members):
        if i < admins:
            role, user_id = "admin", ADMIN_ID if i == 0 else f"UADM{i:05d}"
        elif i < admins + managers:
            role, user_id = "manager", f"UMGR{i:05d}"
        else:
            role, user_id = "pm", f"UPM{i:05d}"
        manager: int | None = None
        owned: frozenset[int] = frozenset()
        if role == "manager":
            manager, owned = i % admins, frozenset({i % lines})
        elif role == "pm":
            manager, owned = admins + i % managers, frozenset({i % lines, (i * 7) % lines})
        seats.append(
            Seat(
                slack_user_id=user_id,
                role=role,
                name=f"{role}{i:04d}",
                timezone=TIMEZONES[i % len(TIMEZONES)],
                slack_locale="en-US" if user_id == ADMIN_ID else LOCALES[i % len(LOCALES)],
                manager=manager,
                product_lines=owned,
            )
        )
        counts[role] += 1
    seed_roster(fake, database_url, seats, PRODUCT_LINES)
    return counts


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
    load: CommandLoad,
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
    found = pmpulse_command()
    if found is None:
        print("ack_latency: the pmpulse command is not installed in this environment", file=sys.stderr)
        return 2

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

        app_server = pmpulse_server(
            found,
            fake,
            database_url=database_url,
            server_args=server_args,
            workdir=tmpdir,
            admins=ADMIN_ID,
        )
        log(f"starting pmpulse run --http on {HOST}:{app_server.port}")
        with running(app_server):
            fake.clear_calls()
            load = CommandLoad(fake, app_server.port, user_id=ADMIN_ID, stop=stop)
            pm_results = run_phases("pmpulse", load, app_server, args, log)
            answers = collect_answers(fake, load.sent_urls)
            in_ack = load.in_ack
        if args.keep_logs:
            shutil.copy(app_server.log_path, args.keep_logs)

        bare = bare_server(fake, server_args=server_args, workdir=tmpdir)
        log(f"starting the bare Bolt app on {HOST}:{bare.port}")
        with running(bare):
            load = CommandLoad(fake, bare.port, user_id=ADMIN_ID, stop=stop)
            bare_results = run_phases("bare", load, bare, args, log)

        met = print_summary(pm_results, bare_results, answers)
        met = print_in_ack(in_ack) and met
    return 0 if met else 1


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
    interrupt_on_sigterm()
    try:
        return benchmark(args)
    except KeyboardInterrupt:
        print("\nack_latency: interrupted; servers stopped", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
