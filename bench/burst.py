"""The Friday burst: every PM edits the weekly status at once, through `pmpulse run --http`.

Run by hand, never from the test suite (see bench/README.md):

    .venv/bin/python bench/burst.py [--members 200] [--concurrency 20] [--rounds 3] [--seconds 15]
    .venv/bin/python bench/burst.py --both --database postgresql://postgres@127.0.0.1:5432/EMPTY_DB

It seeds N PMs (two open goals each, a manager for every 50) with this week's update already
submitted, starts `pmpulse run --http` and the bare Bolt app (bench/_harness.py: it only
acknowledges) side by side, and sends both the same kind of request: a signed
`view_submission` of the weekly status modal, an edit, with every input as the modal that
pmpulse opens for that PM would send it. Rounds alternate between the two servers. A mixed
round follows on pmpulse alone: *Write my update* clicks (which open the modal), `/pm status
team` by a manager of 50, and `/pm help`. Then it checks that every acknowledged edit was saved
and none was answered after Slack's 3 seconds, and prints the targets as PASS or MISS.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
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
    drop_postgres_schema,
    interrupt_on_sigterm,
    percentile_ms,
    pmpulse_command,
    pmpulse_server,
    postgres_schema,
    running,
    seed_roster,
)

if TYPE_CHECKING:
    from bot.fakeslack import FakeSlack

ADMIN_ID = "UBENCHADMIN"
REPORTS_PER_MANAGER = 50
GOALS_PER_PM = 2
SLACK_DEADLINE = 3.0  # seconds: Slack shows an error for an interaction acknowledged later
DRAIN_TIMEOUT = 30.0
# The targets of the burst: against the bare floor, per request, and for the mixed round.
THROUGHPUT_TARGET = 0.20
P99_TARGET_MS = 300.0
CPU_TARGET_MS = 3.0
MIXED_P99_TARGET_MS = 200.0
SUBMISSION = "submission"
MIXED_KINDS = ("click", "status team", "help")
PRODUCT_LINES = ("Credit Cards", "Deposits", "Personal Loans", "Mortgages", "Wealth", "Payments")
TIMEZONES = ("Asia/Shanghai", "Europe/London", "America/New_York", "UTC", "Asia/Singapore")
LOCALES = ("en-US", "zh-CN", "en-GB")


# -- the roster and the modal as Slack sends it back -----------------------------------------------


@dataclass(frozen=True)
class Pm:
    """A PM of the burst: the modal pmpulse opens for their edit (as Slack holds it) and their goals."""

    slack_user_id: str
    week: str
    view: dict[str, Any]
    goal_ids: tuple[int, ...]


@dataclass(frozen=True)
class Roster:
    pms: tuple[Pm, ...]
    managers: tuple[str, ...]
    revisions: int  # status_revision rows once seeded


def roster_seats(members: int) -> list[Seat]:
    """The admin, one manager per REPORTS_PER_MANAGER PMs, and `members` PMs in report order."""
    managers = -(-members // REPORTS_PER_MANAGER)
    seats = [Seat(ADMIN_ID, "admin", "admin0000", "UTC", "en-US")]
    for m in range(managers):
        seats.append(Seat(f"UMGR{m:05d}", "manager", f"manager{m:04d}", "UTC", "en-US", manager=0))
    for i in range(members):
        seats.append(
            Seat(
                slack_user_id=f"UPM{i:05d}",
                role="pm",
                name=f"pm{i:04d}",
                timezone=TIMEZONES[i % len(TIMEZONES)],
                slack_locale=LOCALES[i % len(LOCALES)],
                manager=1 + i // REPORTS_PER_MANAGER,
                product_lines=frozenset({i % len(PRODUCT_LINES)}),
            )
        )
    return seats


def slack_view(view: dict[str, Any], *, number: int) -> dict[str, Any]:
    """`view` as Slack hands it back in a view_submission, without its state (added per request)."""
    view_id = f"VBURST{number:05d}"
    return {
        "id": view_id,
        "team_id": TEAM_ID,
        **view,
        "hash": f"{1_700_000_000 + number}.burst",
        "clear_on_close": False,
        "notify_on_close": False,
        "external_id": "",
        "root_view_id": view_id,
        "previous_view_id": None,
        "app_id": "A0001",
        "app_installed_team_id": TEAM_ID,
        "bot_id": "B0001",
    }


def state_values(view: dict[str, Any], *, edit: int) -> dict[str, Any]:
    """What Slack puts in `view.state.values` when the PM submits edit number `edit` of the modal."""
    from bot.ids import StatusBlock

    texts = {
        StatusBlock.PROGRESS: f"Pilot live in three branches; onboarding flow reworked (edit {edit})",
        StatusBlock.PLANS: "Roll out to two more branches; review fees with Finance",
        StatusBlock.BLOCKERS: "Waiting on risk sign-off\nVendor API quota",
        StatusBlock.HEALTH_REASON: "Sign-off is two weeks late",
        StatusBlock.TOPIC: "Fee waiver for the pilot cohort",
        StatusBlock.RISK: "Vendor quota may cap the rollout",
    }
    values: dict[str, Any] = {}
    for block in view["blocks"]:
        if block.get("type") != "input":
            continue
        block_id, element = block["block_id"], block["element"]
        action_id = element["action_id"]
        if element["type"] == "radio_buttons":
            chosen = next(o for o in element["options"] if o["value"] == "amber")
            values[block_id] = {action_id: {"type": "radio_buttons", "selected_option": chosen}}
        elif block_id.startswith(StatusBlock.KPI_PREFIX):
            value = f"{120 + edit % 30}.5"
            values[block_id] = {action_id: {"type": "plain_text_input", "value": value}}
        else:
            values[block_id] = {action_id: {"type": "plain_text_input", "value": texts.get(block_id, "")}}
    return values


def seed(fake: FakeSlack, database_url: str, members: int) -> Roster:
    """The roster, two goals per PM, and this week's update of every PM submitted once (the service's
    own `submit_status`); then each PM's edit modal, built by pmpulse's own builder."""
    from bot.domain.status import StatusForm
    from bot.services import status as status_service
    from bot.ui.status import build_status_modal
    from storage.clock import system_now
    from storage.db import make_engine, make_session_factory
    from storage.goals import Goal
    from storage.uow import UnitOfWork

    seats = roster_seats(members)
    workspace = seed_roster(fake, database_url, seats, PRODUCT_LINES)
    engine = make_engine(database_url)
    factory = make_session_factory(engine)

    def uow(workspace_id: int) -> UnitOfWork:
        return UnitOfWork(factory, workspace_id)

    pm_seats = [seat for seat in seats if seat.role == "pm"]
    with uow(workspace.id) as unit:
        for seat in pm_seats:
            owner = unit.members.get_by_slack_id(seat.slack_user_id)
            assert owner is not None, seat.slack_user_id
            for g in range(GOALS_PER_PM):
                unit.goals.add(
                    Goal(
                        owner=owner,
                        owner_id=owner.id,
                        title=("Active cardholders", "Deposit balances")[g],
                        metric=("Monthly active cardholders", "Average balances")[g],
                        unit=("k", "m")[g],
                        baseline=100,
                        target=150,
                        start_date=dt.date(2026, 1, 1),
                        due_date=dt.date(2027, 12, 31),
                        direction="up",
                        created_by=owner.slack_user_id,
                    )
                )
        unit.commit()

    now = system_now()
    first = StatusForm(
        progress="Pilot live in two branches",
        plans="Roll out to a third",
        blockers="Waiting on risk sign-off",
        health="green",
    )
    pms: list[Pm] = []
    for number, seat in enumerate(pm_seats):
        locale = "zh-CN" if seat.slack_locale.startswith("zh") else "en"
        week = status_service.status_form(
            uow, workspace=workspace, user_id=seat.slack_user_id, week=None, now=now
        ).week
        status_service.submit_status(
            uow, workspace=workspace, user_id=seat.slack_user_id, week=week, form=first, now=now
        )
        data = status_service.status_form(
            uow, workspace=workspace, user_id=seat.slack_user_id, week=week, now=now
        )
        view = slack_view(build_status_modal(locale, data), number=number)
        pms.append(Pm(seat.slack_user_id, week, view, tuple(g.id for g in data.goals)))
    managers = tuple(seat.slack_user_id for seat in seats if seat.role == "manager")
    engine.dispose()
    return Roster(tuple(pms), managers, revision_count(database_url))


def revision_count(database_url: str) -> int:
    """Every saved version of every update: one row per accepted submission."""
    from sqlalchemy import func, select

    from storage.db import make_engine
    from storage.status import StatusRevision

    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(StatusRevision)).scalar_one())
    finally:
        engine.dispose()


# -- requests --------------------------------------------------------------------------------------


def _interaction(payload: dict[str, Any]) -> str:
    return urlencode({"payload": json.dumps(payload)})


def _user(user_id: str) -> dict[str, str]:
    return {"id": user_id, "username": user_id.lower(), "name": user_id.lower(), "team_id": TEAM_ID}


class BurstTraffic:
    """Builds the signed bodies (round-robin over the PMs) and keeps what each answer said.

    Its methods are called under the load generator's lock."""

    def __init__(self, fake: FakeSlack, roster: Roster) -> None:
        self.fake = fake
        self.roster = roster
        self._next_pm = itertools.cycle(roster.pms)
        self._edits = itertools.count(1)
        self._mixed = itertools.cycle(MIXED_KINDS)
        self.accepted: dict[str, int] = {}  # target -> edits acknowledged without errors
        self.refused: dict[str, int] = {}  # target -> edits answered with per-field errors
        self.refusal_samples: list[str] = []
        self.triggers: set[str] = set()  # trigger ids of acknowledged clicks: each should open a modal
        self.answer_urls: dict[str, str] = {}  # response_url -> kind, for answers sent after the ack
        self.answers: dict[str, list[bool]] = {kind: [] for kind in MIXED_KINDS[1:]}

    def submission(self) -> SignedRequest:
        pm = next(self._next_pm)
        view = {**pm.view, "state": {"values": state_values(pm.view, edit=next(self._edits))}}
        payload: dict[str, Any] = {
            "type": "view_submission",
            "team": {"id": TEAM_ID, "domain": self.fake.team_domain},
            "user": _user(pm.slack_user_id),
            "api_app_id": self.fake.app_id,
            "token": "verification-token",
            "trigger_id": self.fake.issue_trigger_id(),
            "view": view,
            "response_urls": [],
            "enterprise": None,
            "is_enterprise_install": False,
        }
        return SignedRequest(SUBMISSION, _interaction(payload), tag=pm.slack_user_id)

    def on_submission(self, target: str) -> Callable[[SignedRequest, bytes, float], None]:
        def record(_request: SignedRequest, payload: bytes, _sent_at: float) -> None:
            answer: dict[str, Any] = json.loads(payload) if payload.strip() else {}
            if answer.get("response_action") == "errors":
                self.refused[target] = self.refused.get(target, 0) + 1
                if len(self.refusal_samples) < 3:
                    self.refusal_samples.append(json.dumps(answer)[:200])
            else:
                self.accepted[target] = self.accepted.get(target, 0) + 1

        return record

    def mixed(self) -> SignedRequest:
        from bot.ids import StatusAction

        kind = next(self._mixed)
        pm = next(self._next_pm)
        if kind == "click":
            trigger = self.fake.issue_trigger_id()
            ts = f"{time.time():.6f}"
            payload: dict[str, Any] = {
                "type": "block_actions",
                "user": _user(pm.slack_user_id),
                "api_app_id": self.fake.app_id,
                "token": "verification-token",
                "trigger_id": trigger,
                "team": {"id": TEAM_ID, "domain": self.fake.team_domain},
                "enterprise": None,
                "is_enterprise_install": False,
                "channel": {"id": "DBURST", "name": "directmessage"},
                "container": {
                    "type": "message",
                    "message_ts": ts,
                    "channel_id": "DBURST",
                    "is_ephemeral": False,
                },
                "message": {"type": "message", "ts": ts, "text": "", "user": "UBOT", "blocks": []},
                "response_url": self.fake.response_url(),
                "state": {"values": {}},
                "actions": [
                    {
                        "action_id": StatusAction.WRITE,
                        "block_id": "status_prompt",
                        "type": "button",
                        "value": pm.week,
                        "text": {"type": "plain_text", "text": "Write my update", "emoji": True},
                        "action_ts": ts,
                    }
                ],
            }
            return SignedRequest(kind, _interaction(payload), tag=trigger)
        user_id = self.roster.managers[0] if kind == "status team" else pm.slack_user_id
        response_url = self.fake.response_url()
        form = {
            "token": "verification-token",
            "team_id": TEAM_ID,
            "team_domain": self.fake.team_domain,
            "channel_id": "C0001",
            "channel_name": "general",
            "user_id": user_id,
            "user_name": user_id.lower(),
            "command": "/pm",
            "text": kind,
            "api_app_id": self.fake.app_id,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": self.fake.issue_trigger_id(),
        }
        return SignedRequest(kind, urlencode(form), tag=response_url)

    def on_mixed(self, request: SignedRequest, payload: bytes, _sent_at: float) -> None:
        """A click's modal and a command's answer sent after the ack are looked for at the fake later."""
        if request.kind == "click":
            self.triggers.add(request.tag)
        elif payload.strip():
            self.answers[request.kind].append(answer_is_good(request.kind, json.loads(payload)))
        else:
            self.answer_urls[request.tag] = request.kind

    def follow_ups(self, timeout: float = DRAIN_TIMEOUT) -> int:
        """Wait for the modals of the clicks and the commands' answers sent after the ack; modals opened."""
        started = last_change = time.monotonic()
        last = -1
        opened: set[str] = set()
        answered: dict[str, bool] = {}
        while True:
            opened = {
                str(c.params.get("trigger_id"))
                for c in self.fake.calls_to("views.open")
                if c.response.get("ok") and c.params.get("trigger_id") in self.triggers
            }
            answered = {
                str(c.params["_url"]): c.status == 200
                and answer_is_good(self.answer_urls[str(c.params["_url"])], c.params)
                for c in self.fake.calls_to("response_url")
                if c.params.get("_url") in self.answer_urls
            }
            now = time.monotonic()
            if len(opened) + len(answered) != last:
                last, last_change = len(opened) + len(answered), now
            if last >= len(self.triggers) + len(self.answer_urls) or now - last_change > 5:
                break
            if now - started > timeout:
                break
            time.sleep(0.25)
        for url, kind in self.answer_urls.items():
            self.answers[kind].append(answered.get(url, False))
        return len(opened)


