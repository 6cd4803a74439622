"""Weekly prompts to thousands of PMs through the outbox, against a Slack with limits and faults.

Run by hand, never from the test suite (see bench/README.md):

    .venv/bin/python bench/fanout.py [--pms 5000] [--fault-rate 0.02] [--workers 16]

It starts the fake Slack Web API in-process with Slack-like limits (`slack_like_limits()`:
chat.postMessage about 1 per second per channel with short bursts, Tier 3 for
conversations.open) and a share of injected 429/500/503 faults on every method, creates a
throwaway SQLite database (or a schema on `--database-url` PostgreSQL), adds the PMs, and runs
the real `status-prompts` job at a Thursday 16:00 (their prompt time) to enqueue one prompt
each. Then the real sender (`bot.delivery.sender.OutboxSender`, the app's WebClient with its
retry handlers) drains the outbox. Slack's side is read from the fake's recorded calls: each
post carries its delivery key in message metadata, so a key posted twice is a duplicate and a
key never posted is lost.

Two runs:

1. warm: every PM's DM channel is already stored (the steady state after the first week).
   Targets: 0 duplicated, 0 lost, all delivered within 60 s.
2. cold (for information): no DM channel known yet, so each PM costs a conversations.open at
   Tier 3 (about 50 a minute); drained for `--cold-seconds`, with the projected total.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.config import Settings
from bot.delivery.outbox import enqueue, member_channel
from bot.delivery.sender import OutboxSender
from bot.deps import AppDeps
from bot.domain.schedule import prompt_key
from bot.fakeslack import FakeSlack
from bot.services.workspaces import ensure_workspace
from bot.slack_client import build_web_client
from bot.ui.prompts import build_prompt
from storage.db import make_engine, make_session_factory, upgrade
from storage.outbox_state import SETTLED
from storage.roster import Member
from storage.uow import UnitOfWork

TEAM_ID = "T0001"
PROMPT_TIME = dt.datetime(2026, 12, 3, 16, 0, tzinfo=dt.UTC)  # a Thursday, 16:00 in UTC
WEEK = "2026-W49"
TARGET_SECONDS = 60.0


@dataclass
class RunResult:
    name: str
    pms: int
    enqueue_seconds: float
    drain_seconds: float
    delivered: int
    duplicated: int
    lost: int
    undelivered_pending: int
    server_errors: int
    rate_limited: int
    opens: int
    states: dict[str, int]

    def print(self) -> None:
        rate = self.delivered / self.drain_seconds if self.drain_seconds else 0.0
        print(f"--- {self.name}: {self.pms} PMs")
        print(f"enqueue (status-prompts job): {self.enqueue_seconds:.2f} s")
        print(f"drain wall time:              {self.drain_seconds:.2f} s")
        print(f"messages per second:          {rate:.0f}")
        print(
            f"delivered: {self.delivered}   duplicated: {self.duplicated}   lost: {self.lost}   "
            f"still queued (not yet due or not yet sent): {self.undelivered_pending}"
        )
        print(
            f"Slack answered 5xx: {self.server_errors},  429: {self.rate_limited} (injected faults and "
            f"tier limits),  conversations.open calls: {self.opens}"
        )
        print(f"outbox states after the drain: {dict(sorted(self.states.items()))}")


def database(url: str | None, workdir: Path, name: str) -> tuple[str, str | None]:
    """A fresh SQLite file, or a fresh schema on the PostgreSQL server; (url, schema to drop)."""
    if not url:
        return f"sqlite:///{workdir / (name + '.db')}", None
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    base = make_url(url).set(drivername="postgresql+psycopg")
    with create_engine(base, isolation_level="AUTOCOMMIT").connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    return base.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False
    ), schema


def drop_schema(url: str, schema: str) -> None:
    base = make_url(url).set(drivername="postgresql+psycopg")
    with create_engine(base, isolation_level="AUTOCOMMIT").connect() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


def run(
    name: str,
    *,
    pms: int,
    known_dms: bool,
    db_url: str,
    fault_rate: float,
    workers: int,
    max_seconds: float,
    seed: int,
) -> RunResult:
    engine = make_engine(db_url, pool_size=workers + 4, max_overflow=8)
    upgrade(engine)
    session_factory = make_session_factory(engine)
    with FakeSlack(team_id=TEAM_ID) as fake:
        users = [f"U{i:06d}" for i in range(pms)]
        for user in users:
            fake.add_user(user, name=user.lower(), tz="UTC", locale="en-US")
        workspace = ensure_workspace(
            session_factory,
            slack_team_id=TEAM_ID,
            name="Acme Bank",
            bot_user_id="UBOT",
            default_timezone="UTC",
            default_locale="en",
        )
        with UnitOfWork(session_factory, workspace.id) as uow:
            for i, user in enumerate(users):
                uow.session.add(
                    Member(
                        workspace_id=workspace.id,
                        slack_user_id=user,
                        name=f"PM {i}",
                        role="pm",
                        timezone="UTC",
                        locale="zh-CN" if i % 3 == 0 else "en-GB",
                        dm_channel_id=f"D{i:08d}" if known_dms else None,
                    )
                )
            uow.commit()

        settings = Settings(
            SLACK_BOT_TOKEN="xoxb-test",
            SLACK_SIGNING_SECRET="bench",
            SLACK_API_URL=fake.api_url,
            DATABASE_URL=db_url,
        )
        deps = AppDeps(settings, session_factory, build_web_client(settings), clock=lambda: PROMPT_TIME)
        started = time.perf_counter()
        queued = enqueue_prompts(deps, workspace.id, users)
        enqueue_seconds = time.perf_counter() - started

        fake.clear_calls()
        fake.slack_like_limits()
        fake.fault_rate(None, rate=fault_rate, statuses=(429, 500, 503), seed=seed)
        # The job ran as if at its prompt time; the sender runs now, on the real clock, as in production.
        sender = OutboxSender(
            session_factory=session_factory,
            client=deps.client,
            clock=lambda: dt.datetime.now(dt.UTC),
            workers=workers,
        )
        started = time.perf_counter()
        sender.drain(max_seconds=max_seconds)
        drain_seconds = time.perf_counter() - started

        posted: Counter[str] = Counter()
        server_errors = limited = 0
        for call in fake.calls:
            if call.status == 200 and call.method == "chat.postMessage" and call.response.get("ok"):
                metadata = call.params.get("metadata") or {}
                posted[(metadata.get("event_payload") or {}).get("key", "?")] += 1
            server_errors += call.status >= 500
            limited += call.status == 429
        opens = len(fake.calls_to("conversations.open"))
    with UnitOfWork(session_factory) as uow:
        states = uow.outbox.depth()
        settled = {row.delivery_key for row in uow.outbox.list(limit=pms + 1) if row.state in SETTLED}
    engine.dispose()
    keys = set(queued)
    return RunResult(
        name=name,
        pms=pms,
        enqueue_seconds=enqueue_seconds,
        drain_seconds=drain_seconds,
        delivered=sum(1 for k in keys if posted[k] >= 1),
        duplicated=sum(1 for k in keys if posted[k] > 1),
        # Lost: the outbox is done with it (sent or failed) yet Slack never got it.
        lost=sum(1 for k in keys if posted[k] == 0 and k in settled),
        undelivered_pending=sum(1 for k in keys if posted[k] == 0 and k not in settled),
        server_errors=server_errors,
        rate_limited=limited,
        opens=opens,
        states=states,
    )


def enqueue_prompts(deps: AppDeps, workspace_id: int, users: list[str]) -> list[str]:
    """The real `status-prompts` job when it queues the prompts; else the same payloads directly."""
    try:
        from bot.jobs import run_job

        summary = run_job("status-prompts", deps, PROMPT_TIME)
        print(f"status-prompts job: {summary}")
    except (ImportError, KeyError) as exc:
        print(f"status-prompts job unavailable ({exc}); enqueueing its payloads directly")
    with UnitOfWork(deps.session_factory, workspace_id) as uow:
        if len(uow.outbox.list(limit=len(users) + 1)) < len(users):
            for user in users:
                enqueue(
                    uow,
                    key=prompt_key(TEAM_ID, user, WEEK),
                    method="chat.postMessage",
                    payload={"channel": member_channel(user), **build_prompt("en", week=WEEK, name=user)},
                )
            uow.commit()
        return [row.delivery_key for row in uow.outbox.list(limit=len(users) + 1)]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pms", type=int, default=5000)
    parser.add_argument("--fault-rate", type=float, default=0.02)
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--seed", type=int, default=49)
    parser.add_argument("--max-seconds", type=float, default=300.0, help="cap on the warm drain")
    parser.add_argument("--cold-pms", type=int, default=5000)
    parser.add_argument("--cold-seconds", type=float, default=60.0)
    parser.add_argument("--skip-cold", action="store_true")
    parser.add_argument("--database-url", help="a PostgreSQL URL (default: a throwaway SQLite file)")
    parser.add_argument("--verbose", action="store_true", help="show the sender's warnings")
    args = parser.parse_args()
    logging.basicConfig(
        level=logging.WARNING if "--verbose" in sys.argv else logging.ERROR
    )  # the retries are expected; their log lines are noise here

    with tempfile.TemporaryDirectory(prefix="pmpulse-fanout-") as tmp:
        workdir = Path(tmp)
        url, schema = database(args.database_url, workdir, "warm")
        try:
            warm = run(
                "warm (DM channels known)",
                pms=args.pms,
                known_dms=True,
                db_url=url,
                fault_rate=args.fault_rate,
                workers=args.workers,
                max_seconds=args.max_seconds,
                seed=args.seed,
            )
        finally:
            if schema and args.database_url:
                drop_schema(args.database_url, schema)
        warm.print()
        ok = (
            warm.duplicated == 0
            and warm.lost == 0
            and warm.undelivered_pending == 0
            and warm.drain_seconds <= TARGET_SECONDS
        )
        print(
            f"targets (0 duplicated, 0 lost, within {TARGET_SECONDS:.0f} s): {'MET' if ok else 'MISSED'}",
            flush=True,
        )

        if not args.skip_cold:
            url, schema = database(args.database_url, workdir, "cold")
            try:
                cold = run(
                    f"cold (no DM channel known; drained for {args.cold_seconds:.0f} s)",
                    pms=args.cold_pms,
                    known_dms=False,
                    db_url=url,
                    fault_rate=args.fault_rate,
                    workers=args.workers,
                    max_seconds=args.cold_seconds,
                    seed=args.seed,
                )
            finally:
                if schema and args.database_url:
                    drop_schema(args.database_url, schema)
            cold.print()
            per_minute = cold.delivered / (cold.drain_seconds / 60.0) if cold.drain_seconds else 0.0
            if per_minute:
                print(
                    f"projected: {cold.pms} first-time DMs in about {cold.pms / per_minute:.0f} min at "
                    f"{per_minute:.0f}/min (Tier 3); the DM IDs are stored, so this happens once per member"
                )
            print(f"cold duplicates: {cold.duplicated}, lost: {cold.lost} (target 0)")
            ok = ok and cold.duplicated == 0 and cold.lost == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
