"""`pmpulse jobs run --at`: the job, and everything it stamps, runs as if it were then.

A refresh run at `--at` is stamped `--at`, so running it again at the same moment finds
nothing stale, and running it a day later finds everyone stale again, whatever today's date is.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from bot.fakeslack import FakeSlack
from tests.support.cli import cli_environment, pmpulse


@pytest.fixture
def shell(fake: FakeSlack, database_url: str) -> dict[str, str]:
    """The environment `pmpulse` runs in: the fake Slack and the test database."""
    return cli_environment(fake, database_url)


def _refresh(env: dict[str, str], at: dt.datetime) -> str:
    ran = pmpulse(env, "jobs", "run", "refresh-profiles", "--at", at.isoformat(), "--drain-seconds", "0")
    assert ran.returncode == 0, ran.stderr
    answer = json.loads(ran.stdout.splitlines()[-1])
    assert answer["at"] == at.isoformat()
    return str(answer["result"])


def test_a_profile_refresh_is_stamped_with_the_time_it_runs_as(shell: dict[str, str]) -> None:
    assert pmpulse(shell, "db", "upgrade").returncode == 0
    for user in ("UMGR", "UPM1"):
        assert pmpulse(shell, "team", "add", user, "--role", "manager").returncode == 0
    # Far from the system's time either way: the date the suite runs on cannot matter.
    then = dt.datetime(2031, 3, 30, 3, 17, tzinfo=dt.timezone(dt.timedelta(hours=8)))

    assert _refresh(shell, then) == "refreshed 2 member profiles"
    assert _refresh(shell, then + dt.timedelta(hours=1)) == "refreshed 0 member profiles"
    assert _refresh(shell, then + dt.timedelta(days=1)) == "refreshed 2 member profiles"