def answer_is_good(kind: str, answer: dict[str, Any]) -> bool:
    """`/pm help` says something; `/pm status team` shows the team's week in blocks."""
    if kind == "status team":
        return bool(answer.get("blocks"))
    return bool(answer.get("blocks") or answer.get("text"))


# -- profiling -------------------------------------------------------------------------------------


@contextmanager
def profiled(server: ServerProcess, path: str | None, log: Callable[[str], None]) -> Iterator[None]:
    """py-spy record on the server's master and workers while the block runs; a note without py-spy."""
    pyspy = Path(sys.executable).parent / "py-spy"
    if path is None:
        yield
        return
    if not pyspy.exists():
        log("  profile: py-spy is not installed in this environment; no profile recorded")
        yield
        return
    fmt = "flamegraph" if path.endswith(".svg") else "speedscope"
    argv = [str(pyspy), "record", "--pid", str(server.pid), "--subprocesses", "--nonblocking"]
    argv += ["--format", fmt, "--output", path]
    with open(Path(path).with_suffix(".py-spy.log"), "wb") as out:
        spy = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    time.sleep(1.0)  # py-spy attaches to every process of the server before the round starts
    try:
        yield
    finally:
        spy.send_signal(signal.SIGINT)  # py-spy writes its file when interrupted
        try:
            spy.wait(60)
        except subprocess.TimeoutExpired:
            spy.kill()
            spy.wait(5)
        written = Path(path).exists()
        log(f"  profile: {fmt} written to {path}" if written else f"  profile: py-spy wrote nothing ({path})")


