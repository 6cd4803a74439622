"""`pmpulse outbox`: what the outbox holds, re-queueing a failed message, draining by hand.

Operators read this, so it is plain English. Across workspaces unless `--team` names one.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from storage.outbox_state import OutboxState

# Imported by `pmpulse --help` for its parser: the database layer is imported when a command runs.
if TYPE_CHECKING:
    from bot.runtime import Runtime
    from storage.outbox import OutboxMessage

COLUMNS = ("ID", "KEY", "METHOD", "STATE", "ATTEMPTS", "CHANNEL", "TS", "LAST ERROR")
KEY_WIDTH = 48
ERROR_WIDTH = 80
DEFAULT_DRAIN_SECONDS = 60.0
EXIT_USAGE = 2  # a message that does not exist or cannot be retried: bad input, as everywhere in the CLI


def add_outbox_parser(sub: Any) -> None:
    """Register `outbox [--failed] [--state S] [--limit N]`, `outbox retry ID`, `outbox drain`."""
    outbox = sub.add_parser("outbox", help="list outbox messages (newest first), retry or drain them")
    outbox.add_argument("--failed", action="store_true", help="only messages that failed")
    outbox.add_argument("--state", choices=[s.value for s in OutboxState], help="only this state")
    outbox.add_argument("--limit", type=int, default=50, help="at most this many rows (default 50)")
    actions = outbox.add_subparsers(dest="outbox_command")
    retry = actions.add_parser("retry", help="re-queue a failed message: pending, 0 attempts, due now")
    retry.add_argument("id", type=int, help="the ID shown by `pmpulse outbox --failed`")
    drain = actions.add_parser("drain", help="send what is due now, waiting for retries up to --seconds")
    drain.add_argument("--seconds", type=float, default=DEFAULT_DRAIN_SECONDS, help="time limit (default 60)")


def run_outbox(args: argparse.Namespace, runtime: Runtime) -> int:
    from storage.uow import UnitOfWork

    workspace_id = _workspace_id(runtime, args.team)
    if args.outbox_command == "retry":
        return _retry(runtime, workspace_id, args.id)
    if args.outbox_command == "drain":
        from bot.delivery.sender import drain_now

        print(f"outbox: {drain_now(runtime.deps(), max_seconds=args.seconds)}")
        return 0
    state = OutboxState.FAILED if args.failed else OutboxState(args.state) if args.state else None
    with UnitOfWork(runtime.session_factory) as uow:
        if workspace_id is not None:
            uow.scope(workspace_id)
        rows = uow.outbox.list(state=state, limit=args.limit)
        depth = uow.outbox.depth()
    print_rows(rows)
    summary = ", ".join(f"{depth.get(s, 0)} {s}" for s in OutboxState)
    print(f"{len(rows)} shown; outbox holds {summary}")
    return 0


def _retry(runtime: Runtime, workspace_id: int | None, message_id: int) -> int:
    from bot.deps import utc_now
    from storage.uow import UnitOfWork

    with UnitOfWork(runtime.session_factory) as uow:
        if workspace_id is not None:
            uow.scope(workspace_id)
        row = uow.outbox.get(message_id)
        if row is None:
            print(f"pmpulse: no outbox message {message_id}", file=sys.stderr)
            return EXIT_USAGE
        if row.state != OutboxState.FAILED:
            # Only failed rows: re-queueing a sent one would post it twice.
            print(
                f"pmpulse: outbox message {message_id} is {row.state}; only failed messages can be retried",
                file=sys.stderr,
            )
            return EXIT_USAGE
        uow.outbox.requeue(message_id, now=utc_now())
        uow.commit()
    print(f"re-queued outbox message {message_id} ({row.delivery_key}); the sender picks it up next")
    return 0


def _workspace_id(runtime: Runtime, team: str | None) -> int | None:
    from bot.config import ConfigError
    from bot.services.workspaces import find_workspace

    if not team:
        return None
    found = find_workspace(runtime.session_factory, team)
    if found is None:
        raise ConfigError(f"--team: no workspace {team!r} in the database")
    return found.id


def print_rows(rows: Sequence[OutboxMessage]) -> None:
    table: list[tuple[str, ...]] = [COLUMNS]
    table += [
        (
            str(r.id),
            _clip(r.delivery_key, KEY_WIDTH),
            r.method,
            r.state,
            str(r.attempts),
            r.channel or "-",
            r.ts or "-",
            _clip(" ".join((r.last_error or "-").split()), ERROR_WIDTH),
        )
        for r in rows
    ]
    widths = [max(len(row[i]) for row in table) for i in range(len(COLUMNS))]
    for row in table:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
