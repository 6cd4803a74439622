"""The first hour of an operator: every mistake at the shell gets an answer to act on, never a traceback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.support.cli import PMPULSE, free_port, pmpulse, pmpulse_cold, pmpulse_started
from tests.support.database import writes_held

# Commands that open the database before doing anything else.
DATABASE_COMMANDS = [
    ("run", "--http"),
    ("db", "upgrade"),
    ("team", "list"),
    ("team", "add", "UPM1", "--role", "pm"),
    ("team", "remove", "UPM1"),
    ("config", "show"),
    ("jobs", "list"),
    ("outbox",),
]


@pytest.mark.parametrize("command", DATABASE_COMMANDS, ids=" ".join)
def test_a_missing_database_directory_is_one_line_naming_the_setting(
    env: dict[str, str], command: tuple[str, ...]
) -> None:
    url = "sqlite:////nonexistent/dir/x.db"
    result = pmpulse({**env, "DATABASE_URL": url}, *command)
    assert result.returncode == 2, result.stderr
    assert result.stderr == (
        f"pmpulse: configuration error: DATABASE_URL: cannot open the database at {url}: "
        "unable to open database file\n"
    )


@pytest.mark.parametrize("command", [("run", "--http"), ("team", "list"), ("db", "upgrade")], ids=" ".join)
def test_a_closed_postgresql_port_is_one_line_without_the_password(
    env: dict[str, str], command: tuple[str, ...]
) -> None:
    result = pmpulse({**env, "DATABASE_URL": "postgresql://postgres:hunter2@127.0.0.1:1/x"}, *command)
    assert result.returncode == 2, result.stderr
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert result.stderr.startswith(
        "pmpulse: configuration error: DATABASE_URL: cannot open the database at "
        "postgresql://postgres:***@127.0.0.1:1/x: "
    )
    assert "Connection refused" in result.stderr and "hunter2" not in result.stderr + result.stdout


def test_an_empty_variable_counts_as_unset(env: dict[str, str]) -> None:
    assert pmpulse(env, "db", "upgrade").returncode == 0
    doctor = pmpulse({**env, "SLACK_APP_TOKEN": "", "SLACK_CLIENT_ID": ""}, "doctor")
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    assert "ok   request verification: signing secret set (HTTP mode)" in doctor.stdout


def test_every_malformed_setting_is_named_one_per_line(env: dict[str, str]) -> None:
    bad = {**env, "PORT": "eighty", "PMPULSE_ADMINS": "bob", "PMPULSE_DEFAULT_TIMEZONE": "Mars/Olympus"}
    result = pmpulse(bad, "team", "list")
    assert result.returncode == 2
    assert sorted(line.split(":")[2].strip() for line in result.stderr.splitlines()) == [
        "PMPULSE_ADMINS",
        "PMPULSE_DEFAULT_TIMEZONE",
        "PORT",
    ], result.stderr
    assert all(line.startswith("pmpulse: configuration error: ") for line in result.stderr.splitlines())


def test_every_missing_setting_of_run_is_named(env: dict[str, str]) -> None:
    bare = {k: v for k, v in env.items() if k not in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")}
    result = pmpulse(bare, "run", "--http")
    assert result.returncode == 2
    assert [line.split(":")[2].strip() for line in result.stderr.splitlines()] == [
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
    ], result.stderr


def test_doctor_reports_every_check_when_the_database_driver_is_missing(env: dict[str, str]) -> None:
    url = "postgresql+psycopg2://postgres:hunter2@127.0.0.1:1/x"
    result = pmpulse({**env, "DATABASE_URL": url}, "doctor")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and "hunter2" not in result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[1] == (
        "FAIL database: DATABASE_URL: cannot open the database at "
        "postgresql+psycopg2://postgres:***@127.0.0.1:1/x: "
        "its driver psycopg2 is not installed (pmpulse installs psycopg: postgresql://)"
    )
    assert any(line.startswith("ok   slack token: valid for workspace") for line in lines), lines
    assert any(line.startswith("ok   request verification:") for line in lines), lines
    assert lines[-1] == "1 check(s) failed"


def test_team_add_takes_member_ids_as_people_paste_them(env: dict[str, str]) -> None:
    assert pmpulse(env, "db", "upgrade").returncode == 0
    lower = pmpulse(env, "team", "add", "umgr", "--role", "manager")
    assert lower.returncode == 0, lower.stderr
    assert lower.stdout.startswith("added UMGR (")
    mention = pmpulse(env, "team", "add", "<@UPM1|li>", "--role", "pm", "--manager", "<@umgr>")
    assert mention.returncode == 0, mention.stderr
    assert mention.stdout.startswith("added UPM1 (")

    again = pmpulse(env, "team", "add", "UPM1", "--role", "manager")
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("updated UPM1 (") and again.stdout.rstrip().endswith(": role pm → manager")

    listing = pmpulse(env, "team", "list").stdout
    assert any(line.split()[:1] == ["UPM1"] and "manager" in line for line in listing.splitlines())


def test_team_add_explains_what_is_not_a_member_id(env: dict[str, str]) -> None:
    result = pmpulse(env, "team", "add", "bob", "--role", "pm")
    assert result.returncode == 2
    assert result.stderr.startswith("pmpulse: USER_ID: 'bob' is not a Slack member ID")
    assert "Copy member ID" in result.stderr and len(result.stderr.splitlines()) == 1


def test_service_refusals_read_as_sentences(env: dict[str, str]) -> None:
    assert pmpulse(env, "db", "upgrade").returncode == 0
    unknown = pmpulse(env, "team", "add", "UNOBODY", "--role", "pm")
    assert unknown.returncode == 2
    assert unknown.stderr.startswith("pmpulse: I can't find UNOBODY in this Slack workspace.")
    assert "Copy member ID" in unknown.stderr and "{" not in unknown.stderr

    no_manager = pmpulse(env, "team", "add", "UPM2", "--role", "pm", "--manager", "UPM3")
    assert no_manager.returncode == 2
    assert no_manager.stderr == "pmpulse: UPM3 must be on the roster as a manager or admin to have reports.\n"


def test_team_remove(env: dict[str, str]) -> None:
    assert pmpulse(env, "db", "upgrade").returncode == 0
    assert pmpulse(env, "team", "add", "UPM2", "--role", "pm").returncode == 0
    removed = pmpulse(env, "team", "remove", "<@upm2|sam>")
    assert removed.returncode == 0, removed.stderr
    assert removed.stdout.startswith("removed UPM2 (")
    assert not any(line.startswith("UPM2") for line in pmpulse(env, "team", "list").stdout.splitlines())

    again = pmpulse(env, "team", "remove", "UPM2")
    assert again.returncode == 2 and again.stderr == "pmpulse: UPM2 is not on the roster.\n"
    bad = pmpulse(env, "team", "remove", "sam")
    assert bad.returncode == 2 and "Copy member ID" in bad.stderr


def test_demo_into_a_pipe_that_closes_exits_quietly() -> None:
    process = subprocess.Popen([PMPULSE, "demo"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None and process.stderr is not None
    first = [process.stdout.readline() for _ in range(3)]
    process.stdout.close()  # as `head -3` does once it has its lines
    stderr = process.stderr.read()
    assert process.wait(timeout=120) == 141  # 128 + SIGPIPE, as a shell reports it
    assert first[0].startswith("pmpulse demo:")
    assert stderr == ""


def test_help_imports_neither_slack_nor_the_database() -> None:
    probe = (
        "import sys\n"
        "from bot.cli import main\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = sorted(m for m in ('slack_bolt', 'slack_sdk', 'sqlalchemy', 'alembic', 'pydantic') "
        "if m in sys.modules)\n"
        "print('heavy:', heavy)\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "heavy: []"


def test_retrying_an_outbox_message_that_does_not_exist_is_bad_input(env: dict[str, str]) -> None:
    assert pmpulse(env, "db", "upgrade").returncode == 0
    missing = pmpulse(env, "outbox", "retry", "99")
    assert missing.returncode == 2 and missing.stderr == "pmpulse: no outbox message 99\n"


@pytest.mark.parametrize(
    "command",
    [
        ("--help",),
        ("team", "add", "bob", "--role", "pm"),  # bad input: exit 2 and a line on stderr
        ("db", "upgrade"),
        ("config", "show"),
        ("team", "list"),
        ("jobs", "run", "no-such-job"),
        ("run", "--http", "--workers", "0"),  # from the server that has not imported prometheus_client
    ],
    ids=" ".join,
)
def test_a_command_answers_the_same_forked_warm_as_started_by_the_shell(
    env: dict[str, str], command: tuple[str, ...]
) -> None:
    """The suite forks most CLI commands from a process that imported pmpulse once; they must
    answer exactly as the console script the shell starts does: output, errors, exit status."""
    cold = pmpulse_cold(env, *command)
    warm = pmpulse(env, *command)
    assert (warm.returncode, warm.stdout, warm.stderr) == (cold.returncode, cold.stdout, cold.stderr)


def test_a_warm_started_command_gets_its_own_environment_and_working_directory(
    env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    relative = {**env, "DATABASE_URL": "sqlite:///relative.db"}  # opened in the working directory
    assert pmpulse(relative, "db", "upgrade").returncode == 0
    assert (tmp_path / "relative.db").exists()
    missing = pmpulse({k: v for k, v in env.items() if k != "SLACK_BOT_TOKEN"}, "doctor")
    assert missing.returncode == 1 and "SLACK_BOT_TOKEN is not set" in missing.stdout
    again = pmpulse(env, "doctor")  # the previous command's environment is gone
    assert "ok   slack token" in again.stdout and "is not set" not in again.stdout


def test_a_warm_started_command_past_its_timeout_is_killed_before_it_writes(
    env: dict[str, str], engine: Engine
) -> None:
    """As `subprocess.run(timeout=…)` does: the command is killed, and the test is told."""
    assert pmpulse(env, "team", "add", "UADMIN", "--role", "admin").returncode == 0
    with writes_held(engine, "member"):  # the next write waits for the lock
        with pytest.raises(subprocess.TimeoutExpired):
            pmpulse(env, "team", "add", "UPM1", "--role", "pm", timeout=2)
        time.sleep(0.5)  # a command still alive would now be waiting for the lock: released next
    listed = pmpulse(env, "team", "list")
    assert listed.returncode == 0 and "UADMIN" in listed.stdout
    assert "UPM1" not in listed.stdout  # killed while it waited: nothing was written after


def test_a_started_command_answers_as_popen_would(env: dict[str, str]) -> None:
    """`pmpulse_started` (a long-running command forked warm) as the tests use `subprocess.Popen`:
    a real pid, a session of its own, poll and wait, the signal that ended it, what it wrote."""
    started = pmpulse_started(
        {**env, "PORT": str(free_port())},
        "run",
        "--http",
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    assert started.poll() is None
    assert os.getpgid(started.pid) == started.pid == os.getsid(started.pid)
    with pytest.raises(subprocess.TimeoutExpired):
        started.wait(timeout=0.3)
    os.killpg(started.pid, signal.SIGKILL)  # the server and any worker it started
    assert started.wait(timeout=10) == -signal.SIGKILL
    assert started.poll() == -signal.SIGKILL
    output, nothing = started.communicate(timeout=5)  # the pipe closed: nothing of it lives on
    assert nothing is None and "Traceback" not in output
    started.kill()  # an ended process: nothing to signal, nothing raised

    finished = pmpulse_started(env, "config", "show", stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output, _ = finished.communicate(timeout=30)
    assert finished.returncode == 0 and "prompt_time" in output
