"""The `pmpulse` console script, run as a process against the fake Slack."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from bot.fakeslack import FakeSlack, SlackRequestSender
from tests.scenario.conftest import SIGNING_SECRET, TEAM_ID

PMPULSE = str(Path(sys.executable).parent / "pmpulse")


@pytest.fixture
def env(fake: FakeSlack, database_url: str) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "PMPULSE_", "DATABASE_URL"))}
    return {
        **clean,
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake.api_url,
        "DATABASE_URL": database_url,
        "PMPULSE_ADMINS": "UADMIN",
    }


def pmpulse(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PMPULSE, *args], env=env, capture_output=True, text=True, timeout=60)


def test_roster_config_and_jobs_from_the_shell(env: dict[str, str], fake: FakeSlack) -> None:
    assert pmpulse(env, "db", "upgrade").returncode == 0
    assert pmpulse(env, "team", "add", "UMGR", "--role", "manager").returncode == 0
    added = pmpulse(
        env, "team", "add", "UPM1", "--role", "pm", "--manager", "UMGR", "--product", "Credit Cards"
    )
    assert added.returncode == 0, added.stderr
    assert "added UPM1" in added.stdout

    listing = pmpulse(env, "team", "list").stdout.splitlines()
    assert listing[0].split() == ["SLACK", "ID", "NAME", "ROLE", "MANAGER", "PRODUCT", "LINES"]
    assert any(line.split()[:1] == ["UPM1"] and "UMGR" in line and "Credit Cards" in line for line in listing)

    assert pmpulse(env, "config", "set", "digest_channel", "C0DIGEST").returncode == 0
    bad = pmpulse(env, "config", "set", "prompt_time", "teatime")
    assert bad.returncode == 2 and bad.stderr.strip() == "pmpulse: prompt_time: a time looks like 16:00"
    shown = pmpulse(env, "config", "show").stdout
    assert "digest_channel           C0DIGEST" in shown and "prompt_day               thu" in shown

    assert "refresh-profiles" in pmpulse(env, "jobs", "list").stdout
    # The roster was added at the system's time just now; the job runs as if a day later.
    at = _a_day_from_now_in_beijing()
    ran = pmpulse(env, "jobs", "run", "refresh-profiles", "--at", at)
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout.splitlines()[-1]) == {
        "job": "refresh-profiles",
        "at": at,
        "result": "refreshed 2 member profiles",
    }
    unknown = pmpulse(env, "jobs", "run", "nope")
    assert unknown.returncode == 2 and "unknown job 'nope'" in unknown.stderr


def _a_day_from_now_in_beijing() -> str:
    beijing = dt.timezone(dt.timedelta(hours=8))
    return (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).astimezone(beijing).isoformat(timespec="seconds")


@pytest.fixture
def fresh_env(env: dict[str, str], fresh_database_url: str) -> dict[str, str]:
    """The shell of an operator whose database has never been migrated."""
    return {**env, "DATABASE_URL": fresh_database_url}


def test_doctor_reports_each_check(fresh_env: dict[str, str]) -> None:
    env = fresh_env
    fresh = pmpulse(env, "doctor")
    assert (
        fresh.returncode == 1
        and "FAIL migrations: " in fresh.stdout
        and "pending: run `pmpulse db upgrade`" in fresh.stdout
    )
    assert pmpulse(env, "db", "upgrade").returncode == 0

    healthy = pmpulse(env, "doctor")
    assert healthy.returncode == 0, healthy.stdout
    lines = healthy.stdout.splitlines()
    for check in (
        "configuration",
        "database",
        "migrations",
        "slack token",
        "scopes",
        "clock",
        "request verification",
    ):
        assert any(line.startswith(f"ok   {check}:") for line in lines), (check, lines)

    broken = pmpulse({**env, "SLACK_BOT_TOKEN": "xoxb-wrong"}, "doctor")
    assert broken.returncode == 1
    assert "FAIL slack token: auth.test failed" in broken.stdout and "invalid_auth" in broken.stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def http_server(env: dict[str, str]) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [PMPULSE, "run", "--http"],
        env={**env, "PORT": str(port)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(f"{url}/healthz", timeout=5).status_code == 200:
                    break
            except requests.RequestException:  # not listening yet, or the worker is still booting
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"server did not start: {process.communicate(timeout=5)[0]}")
            time.sleep(0.1)
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def test_run_http_answers_signed_requests(http_server: str, fake: FakeSlack) -> None:
    sender = SlackRequestSender(
        app_url=f"{http_server}/slack/events", signing_secret=SIGNING_SECRET, team_id=TEAM_ID, fake=fake
    )
    response_url = fake.response_url()

    reply = sender.slash_command(user_id="UADMIN", text="help", response_url=response_url)
    forged = sender.slash_command(user_id="UADMIN", text="help", signature="v0=bad")

    assert reply.status_code == 200 and forged.status_code == 401
    assert "/pm goal add" in str(reply.json()["blocks"])  # help is answered in the ack itself
    team = sender.slash_command(
        user_id="UADMIN", text="team add <@UMGR|mei> manager", response_url=response_url
    )
    assert team.status_code == 200 and team.text == ""  # a Slack lookup follows: acknowledged first
    answer = fake.wait_for("response_url", lambda c: c.params["_url"] == response_url, timeout=10)
    assert "<@UMGR>" in answer.params["text"]
    metrics = requests.get(f"{http_server}/metrics", timeout=5).text
    assert 'pmpulse_requests_total{kind="command",name="/pm help"} 1.0' in metrics  # not the forged one
    assert 'pmpulse_requests_total{kind="command",name="/pm team"} 1.0' in metrics
    assert requests.get(f"{http_server}/nope", timeout=5).status_code == 404
