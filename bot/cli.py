"""`pmpulse`: run the bot and look after it from the shell."""

from __future__ import annotations

import argparse
import atexit
import datetime as dt
import json
import logging
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.domain.goals import PRODUCT_LINE_MAX
from bot.domain.roster import Role, parse_user
from bot.outbox_cli import add_outbox_parser

# Only what parsing the arguments needs is imported here: `pmpulse --help` must not wait for
# Bolt, SQLAlchemy and the whole application. Each command imports what it uses.
if TYPE_CHECKING:
    from bot.runtime import Runtime
    from bot.services.channels import ChannelCheck
    from bot.services.errors import ServiceError
    from bot.services.roster import Change

EXIT_CONFIG = 2
EXIT_USAGE = 2  # as argparse exits on arguments it cannot use
EXIT_BROKEN_PIPE = 128 + 13  # as a shell reports a command killed by SIGPIPE (`pmpulse demo | head`)
FIND_MEMBER_ID = "in Slack, open their profile, click ⋮ (More) and choose Copy member ID"


def _count_metrics_across_workers() -> None:
    """HTTP workers are processes: each counts in files in one directory, summed when /metrics is
    read (prometheus_client's multiprocess mode, chosen by this variable before it is imported).
    A directory the operator names is theirs to empty between runs; one made here goes at exit."""
    from bot.config import METRICS_DIR

    if os.environ.get(METRICS_DIR):
        return
    made = tempfile.mkdtemp(prefix="pmpulse-metrics-")
    os.environ[METRICS_DIR] = made
    pid = os.getpid()

    def remove() -> None:
        if os.getpid() == pid:  # gunicorn's workers inherit the hook: the process that made it removes it
            shutil.rmtree(made, ignore_errors=True)

    atexit.register(remove)


def _at_least_one(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, not {value!r}")
    return number


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pmpulse", description=__doc__)
    parser.add_argument("--team", help="Slack team ID of the workspace (when several are stored)")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run the bot (Socket Mode if SLACK_APP_TOKEN is set, else HTTP)")
    run.add_argument("--http", action="store_true", help="force HTTP mode")
    run.add_argument(
        "--workers", type=_at_least_one, help="HTTP worker processes (default: one per CPU core it may use)"
    )
    run.add_argument("--threads", type=_at_least_one, default=16, help="threads per HTTP worker (default 16)")

    db = sub.add_parser("db", help="database maintenance").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="apply migrations")

    team = sub.add_parser("team", help="the roster").add_subparsers(dest="team_command", required=True)
    add = team.add_parser("add", help="add someone to the roster")
    add.add_argument("user_id")
    add.add_argument("--role", required=True, choices=[r.value for r in Role])
    add.add_argument("--manager", help="Slack user ID of their manager")
    add.add_argument("--product", help="a product line they own")
    team.add_parser("list", help="print the roster")
    remove = team.add_parser("remove", help="take someone off the roster (their history is kept)")
    remove.add_argument("user_id")

    config = sub.add_parser("config", help="team settings").add_subparsers(
        dest="config_command", required=True
    )
    config_set = config.add_parser("set", help="change a team setting")
    config_set.add_argument("key")
    config_set.add_argument("value")
    config.add_parser("show", help="print the team settings")

    jobs = sub.add_parser("jobs", help="scheduled jobs").add_subparsers(dest="jobs_command", required=True)
    jobs.add_parser("list", help="list scheduled jobs")
    jobs_run = jobs.add_parser("run", help="run a job now, as if it were --at")
    jobs_run.add_argument("name")
    jobs_run.add_argument("--at", help="ISO-8601 time (default: now); without an offset, UTC")
    jobs_run.add_argument(
        "--drain-seconds",
        type=float,
        default=120.0,
        help="deliver what the job enqueued for at most this long before exiting (default 120; 0: leave it)",
    )

    sub.add_parser("doctor", help="check tokens, scopes, database and clock")
    sub.add_parser("demo", help="one simulated week of a bank PM team on a fake Slack, no account needed")
    add_outbox_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        code = _main(argv)
        sys.stdout.flush()  # a closed pipe shows here, while it can still be handled
    except BrokenPipeError:
        # The reader went away (`pmpulse demo | head -3`): stop quietly, as Python's docs on SIGPIPE
        # advise, pointing stdout at devnull so the flush at exit cannot raise again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    return code