# -- one database ----------------------------------------------------------------------------------


@dataclass
class Totals:
    """A target's measured rounds together."""

    target: str
    rounds: list[PhaseResult] = field(default_factory=list)

    @property
    def latencies(self) -> list[float]:
        return [latency for r in self.rounds for latency in r.latencies]

    @property
    def rate(self) -> float:
        elapsed = sum(r.elapsed for r in self.rounds)
        return len(self.latencies) / elapsed if elapsed > 0 else 0.0

    @property
    def errors(self) -> int:
        return sum(r.errors for r in self.rounds)

    def status_count(self, status: int) -> int:
        return sum(r.statuses[status] for r in self.rounds)

    @property
    def late(self) -> int:
        return sum(r.slower_than(SLACK_DEADLINE) for r in self.rounds)

    @property
    def cpu_ms_per_request(self) -> float:
        cpu = [r.server_cpu for r in self.rounds]
        if any(c is None for c in cpu) or not self.latencies:
            return float("nan")
        return sum(c for c in cpu if c is not None) / len(self.latencies) * 1000


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool
    detail: str


def phase_line(label: str, result: PhaseResult) -> str:
    return (
        f"  {label:22} {result.completed:6d} ok {result.errors:4d} errors  {result.rate:8.1f} req/s  "
        f"p50 {result.percentile_ms(50):7.1f} ms  p99 {result.percentile_ms(99):7.1f} ms  "
        f"max {result.max_ms:7.1f} ms  after 3 s {result.slower_than(SLACK_DEADLINE):3d}  "
        f"server CPU {result.cpu_ms_per_request:5.1f} ms/req  (load avg {os.getloadavg()[0]:.2f})"
    )


