"""Weekly digest at scale: 2,000 PMs with two years of weekly updates, blockers and KPI values.

Run by hand, never from the test suite (see bench/README.md):

    .venv/bin/python bench/digest_scale.py [--pms 2000] [--weeks 104] [--runs 7] [--database URL]

It generates the history into a throwaway SQLite database (bulk inserts; or into `--database`,
an empty PostgreSQL database, say), then builds the digest of the latest week through the real
service and Block Kit builder (`bot.services.digest.weekly_digest` then `bot.ui.digest.build_digest`:
every query, the parent message and each PM's thread replies), several times. It prints the
median and worst build time, tracemalloc's peak for one build, and the process's peak RSS.
Targets: **build under 500 ms** and **peak memory under 300 MB**.
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing
import random
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, select

from bot.domain.weeks import iso_week, previous_week, week_start
from bot.services.digest import weekly_digest
from bot.services.workspaces import ensure_workspace, set_team_setting
from bot.ui.digest import build_digest
from storage.db import make_engine, make_session_factory, upgrade
from storage.goals import Goal
from storage.roster import Member, MemberProductLine, ProductLine
from storage.status import Blocker, KpiValue, StatusUpdate
from storage.uow import UnitOfWork

BUILD_TARGET_MS = 500.0
MEMORY_TARGET_MB = 300.0
LATEST_WEEK = "2026-W48"
NOW = dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC)  # Friday 17:00 in Shanghai: digest time
PRODUCT_LINES = (
    "Credit Cards",
    "Deposits",
    "Consumer Loans",
    "Mortgages",
    "Wealth",
    "Payments",
    "SME Lending",
)
PROGRESS = (
    "Closed the pricing review with Finance; rollout plan agreed with branch network. "
    "Conversion on the new onboarding flow is up 4 points week on week; app store rating steady. "
)
PLANS = "Pilot in two more cities, finish the compliance pack, and run the churn interviews with RM teams."
BLOCKERS = (
    "Waiting on core banking change freeze exemption",
    "Risk sign-off on the new credit limit policy",
    "Vendor API quota for card tokenisation",
    "Legal review of the marketing consent wording",
)
BATCH = 20_000


def chunks(rows: Sequence[dict[str, Any]], size: int = BATCH) -> Iterator[Sequence[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def bulk(engine: Engine, model: type[Any], rows: Sequence[dict[str, Any]]) -> None:
    with engine.begin() as connection:
        for chunk in chunks(rows):
            connection.execute(insert(model), list(chunk))


def generate(engine: Engine, *, pms: int, weeks: int, seed: int) -> dict[str, int]:
    """The team, its goals and `weeks` weeks of history up to LATEST_WEEK; row counts."""
    rng = random.Random(seed)
    session_factory = make_session_factory(engine)
    ref = ensure_workspace(
        session_factory,
        slack_team_id="T0001",
        name="Acme Bank",
        bot_user_id="UBOT",
        default_timezone="Asia/Shanghai",
        default_locale="en",
    )
    with UnitOfWork(session_factory, ref.id) as uow:
        set_team_setting(uow, actor="bench", setting="digest_channel", text="C0DIGEST")
    ws = ref.id
    created = dt.datetime(2024, 11, 1, tzinfo=dt.UTC)
    managers = max(1, pms // 8)
    bulk(
        engine,
        Member,
        [
            {
                "workspace_id": ws,
                "slack_user_id": f"UM{i:05d}",
                "name": f"Manager {i}",
                "role": "manager",
                "timezone": "Asia/Shanghai",
                "locale": "zh-CN",
                "active": True,
                "created_at": created,
                "updated_at": created,
            }
            for i in range(managers)
        ],
    )
    with engine.connect() as connection:
        manager_ids = list(connection.scalars(select(Member.id).where(Member.role == "manager")))
    zones = ("Asia/Shanghai", "Asia/Hong_Kong", "Europe/London", "America/New_York", "Asia/Singapore")
    bulk(
        engine,
        Member,
        [
            {
                "workspace_id": ws,
                "slack_user_id": f"UP{i:05d}",
                "name": f"PM {i} <!channel>" if i % 500 == 0 else f"PM {i}",
                "role": "pm",
                "manager_id": manager_ids[i % len(manager_ids)],
                "timezone": zones[i % len(zones)],
                "locale": "zh-CN" if i % 2 else "en",
                "active": True,
                "created_at": created,
                "updated_at": created,
            }
            for i in range(pms)
        ],
    )
    with engine.connect() as connection:
        pm_ids = list(connection.scalars(select(Member.id).where(Member.role == "pm").order_by(Member.id)))
    bulk(engine, ProductLine, [{"workspace_id": ws, "name": n, "created_at": created} for n in PRODUCT_LINES])
    with engine.connect() as connection:
        line_ids = list(connection.scalars(select(ProductLine.id)))
    bulk(
        engine,
        MemberProductLine,
        [
            {"workspace_id": ws, "member_id": m, "product_line_id": line_ids[i % len(line_ids)]}
            for i, m in enumerate(pm_ids)
        ],
    )

    all_weeks = [previous_week(LATEST_WEEK, n) for n in range(weeks - 1, -1, -1)]
    first_day = week_start(all_weeks[0])
    goals = []
    for i, member_id in enumerate(pm_ids):
        for g in range(2):
            up = (i + g) % 3 != 0
            goals.append(
                {
                    "workspace_id": ws,
                    "owner_id": member_id,
                    "product_line_id": line_ids[i % len(line_ids)],
                    "title": f"Goal {g} of PM {i}",
                    "metric": "Monthly active cardholders" if up else "NPL ratio",
                    "unit": "k" if up else "%",
                    "baseline": 100.0 if up else 2.5,
                    "target": 160.0 if up else 1.8,
                    "start_date": first_day,
                    "due_date": dt.date(2027, 6, 30),
                    "direction": "up" if up else "down",
                    "status": "open",
                    "created_by": "bench",
                    "created_at": created,
                }
            )
    bulk(engine, Goal, goals)
    with engine.connect() as connection:
        goal_rows = connection.execute(select(Goal.id, Goal.baseline, Goal.target).order_by(Goal.id)).all()

    updates: list[dict[str, Any]] = []
    for week_index, week in enumerate(all_weeks):
        submitted_at = dt.datetime.combine(week_start(week) + dt.timedelta(days=3), dt.time(9), dt.UTC)
        for member_id in pm_ids:
            roll = rng.random()
            if roll < 0.08:
                continue  # missing
            skipped = roll < 0.12
            health = "green" if rng.random() < 0.75 else ("amber" if rng.random() < 0.7 else "red")
            updates.append(
                {
                    "workspace_id": ws,
                    "member_id": member_id,
                    "week": week,
                    "state": "skipped" if skipped else "submitted",
                    "progress": "" if skipped else PROGRESS * (1 + week_index % 3),
                    "plans": "" if skipped else PLANS,
                    "health": None if skipped else health,
                    "health_reason": "" if skipped or health == "green" else "Vendor slipped two weeks",
                    "topic": "",
                    "risk": "",
                    "revision": 1,
                    "late": False,
                    "submitted_at": submitted_at,
                    "updated_at": submitted_at,
                }
            )
    bulk(engine, StatusUpdate, updates)
    recent = set(all_weeks[-9:])
    with engine.connect() as connection:
        update_rows = connection.execute(
            select(StatusUpdate.id, StatusUpdate.week).where(StatusUpdate.state == "submitted")
        ).all()
    blockers: list[dict[str, Any]] = []
    for update_id, week in update_rows:
        for position in range(rng.choice((0, 0, 1, 1, 2))):
            resolved = week not in recent or rng.random() < 0.5
            blockers.append(
                {
                    "workspace_id": ws,
                    "update_id": update_id,
                    "position": position,
                    "text": rng.choice(BLOCKERS),
                    "resolved": resolved,
                    "created_at": created,
                }
            )
    bulk(engine, Blocker, blockers)
    kpis = [
        {
            "workspace_id": ws,
            "goal_id": goal_id,
            "week": week,
            "value": round(baseline + (target - baseline) * n / (weeks * 1.5) * rng.uniform(0.6, 1.2), 2),
            "recorded_at": created,
        }
        for goal_id, baseline, target in goal_rows
        for n, week in enumerate(all_weeks)
        if rng.random() < 0.9
    ]
    bulk(engine, KpiValue, kpis)
    return {
        "pms": len(pm_ids),
        "goals": len(goal_rows),
        "updates": len(updates),
        "blockers": len(blockers),
        "kpi values": len(kpis),
    }


def _generate_into(url: str, pms: int, weeks: int, seed: int) -> dict[str, int]:
    engine = make_engine(url)
    upgrade(engine)
    try:
        return generate(engine, pms=pms, weeks=weeks, seed=seed)
    finally:
        engine.dispose()


def build_once(engine: Engine) -> tuple[float, int, int]:
    """One digest build: seconds, thread replies, messages (parent included)."""
    session_factory = make_session_factory(engine)
    started = time.perf_counter()
    with UnitOfWork(session_factory, 1) as uow:
        plan = weekly_digest(uow, week=LATEST_WEEK, now=NOW)
    messages = build_digest(plan.locale, plan.digest)
    # The digest job hands each reply to the outbox as it is built; here it is only counted.
    replies = parts = 0
    for reply in messages.replies:
        replies += 1
        parts += len(reply.parts)
    elapsed = time.perf_counter() - started
    return elapsed, replies, 1 + parts


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pms", type=int, default=2000)
    parser.add_argument("--weeks", type=int, default=104, help="weeks of history (default 104: two years)")
    parser.add_argument("--runs", type=int, default=7, help="measured builds (default 7)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database", help="an empty database URL (default: a throwaway SQLite file)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="pmpulse-digest-") as tmp:
        url = args.database or f"sqlite:///{Path(tmp) / 'digest.db'}"
        started = time.perf_counter()
        # Generated in a child process, so this process's peak memory is the digest's alone.
        with multiprocessing.get_context("spawn").Pool(1) as pool:
            counts = pool.apply(_generate_into, (url, args.pms, args.weeks, args.seed))
        engine = make_engine(url)
        print(
            f"generated in {time.perf_counter() - started:.1f} s: "
            + ", ".join(f"{v:,} {k}" for k, v in counts.items())
        )
        first = iso_week(week_start(previous_week(LATEST_WEEK, args.weeks - 1)))
        print(f"database: {engine.dialect.name}; digest of {LATEST_WEEK} (history {first} .. {LATEST_WEEK})")

        build_once(engine)  # warm-up: imports, statement caches, SQLite page cache
        times = []
        for _ in range(args.runs):
            elapsed, replies, messages = build_once(engine)
            times.append(elapsed * 1000)
        tracemalloc.start()
        build_once(engine)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        engine.dispose()

    median = statistics.median(times)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux
    peak_mb = peak / 1024 / 1024
    print(f"thread replies: {replies:,}; messages queued per digest: {messages:,}")
    print(f"build time: median {median:.0f} ms, worst {max(times):.0f} ms over {args.runs} runs")
    print(f"memory: tracemalloc peak {peak_mb:.0f} MB during one build; process peak RSS {rss_mb:.0f} MB")
    ok_time = median < BUILD_TARGET_MS
    ok_memory = max(peak_mb, rss_mb) < MEMORY_TARGET_MB
    print(f"target build < {BUILD_TARGET_MS:.0f} ms: {'met' if ok_time else 'MISSED'}")
    print(f"target memory < {MEMORY_TARGET_MB:.0f} MB: {'met' if ok_memory else 'MISSED'}")
    return 0 if ok_time and ok_memory else 1


if __name__ == "__main__":
    sys.exit(main())
