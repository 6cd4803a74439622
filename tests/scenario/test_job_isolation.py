"""One workspace's or one member's bad data never stops a scheduled job for the others.

Three workspaces share one database; the first (the harness's, T0001) holds what goes wrong.
The tick runs as the scheduler runs it (`run_job`), the outbox sender delivers to the fake Slack,
and the assertions are on what each person and digest channel received, on the log, and on
`/metrics`.

Issue 6, section 3: a goal from -1e308 to 1e308 in one workspace made the tick raise there, so
that workspace's digest was never queued and every workspace after it missed its reminders.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import re

import pytest
import requests
from sqlalchemy import text

from bot.delivery.sender import drain_now
from bot.fakeslack import FakeSlack
from bot.jobs import run_job
from bot.services.workspaces import set_team_setting
from tests.support.database import PG_URL
from tests.support.factories import add_goal, add_member, add_workspace
from tests.support.harness import Harness, seed_team

WEEK = "2026-W49"
# Friday 10:00 UTC: 18:00 in Shanghai (every team's timezone here), so the digest (Friday 17:00)
# and the Shanghai PMs' reminders (Friday 10:00) are due; 10:00 in London, UPM2's reminder time.
FRIDAY_10_UTC = dt.datetime(2026, 12, 4, 10, 0, tzinfo=dt.UTC)
OTHER_TEAMS = {
    "T0002": {"manager": "UBMGR", "pms": ("UBPM1", "UBPM2")},
    "T0003": {"manager": "UCMGR", "pms": ("UCPM1",)},
}


def channel_of(team_id: str) -> str:
    return f"C0DIGEST{team_id[-1]}"


def add_other_workspace(h: Harness, team_id: str, manager: str, pms: tuple[str, ...]) -> int:
    """Another Slack workspace on the same pmpulse database, with a manager and their PMs."""
    ref = add_workspace(
        h.session_factory, team_id, name=f"Bank {team_id}", bot_user_id=None, timezone="Asia/Shanghai"
    )
    for user in (manager, *pms):
        h.fake.add_user(
            user, name=user.lower(), real_name=f"Person {user}", tz="Asia/Shanghai", locale="en-US"
        )
    with h.deps.uow(ref.id) as uow:
        boss = add_member(uow, manager, role="manager", name=f"Person {manager}")
        boss.timezone, boss.locale = "Asia/Shanghai", "en"
        for user in pms:
            pm = add_member(uow, user, role="pm", name=f"Person {user}")
            pm.timezone, pm.locale, pm.manager = "Asia/Shanghai", "en", boss
        uow.commit()
    with h.deps.uow(ref.id) as uow:
        set_team_setting(uow, actor="test", setting="digest_channel", text=channel_of(team_id))
    return ref.id


def three_workspaces(h: Harness) -> None:
    seed_team(h)  # T0001: UMGR (Shanghai), UPM1 (Shanghai), UPM2 (London)
    with h.deps.uow(1) as uow:
        set_team_setting(uow, actor="test", setting="digest_channel", text=channel_of("T0001"))
    for team_id, people in OTHER_TEAMS.items():
        add_other_workspace(h, team_id, people["manager"], people["pms"])  # type: ignore[arg-type]
    h.fake.clear_calls()
    # As with OAuth installs, every stored workspace is served (single-token mode serves only its own).
    h.deps.token_team_id = None


def tick(h: Harness, now: dt.datetime) -> str:
    h.clock.now = now
    summary = run_job("tick", h.deps, now)
    report = drain_now(h.deps, max_seconds=10)
    assert report.pending == 0, report
    return summary


def texts(fake: FakeSlack, channel: str) -> list[str]:
    return [json.dumps(m, ensure_ascii=False) for m in fake.messages(channel)]


def assert_other_workspaces_served(h: Harness) -> None:
    for team_id, people in OTHER_TEAMS.items():
        digest = texts(h.fake, channel_of(team_id))
        assert digest and WEEK in digest[0], (team_id, digest)
        for pm in people["pms"]:
            [reminder] = texts(h.fake, pm)
            assert WEEK in reminder
        [missing] = texts(h.fake, str(people["manager"]))
        assert all(f"<@{pm}>" in missing for pm in people["pms"])


def failures(h: Harness) -> dict[tuple[str, str], float]:
    """pmpulse_job_failures_total by (job, scope), read from GET /metrics like Prometheus would."""
    body = requests.get(f"{h.url}/metrics", timeout=5).text
    pattern = r'^pmpulse_job_failures_total\{job="([^"]+)",scope="([^"]+)"\} ([0-9.e+]+)$'
    return {(m[1], m[2]): float(m[3]) for m in re.finditer(pattern, body, re.MULTILINE)}


def delta(before: dict[tuple[str, str], float], after: dict[tuple[str, str], float]) -> dict[str, float]:
    changed = {f"{job}/{scope}": n - before.get((job, scope), 0.0) for (job, scope), n in after.items()}
    return {name: n for name, n in changed.items() if n}


def store_goal(h: Harness, user_id: str, title: str, baseline: float, target: float, value: float) -> None:
    """A goal and this week's KPI value written straight to the database, as old rows would be."""
    with h.deps.uow(1) as uow:
        owner = uow.members.get_by_slack_id(user_id)
        assert owner is not None
        goal = add_goal(
            uow, owner, title=title, metric="Deposit balance", unit="CNY", baseline=baseline, target=target
        )
        uow.status.set_kpi(goal.id, WEEK, value)
        uow.commit()


