"""The `pmpulse` console script, run as a process against the fake Slack."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest
import requests

from bot.fakeslack import FakeSlack, SlackRequestSender
from tests.support.cli import DOCTOR_CHECKS, pmpulse, run_http
from tests.support.harness import SIGNING_SECRET, TEAM_ID


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

    fake.add_channel("pm-digest", channel_id="C0DIGEST")
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
    for check in DOCTOR_CHECKS:
        assert any(line.startswith(f"ok   {check}:") for line in lines), (check, lines)

    broken = pmpulse({**env, "SLACK_BOT_TOKEN": "xoxb-wrong"}, "doctor")
    assert broken.returncode == 1
    assert "FAIL slack token: auth.test failed" in broken.stdout and "invalid_auth" in broken.stdout


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


def test_run_http_starts_a_worker_per_core_and_metrics_count_them_all(
    env: dict[str, str], fake: FakeSlack, tmp_path: Path
) -> None:
    cores = len(os.sched_getaffinity(0))
    sent = 12
    # The server's own temporary directory: other pmpulse processes on this machine make theirs too.
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    with run_http({**env, "TMPDIR": str(temporary)}) as server:
        sender = SlackRequestSender(
            app_url=f"{server.url}/slack/events", signing_secret=SIGNING_SECRET, team_id=TEAM_ID, fake=fake
        )
        for _ in range(sent):  # a new connection each: gunicorn hands it to whichever worker accepts it
            assert sender.slash_command(user_id="UADMIN", text="help").status_code == 200
        metrics = requests.get(f"{server.url}/metrics", timeout=5).text
        pid = server.process.pid
        workers = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        counted_in = set(temporary.glob("pmpulse-metrics-*"))
    assert len(workers) == cores
    assert f"{cores} worker{'s' if cores != 1 else ''} of 16 threads" in server.output, server.output
    # Whichever worker answered, /metrics (from whichever worker) counts every request.
    assert f'pmpulse_requests_total{{kind="command",name="/pm help"}} {float(sent)}' in metrics, metrics
    assert len(counted_in) == 1 and not next(iter(counted_in)).exists()  # gone with the server


def test_workers_and_threads_are_whole_numbers_of_at_least_one(env: dict[str, str]) -> None:
    for flag, value in (("--workers", "0"), ("--threads", "-2"), ("--workers", "two")):
        result = pmpulse(env, "run", "--http", flag, value)
        assert result.returncode == 2
        assert f"argument {flag}: expected a whole number of at least 1, not '{value}'" in result.stderr