def measure(
    load: LoadGenerator,
    server: ServerProcess,
    target: str,
    make: Callable[[], SignedRequest],
    on_reply: Callable[[SignedRequest, bytes, float], None],
    args: argparse.Namespace,
) -> PhaseResult:
    cpu_before = server.cpu_seconds()
    result = load.run(
        target,
        SUBMISSION,
        make,
        requests=args.requests,
        seconds=args.seconds,
        concurrency=args.concurrency,
        on_reply=on_reply,
    )
    cpu_after = server.cpu_seconds()
    if cpu_before is not None and cpu_after is not None:
        result.server_cpu = cpu_after - cpu_before
    return result


def run_database(
    label: str, database_url: str, args: argparse.Namespace, pmpulse: str, workdir: Path
) -> list[Check]:
    """Seed, serve both apps, alternate the rounds, run the mixed round, check; the target verdicts."""
    from bot.fakeslack import FakeSlack
    from bot.runner import cpu_cores

    stop = threading.Event()

    def log(line: str) -> None:
        print(line, flush=True)

    workers = args.workers or cpu_cores()
    pmpulse_args = ["--threads", str(args.threads)]
    if args.workers:
        pmpulse_args[:0] = ["--workers", str(args.workers)]
    bare_args = ["--workers", str(workers), "--threads", str(args.threads)]
    with FakeSlack(team_id=TEAM_ID) as fake, ExitStack() as servers:
        t0 = time.perf_counter()
        roster = seed(fake, database_url, args.members)
        log(
            f"[{label}] seeded {len(roster.pms)} PMs ({GOALS_PER_PM} goals each, this week submitted), "
            f"{len(roster.managers)} managers, in {time.perf_counter() - t0:.1f}s"
        )
        log(
            f"[{label}] load: {args.concurrency} client threads, {args.rounds} round(s) per server of up to "
            f"{args.requests} edits or {args.seconds:.0f}s, after {args.warmup} warm-up edits; "
            f"servers: {workers} worker(s) x {args.threads} threads; "
            f"{os.cpu_count()} CPUs, load avg {os.getloadavg()[0]:.2f}"
        )
        app = pmpulse_server(
            pmpulse,
            fake,
            database_url=database_url,
            server_args=pmpulse_args,
            workdir=workdir,
            admins=ADMIN_ID,
        )
        bare = bare_server(fake, server_args=bare_args, workdir=workdir)
        log(f"[{label}] starting pmpulse run --http on {HOST}:{app.port}, the bare Bolt app on :{bare.port}")
        servers.enter_context(running(app))
        servers.enter_context(running(bare))
        traffic = BurstTraffic(fake, roster)
        loads = {
            "pmpulse": (app, LoadGenerator(app.port, stop=stop)),
            "bare": (bare, LoadGenerator(bare.port, stop=stop)),
        }
        for target, (_server, load) in loads.items():
            load.run(
                target,
                SUBMISSION,
                traffic.submission,
                requests=args.warmup,
                seconds=args.seconds,
                concurrency=args.concurrency,
                on_reply=traffic.on_submission(target),
            )
        totals = {target: Totals(target) for target in loads}
        for round_no in range(1, args.rounds + 1):
            for target, (server, load) in loads.items():
                profile = args.profile if round_no == 1 and target == "pmpulse" else None
                idle_before = app.cpu_seconds()
                with profiled(server, profile, log):
                    result = measure(
                        load, server, target, traffic.submission, traffic.on_submission(target), args
                    )
                idle_after = app.cpu_seconds()
                totals[target].rounds.append(result)
                log(phase_line(f"round {round_no} {target} edits", result))
                if target == "bare" and idle_before is not None and idle_after is not None:
                    # pmpulse's background work (scheduler, outbox) costs this much without requests.
                    idle = (idle_after - idle_before) / max(result.elapsed, 1e-9) * 1000
                    log(f"    pmpulse meanwhile, idle: {idle:.1f} ms CPU per second")
                for sample in result.error_samples:
                    log(f"    error: {sample}")

        cpu_before = app.cpu_seconds()
        mixed = loads["pmpulse"][1].run(
            "pmpulse",
            "mixed",
            traffic.mixed,
            requests=args.requests,
            seconds=args.seconds,
            concurrency=args.concurrency,
            on_reply=traffic.on_mixed,
        )
        cpu_after = app.cpu_seconds()
        if cpu_before is not None and cpu_after is not None:
            mixed.server_cpu = cpu_after - cpu_before
        log(phase_line("mixed round (pmpulse)", mixed))
        for sample in mixed.error_samples:
            log(f"    error: {sample}")
        opened = traffic.follow_ups()
        time.sleep(1.0)  # let the last saves' follow-up calls land before the log is read
        saved = revision_count(database_url) - roster.revisions
        server_log = app.log_text()
        if args.keep_logs:
            Path(f"{args.keep_logs}.{label}" if args.both else args.keep_logs).write_text(server_log)
    return report(label, totals, mixed, traffic, opened=opened, saved=saved, server_log=server_log)