def _main(argv: Sequence[str] | None) -> int:
    args = build_parser().parse_args(argv)
    # A running bot logs what it does; one-off commands print only their answer (and warnings).
    logging.basicConfig(
        level=logging.INFO if args.command == "run" else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # APScheduler logs every run of every job at INFO (the outbox drain runs every few seconds).
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    # Alembic announces each of its plugins at INFO when it is first imported, after this point.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    # The same limit as `/pm team add` and the goal modal, checked before anything is opened.
    product = getattr(args, "product", None) or ""
    if args.command == "team" and len(product) > PRODUCT_LINE_MAX:
        print(f"pmpulse: --product: at most {PRODUCT_LINE_MAX} characters", file=sys.stderr)
        return EXIT_USAGE
    if args.command == "team" and args.team_command in ("add", "remove"):
        for option, value in (("USER_ID", args.user_id), ("--manager", getattr(args, "manager", None))):
            if value is not None and _member_id(value) is None:
                print(
                    f"pmpulse: {option}: {value!r} is not a Slack member ID (like U0123ABCD); "
                    f"to find one, {FIND_MEMBER_ID}",
                    file=sys.stderr,
                )
                return EXIT_USAGE
    if args.command == "demo":
        from bot.demo import run_demo

        return run_demo()
    from slack_sdk.errors import SlackApiError, SlackClientError

    from bot.config import ConfigError, load_settings

    try:
        settings = load_settings()
        if args.command == "run":
            if args.http or not settings.socket_mode:
                _count_metrics_across_workers()  # before anything imports prometheus_client
            from bot.runner import run

            return run(settings, http=args.http, workers=args.workers, threads=args.threads)
        if args.command == "doctor":
            from bot.doctor import run_doctor

            return run_doctor(settings)
        from bot.runtime import open_runtime

        runtime = open_runtime(settings)
        return _dispatch(args, runtime)
    except ConfigError as exc:
        # One line per setting, each naming it.
        for line in str(exc).splitlines():
            print(f"pmpulse: configuration error: {line}", file=sys.stderr)
        return EXIT_CONFIG
    except SlackApiError as exc:
        # slack_sdk's message spans two lines and repeats the URL: the method and Slack's answer say it.
        method = exc.response.api_url.rstrip("/").rsplit("/", 1)[-1]
        answer = exc.response.get("error") or "no error code"
        print(
            f"pmpulse: cannot reach Slack: {method} answered HTTP {exc.response.status_code}: {answer}",
            file=sys.stderr,
        )
        return 1
    except (SlackClientError, OSError) as exc:
        print(f"pmpulse: cannot reach Slack: {exc}", file=sys.stderr)
        return 1


def _member_id(text: str) -> str | None:
    """A Slack member ID as typed or pasted: `U0123ABCD`, `u0123abcd`, `<@U0123ABCD|mei>`."""
    return parse_user(text.strip().upper())


_EMOJI = re.compile(r"^:[a-z0-9_+-]+:\s*")


def _service_error(exc: ServiceError) -> int:
    """Print a refusal of the roster service as the sentence Slack users read, and exit 2."""
    from bot.i18n import t

    message = _EMOJI.sub("", t("en", exc.key, **exc.params))
    if exc.key == "team.error.user_not_found":
        message += f" To find someone's member ID, {FIND_MEMBER_ID}."
    print(f"pmpulse: {message}", file=sys.stderr)
    return EXIT_USAGE


def _change_text(change: Change) -> str:
    """`role pm → manager`: one changed field, as `/pm team add` says it in Slack."""
    from bot.i18n import t
    from bot.services import roster

    keys = {
        roster.ChangeField.ROLE: "team.change.role",
        roster.ChangeField.MANAGER: "team.change.manager",
        roster.ChangeField.PRODUCT_LINES: "team.change.product_lines",
    }
    none = t("en", "team.change.none")
    return t("en", keys[change.field], old=change.old or none, new=change.new or none)


def _dispatch(args: argparse.Namespace, runtime: Runtime) -> int:
    from bot.runtime import select_workspace
    from bot.services import roster
    from bot.services.errors import ServiceError
    from bot.services.workspaces import CLEARED, is_channel_setting, set_team_setting, team_settings_rows

    if args.command == "db":
        print("database is at the latest migration")
        return 0
    if args.command == "jobs":
        return _jobs(args, runtime)
    if args.command == "outbox":
        from bot.outbox_cli import run_outbox

        return run_outbox(args, runtime)
    workspace = select_workspace(runtime, args.team)
    deps = runtime.deps()
    if args.command == "team" and args.team_command == "add":
        from bot.slack_profiles import profile_lookup

        try:
            change = roster.add_member(
                deps.uow,
                workspace_id=workspace.id,
                actor="cli",
                actor_role=Role.ADMIN,
                user_id=_member_id(args.user_id) or args.user_id,
                role=Role(args.role),
                product_line=args.product,
                manager_slack_id=(_member_id(args.manager) or args.manager) if args.manager else None,
                lookup=profile_lookup(deps.client),
                configured_admins=deps.settings.PMPULSE_ADMINS,
                now=deps.clock(),
            )
        except ServiceError as exc:
            return _service_error(exc)
        member = change.member
        if change.created:
            print(f"added {member.slack_user_id} ({member.name}) as {member.role}")
        elif change.changes:
            changed = "; ".join(_change_text(c) for c in change.changes)
            print(f"updated {member.slack_user_id} ({member.name}): {changed}")
        else:
            print(f"{member.slack_user_id} ({member.name}) is already {member.role} on the roster; no change")
        return 0
    if args.command == "team" and args.team_command == "remove":
        try:
            # The operator at the shell acts as an admin, as for `team add`.
            removed = roster.remove_member(
                deps.uow,
                workspace_id=workspace.id,
                actor="cli",
                actor_role=Role.ADMIN,
                user_id=_member_id(args.user_id) or args.user_id,
                configured_admins=deps.settings.PMPULSE_ADMINS,
            )
        except ServiceError as exc:
            return _service_error(exc)
        print(f"removed {removed.slack_user_id} ({removed.name}) from the roster; their history is kept")
        return 0
    if args.command == "team":
        members = roster.list_team(deps.uow, workspace_id=workspace.id)
        rows: list[tuple[str, ...]] = [("SLACK ID", "NAME", "ROLE", "MANAGER", "PRODUCT LINES")]
        rows += [
            (
                m.slack_user_id,
                m.name,
                f"{m.role} (deactivated in Slack)" if m.deactivated_in_slack else m.role,
                m.manager_slack_id or "-",
                ", ".join(m.product_lines) or "-",
            )
            for m in members
        ]
        _print_table(rows)
        return 0
    if args.command == "config" and args.config_command == "set":
        value, note = args.value, ""
        if is_channel_setting(args.key) and args.value.strip() not in CLEARED:
            checked = _checked_channel(args.key, args.value, runtime)
            if isinstance(checked, int):
                return checked
            value = checked.id
            note = f" to {checked.label}" + ("; pmpulse joined it" if checked.joined else "")
        with deps.uow(workspace.id) as uow:
            try:
                set_team_setting(uow, actor="cli", setting=args.key, text=value)
            except ValueError as exc:
                print(f"pmpulse: {args.key}: {exc}", file=sys.stderr)
                return EXIT_CONFIG
        print(f"{args.key} set{note}")
        return 0
    with deps.uow(workspace.id) as uow:
        _print_table([("SETTING", "VALUE"), *team_settings_rows(uow)])
    return 0


def _checked_channel(key: str, text: str, runtime: Runtime) -> ChannelCheck | int:
    """The channel `text` names, with pmpulse in it; else the exit code, after one line saying why."""
    from bot.i18n import t
    from bot.services.errors import ServiceError
    from bot.slack_channels import channel_to_post_in

    if runtime.settings.SLACK_BOT_TOKEN is None:
        print(
            f"pmpulse: {key}: checking a channel needs Slack: set SLACK_BOT_TOKEN (the bot token, xoxb-…)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    try:
        return channel_to_post_in(runtime.deps().client, text)
    except ServiceError as exc:
        print(f"pmpulse: {key}: {t('en', exc.key, **exc.params)}", file=sys.stderr)
        return EXIT_USAGE


def _jobs(args: argparse.Namespace, runtime: Runtime) -> int:
    from bot.jobs import JOBS, describe_jobs, run_job
    from storage.clock import starting_at

    if args.jobs_command == "list":
        _print_table(
            [
                ("NAME", "SCHEDULE", "DESCRIPTION"),
                *[(j["name"], j["schedule"], j["description"]) for j in describe_jobs()],
            ]
        )
        return 0
    if args.name not in JOBS:
        print(f"pmpulse: unknown job {args.name!r}; one of: {', '.join(JOBS)}", file=sys.stderr)
        return EXIT_CONFIG
    deps = runtime.deps()
    now = deps.clock()
    if args.at:
        try:
            now = dt.datetime.fromisoformat(args.at)
        except ValueError:
            print(f"pmpulse: --at: not an ISO-8601 time: {args.at!r}", file=sys.stderr)
            return EXIT_CONFIG
        now = now if now.tzinfo else now.replace(tzinfo=dt.UTC)
        # As if it were then, for everything the job and its delivery do: time runs on from `at`.
        deps.clock = starting_at(now)
    result = run_job(args.name, deps, now)
    if args.drain_seconds > 0:
        from bot.delivery.sender import drain_now

        # Deliver what the job enqueued before exiting; a running bot's sender takes over any rest.
        print(f"outbox: {drain_now(deps, max_seconds=args.drain_seconds)}")
    print(json.dumps({"job": args.name, "at": now.isoformat(), "result": result}))
    return 0


def _print_table(rows: Sequence[Sequence[str]]) -> None:
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


if __name__ == "__main__":
    sys.exit(main())
