"""Commands that only read or write the database run without Slack settings, once a workspace is stored.

And `pmpulse run --http` starts without Bolt's warning that the bot token will be unused.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from bot.fakeslack import FakeSlack, SlackRequestSender
from tests.support.cli import pmpulse, run_http
from tests.support.harness import SIGNING_SECRET, TEAM_ID

DATABASE_ONLY = [
    ("config", "show"),
    ("config", "set", "prompt_time", "09:30"),
    ("config", "set", "digest_channel", "none"),
    ("team", "list"),
    ("outbox",),
    ("jobs", "list"),
    ("db", "upgrade"),
]
# Need no workspace at all: they work on a database that no start has written to yet.
NO_WORKSPACE_NEEDED = {("outbox",), ("jobs", "list"), ("db", "upgrade")}


def database_only(env: dict[str, str]) -> dict[str, str]:
    """The shell of someone with the database URL and nothing of Slack."""
    return {k: v for k, v in env.items() if k not in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")}


def test_database_commands_need_no_slack_once_a_workspace_is_stored(
    env: dict[str, str], fake: FakeSlack
) -> None:
    assert pmpulse(env, "team", "list").returncode == 0  # with the token: the workspace is stored
    fake.clear_calls()
    bare = database_only(env)

    for command in DATABASE_ONLY:
        result = pmpulse(bare, *command)
        assert result.returncode == 0, (command, result.stderr)
        assert result.stderr == "", (command, result.stderr)

    assert "prompt_time              09:30" in pmpulse(bare, "config", "show").stdout
    assert fake.calls == []  # Slack was not asked anything


def test_a_channel_setting_without_a_token_says_it_needs_slack(env: dict[str, str], fake: FakeSlack) -> None:
    fake.add_channel("pm-weekly")
    assert pmpulse(env, "team", "list").returncode == 0

    result = pmpulse(database_only(env), "config", "set", "digest_channel", "pm-weekly")

    assert result.returncode == 2
    assert result.stderr == (
        "pmpulse: digest_channel: checking a channel needs Slack: "
        "set SLACK_BOT_TOKEN (the bot token, xoxb-…)\n"
    )
    assert "digest_channel           -" in pmpulse(database_only(env), "config", "show").stdout


@pytest.mark.parametrize("command", DATABASE_ONLY, ids=" ".join)
def test_before_the_first_start_each_says_what_to_do(env: dict[str, str], command: tuple[str, ...]) -> None:
    bare = database_only(env)
    assert pmpulse(bare, "db", "upgrade").returncode == 0

    result = pmpulse(bare, *command)

    if command in NO_WORKSPACE_NEEDED:
        assert result.returncode == 0, result.stderr
        return
    assert result.returncode == 2
    assert result.stderr == (
        "pmpulse: configuration error: SLACK_BOT_TOKEN: no workspace is stored yet: start pmpulse once "
        "with its bot token (`pmpulse run`), or set SLACK_BOT_TOKEN for this command\n"
    )


def test_run_http_starts_without_bolts_unused_token_warning(env: dict[str, str], fake: FakeSlack) -> None:
    with run_http(env) as server:
        # A request whose listener calls Slack: the client Bolt hands it reaches the fake Slack.
        sender = SlackRequestSender(
            app_url=f"{server.url}/slack/events", signing_secret=SIGNING_SECRET, team_id=TEAM_ID, fake=fake
        )
        response_url = fake.response_url()
        sent = sender.slash_command(
            user_id="UADMIN", text="team add <@UMGR|mei> manager", response_url=response_url
        )
        assert sent.status_code == 200
        answer = fake.wait_for("response_url", lambda c: c.params["_url"] == response_url, timeout=10)
        assert "<@UMGR>" in answer.params["text"]
        assert fake.calls_to("users.info")
    output = server.output
    for warning in ("will be unused", "will be ignored", "token` (or SLACK_BOT_TOKEN"):
        assert warning not in output, output


# What an operator command that reads or writes the database has no use for: the Bolt app and its
# listeners, the migration tool (the database is at the newest revision), the scheduler, the fake
# Slack. Loading them made every command cost about a second.
NOT_FOR_DATABASE_COMMANDS = ("slack_bolt", "handlers", "bot.app", "alembic", "apscheduler", "bot.fakeslack")


def test_database_commands_load_neither_bolt_nor_the_migration_tool(env: dict[str, str]) -> None:
    assert pmpulse(env, "db", "upgrade").returncode == 0
    assert pmpulse(env, "team", "list").returncode == 0  # the workspace is stored
    commands = [["team", "list"], ["config", "show"], ["outbox"], ["jobs", "list"]]
    # One fresh interpreter runs them all, each with the bot token (auth.test names the workspace)
    # and without: what one loads stays loaded, so nothing loaded at the end means none loaded it.
    probe = (
        "import os, sys\n"
        "from bot.cli import main\n"
        f"for shell in {[env, database_only(env)]!r}:\n"
        "    os.environ.clear()\n"
        "    os.environ.update(shell)\n"
        f"    for command in {commands!r}:\n"
        "        code = main(command)\n"
        f"        heavy = sorted(m for m in {NOT_FOR_DATABASE_COMMANDS!r} if m in sys.modules)\n"
        "        print(' '.join(command), 'exit:', code, 'heavy:', heavy)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    verdicts = [line for line in result.stdout.splitlines() if " exit: " in line]
    assert verdicts == [f"{' '.join(c)} exit: 0 heavy: []" for c in commands] * 2, (
        result.stdout,
        result.stderr,
    )