def report(
    label: str,
    totals: dict[str, Totals],
    mixed: PhaseResult,
    traffic: BurstTraffic,
    *,
    opened: int,
    saved: int,
    server_log: str,
) -> list[Check]:
    print()
    print(f"Summary [{label}]: status modal edits (latency = time until the HTTP response, the ack)")
    header = (
        f"{'target':8}  {'acked':>6}  {'errors':>6}  {'req/s':>8}  {'p50 ms':>8}  {'p99 ms':>8}  "
        f"{'max ms':>8}  {'after 3 s':>9}  {'CPU ms/req':>10}  {'vs bare':>7}"
    )
    print(header)
    print("-" * len(header))
    pm, bare = totals["pmpulse"], totals["bare"]
    ratio = pm.rate / bare.rate if bare.rate else 0.0
    for total in (pm, bare):
        lat = total.latencies
        print(
            f"{total.target:8}  {len(lat):6d}  {total.errors:6d}  {total.rate:8.1f}  "
            f"{percentile_ms(lat, 50):8.1f}  {percentile_ms(lat, 99):8.1f}  "
            f"{max(lat, default=float('nan')) * 1000:8.1f}  {total.late:9d}  "
            f"{total.cpu_ms_per_request:10.2f}  {total.rate / bare.rate if bare.rate else 0.0:7.3f}"
        )
    print()
    print(f"Mixed round [{label}] on pmpulse: {mixed.completed} acked, {mixed.rate:.1f} req/s")
    for kind in MIXED_KINDS:
        lat = mixed.by_kind.get(kind, [])
        print(
            f"  {kind:12} {len(lat):6d}  p50 {percentile_ms(lat, 50):7.1f} ms  "
            f"p99 {percentile_ms(lat, 99):7.1f} ms  max {max(lat, default=float('nan')) * 1000:7.1f} ms"
        )
    answers = {kind: (sum(flags), len(flags)) for kind, flags in traffic.answers.items()}
    print(
        f"  answers: modals opened {opened} of {len(traffic.triggers)} clicks; "
        + "; ".join(f"/pm {kind} answered {good} of {n}" for kind, (good, n) in answers.items())
    )

    accepted = traffic.accepted.get("pmpulse", 0)
    refused = traffic.refused.get("pmpulse", 0)
    no_ack = server_log.count("didn't call ack()")
    not_found = pm.status_count(404) + mixed.statuses[404]
    mixed_p99 = max((percentile_ms(mixed.by_kind.get(k, []), 99) for k in MIXED_KINDS), default=float("nan"))
    checks = [
        Check(
            "edits: throughput >= 20% of the bare app",
            ratio >= THROUGHPUT_TARGET,
            f"{pm.rate:.1f} / {bare.rate:.1f} req/s = {ratio:.1%}",
        ),
        Check(
            f"edits: p99 < {P99_TARGET_MS:.0f} ms",
            percentile_ms(pm.latencies, 99) < P99_TARGET_MS,
            f"{percentile_ms(pm.latencies, 99):.1f} ms",
        ),
        Check("edits: zero answers after 3 s", pm.late == 0, f"{pm.late} after 3 s"),
        Check(
            f"edits: CPU < {CPU_TARGET_MS:.0f} ms per submission",
            pm.cpu_ms_per_request < CPU_TARGET_MS,
            f"{pm.cpu_ms_per_request:.2f} ms in pmpulse's process group",
        ),
        Check(
            f"mixed: p99 < {MIXED_P99_TARGET_MS:.0f} ms for every kind",
            mixed_p99 < MIXED_P99_TARGET_MS,
            f"worst kind p99 {mixed_p99:.1f} ms",
        ),
        Check(
            "every acked edit saved",
            saved == accepted and refused == 0,
            f"{accepted} acked, {refused} refused with errors, {saved} versions saved",
        ),
        Check('no "didn\'t call ack()" in the server log', no_ack == 0, f"{no_ack} found"),
        Check("no 404s", not_found == 0, f"{not_found} answered 404"),
        Check(
            "mixed answers: every click opened the modal, every command answered",
            opened == len(traffic.triggers) and all(good == n for good, n in answers.values()),
            f"{opened}/{len(traffic.triggers)} modals",
        ),
        Check(
            "no request failed", pm.errors == 0 and mixed.errors == 0, f"{pm.errors + mixed.errors} failed"
        ),
    ]
    for sample in traffic.refusal_samples:
        print(f"  refused, e.g. {sample}")
    print()
    for check in checks:
        print(f"{'PASS' if check.passed else 'MISS'}  [{label}] {check.name}: {check.detail}")
    return checks