def test_stored_float_sized_goals_no_longer_stop_the_tick_for_anyone(harness: Harness) -> None:
    three_workspaces(harness)
    store_goal(harness, "UPM1", "Span overflows", -1e308, 1e308, 1e308)
    store_goal(harness, "UPM2", "Infinite target", 0, math.inf, 5)
    before = failures(harness)

    summary = tick(harness, FRIDAY_10_UTC)

    assert summary == "queued 0 prompts, 5 reminders, 3 digests, 3 missing lists"
    assert_other_workspaces_served(harness)
    [digest, *_] = texts(harness.fake, channel_of("T0001"))
    assert "Span overflows" in digest and "1e+308" in digest and "Infinite target" in digest
    assert [len(texts(harness.fake, u)) for u in ("UPM1", "UPM2", "UMGR")] == [1, 1, 1]
    assert delta(before, failures(harness)) == {}


def install_fault(h: Harness, condition: str) -> None:
    """The database refuses some outbox rows, as a constraint or a full disk would: a fault that
    no validation can prevent, in one workspace only."""
    with h.session_factory() as session:
        if PG_URL:
            session.execute(
                text(
                    "CREATE FUNCTION refuse_outbox() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                    f"IF {condition} THEN RAISE EXCEPTION 'refused'; END IF; "
                    "RETURN NEW; END $$"
                )
            )
            session.execute(
                text(
                    "CREATE TRIGGER refuse_outbox BEFORE INSERT ON outbox "
                    "FOR EACH ROW EXECUTE FUNCTION refuse_outbox()"
                )
            )
        else:
            session.execute(
                text(
                    f"CREATE TRIGGER refuse_outbox BEFORE INSERT ON outbox WHEN {condition} "
                    "BEGIN SELECT RAISE(ABORT, 'refused'); END"
                )
            )
        session.commit()


def test_a_failing_digest_and_member_are_skipped_logged_and_counted_and_the_rest_goes_out(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    three_workspaces(harness)
    install_fault(
        harness,
        "NEW.delivery_key LIKE 'status-digest:T0001:%' "
        "OR NEW.delivery_key LIKE 'status-reminder:T0001:UPM1:%'",
    )
    before = failures(harness)

    with caplog.at_level(logging.ERROR, logger="bot.jobs.status"):
        summary = tick(harness, FRIDAY_10_UTC)

    assert summary == (
        "queued 0 prompts, 4 reminders, 2 digests, 3 missing lists; 2 parts failed (see the log)"
    )
    assert_other_workspaces_served(harness)
    # In the failing workspace, everyone else still gets theirs.
    assert texts(harness.fake, channel_of("T0001")) == []
    assert texts(harness.fake, "UPM1") == []
    [reminder] = texts(harness.fake, "UPM2")
    assert WEEK in reminder
    [missing] = texts(harness.fake, "UMGR")
    assert "<@UPM1>" in missing and "<@UPM2>" in missing
    logged = [r.getMessage() for r in caplog.records]
    assert any("workspace 1 (team T0001)" in m and f"the {WEEK} digest" in m for m in logged), logged
    assert any("team T0001" in m and "reminder to member UPM1" in m for m in logged), logged
    assert delta(before, failures(harness)) == {"tick/member": 1.0, "tick/workspace": 1.0}

    # The fault gone, the next tick offers what was skipped, and nothing else again.
    with harness.session_factory() as session:
        session.execute(text("DROP TRIGGER refuse_outbox" + (" ON outbox" if PG_URL else "")))
        session.commit()
    assert tick(harness, FRIDAY_10_UTC + dt.timedelta(minutes=1)).startswith(
        "queued 0 prompts, 1 reminder, 1 digest, 0 missing lists"
    )
    assert len(texts(harness.fake, "UPM1")) == 1 and texts(harness.fake, channel_of("T0001"))


@pytest.mark.skipif(bool(PG_URL), reason="PostgreSQL refuses a malformed time; SQLite stored whatever it got")
def test_a_workspace_whose_settings_cannot_be_read_is_skipped_and_counted(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    three_workspaces(harness)
    with harness.session_factory() as session:
        session.execute(text("UPDATE team_settings SET prompt_time = 'teatime' WHERE workspace_id = 1"))
        session.commit()
    before = failures(harness)

    with caplog.at_level(logging.ERROR, logger="bot.jobs.status"):
        summary = tick(harness, FRIDAY_10_UTC)

    assert summary.endswith("; 1 part failed (see the log)")
    assert_other_workspaces_served(harness)
    assert any("workspace 1 (team T0001) failed" in r.getMessage() for r in caplog.records)
    assert delta(before, failures(harness)) == {"tick/workspace": 1.0}


@pytest.mark.skipif(
    bool(PG_URL), reason="PostgreSQL refuses a malformed timestamp; SQLite stored whatever it got"
)
def test_profile_refresh_goes_on_past_a_workspace_it_cannot_read(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    three_workspaces(harness)
    with harness.session_factory() as session:
        session.execute(text("UPDATE member SET profile_refreshed_at = 'teatime' WHERE workspace_id = 1"))
        session.execute(text("UPDATE member SET profile_refreshed_at = NULL WHERE workspace_id <> 1"))
        session.commit()
    before = failures(harness)

    with caplog.at_level(logging.ERROR, logger="bot.jobs.members"):
        summary = run_job("refresh-profiles", harness.deps, FRIDAY_10_UTC)

    assert summary == "refreshed 5 member profiles; 1 workspaces failed"
    assert any("workspace 1 failed" in r.getMessage() for r in caplog.records)
    assert delta(before, failures(harness)) == {"refresh-profiles/workspace": 1.0}