# -- orchestration ---------------------------------------------------------------------------------


def benchmark(args: argparse.Namespace) -> int:
    pmpulse = pmpulse_command()
    if pmpulse is None:
        print("burst: the pmpulse command is not installed in this environment", file=sys.stderr)
        return 2
    runs: list[tuple[str, str | None]] = []
    if args.both or not args.database:
        runs.append(("sqlite", None))
    if args.database:
        runs.append(("postgresql", args.database))
    checks: list[Check] = []
    for label, url in runs:
        with tempfile.TemporaryDirectory(prefix=f"pmpulse-burst-{label}-") as tmp:
            workdir = Path(tmp)
            schema: str | None = None
            if url is None:
                database_url = f"sqlite:///{workdir / 'burst.db'}"
            else:
                database_url, schema = postgres_schema(url)
            profile = args.profile
            if profile and len(runs) > 1:
                path = Path(profile)
                profile = str(path.with_name(f"{path.stem}-{label}{path.suffix}"))
            try:
                checks += run_database(
                    label,
                    database_url,
                    argparse.Namespace(**{**vars(args), "profile": profile}),
                    pmpulse,
                    workdir,
                )
            finally:
                if schema is not None and url is not None:
                    with suppress(Exception):
                        drop_postgres_schema(url, schema)
        print()
    met = all(check.passed for check in checks)
    print(f"targets: {'ALL MET' if met else 'NOT MET'}")
    return 0 if met else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--members", type=int, default=200, help="PMs on the roster (default 200)")
    parser.add_argument("--concurrency", type=int, default=20, help="client threads (default 20)")
    parser.add_argument("--rounds", type=int, default=3, help="measured rounds per server (default 3)")
    parser.add_argument("--seconds", type=float, default=15.0, help="time cap per round (default 15)")
    parser.add_argument("--requests", type=int, default=5000, help="request cap per round (default 5000)")
    parser.add_argument("--warmup", type=int, default=50, help="unmeasured edits per server first")
    parser.add_argument(
        "--database", metavar="URL", help="PostgreSQL to run on (a schema of its own, dropped after)"
    )
    parser.add_argument("--both", action="store_true", help="SQLite, then the --database PostgreSQL")
    parser.add_argument(
        "--workers", type=int, help="worker processes of both servers (default: pmpulse's, one per core)"
    )
    parser.add_argument("--threads", type=int, default=16, help="threads per worker (default 16)")
    parser.add_argument(
        "--profile", metavar="FILE", help="py-spy record pmpulse's first round (.svg: flame graph)"
    )
    parser.add_argument("--keep-logs", metavar="FILE", help="copy the pmpulse server log to FILE")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    for name in ("members", "concurrency", "rounds", "requests", "threads"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1")
    if args.workers is not None and args.workers < 1:
        parser.error("--workers must be at least 1")
    if args.seconds <= 0 or args.warmup < 0:
        parser.error("--seconds must be positive and --warmup not negative")
    if args.both and not args.database:
        parser.error("--both needs --database (the PostgreSQL to run on)")
    if args.database and not args.database.startswith("postgresql"):
        parser.error("--database takes a postgresql:// URL (SQLite is the default)")
    interrupt_on_sigterm()
    try:
        return benchmark(args)
    except KeyboardInterrupt:
        print("\nburst: interrupted; servers stopped", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
