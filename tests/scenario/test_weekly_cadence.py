"""The weekly cadence end to end: the tick queues prompts at each PM's local time, the outbox sender
delivers them to the fake Slack, PMs answer over signed HTTP, reminders skip whoever answered,
skipped or is on leave, and the digest lands in its channel with every update in its thread."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import threading
import time

import pytest
from sqlalchemy import Engine, func, select

from bot.delivery.sender import drain_now
from bot.deps import AppDeps
from bot.fakeslack import FakeSlack
from bot.fakeslack import SlackRequestSender as S
from bot.ids import StatusAction, StatusBlock
from bot.jobs import run_job
from bot.metrics import JOB_RUNS
from bot.scheduler import BackgroundWork
from bot.services.workspaces import set_team_setting
from storage.db import make_engine, make_session_factory
from storage.outbox import OutboxMessage
from storage.roster import Member
from tests.support import cli
from tests.support.cadence import (
    DIGEST_CHANNEL,
    FRIDAY,
    THURSDAY,
    WEEK,
    at,
    dm_texts,
    outbox_row,
    setup_team,
    tick,
    write_update,
)
from tests.support.cli import cli_environment
from tests.support.database import PG_URL
from tests.support.harness import Harness, seed_team

EVIL = "<!channel> <@U123> <https://evil|click>"


def skip_week(h: Harness, user: str, now: dt.datetime) -> None:
    h.clock.now = now
    prompt = outbox_row(h, f"status-prompt:T0001:{user}:{WEEK}")
    reply = h.sender.block_action(
        user, action_id=StatusAction.SKIP, value=WEEK, channel_id=prompt.channel, message_ts=prompt.ts
    )
    assert reply.status_code == 200
    # The skip is recorded after the acknowledgement; wait for it before the clock moves on.
    h.fake.wait_for("chat.update", lambda c: c.params.get("ts") == prompt.ts, timeout=10)


def test_prompts_go_out_at_16_00_in_each_pms_timezone_once(harness: Harness) -> None:
    setup_team(harness)

    assert tick(harness, at(THURSDAY, "07:59")).startswith("queued 0 prompts")
    assert harness.fake.calls_to("chat.postMessage") == []

    assert tick(harness, at(THURSDAY, "08:00")).startswith("queued 1 prompt,")  # 16:00 in Shanghai
    [shanghai] = dm_texts(harness, "UPM1")
    assert "2026-W49" in shanghai and "填写周报" in shanghai and "跳过本周" in shanghai

    tick(harness, at(THURSDAY, "15:59"))
    assert dm_texts(harness, "UPM2") == []
    tick(harness, at(THURSDAY, "16:00"))  # 16:00 in London (GMT in December)
    [london] = dm_texts(harness, "UPM2")
    assert "Write my update" in london and "2026-W49, 30 Nov – 6 Dec" in london

    tick(harness, at(THURSDAY, "20:59"))
    assert dm_texts(harness, "UPM3") == []
    tick(harness, at(THURSDAY, "21:00"))  # 16:00 in New York (EST)
    [new_york] = dm_texts(harness, "UPM3")
    assert "weekly update for 2026-W49, 30 Nov – 6 Dec" in new_york
    assert "<!channel>" not in new_york  # her Slack name is "Jo <!channel> Doe": shown, not a ping

    # Ticks for the rest of the day (and a re-run) send nothing again; managers are not prompted.
    for hhmm in ("21:01", "23:59"):
        assert tick(harness, at(THURSDAY, hhmm)).startswith("queued 0 prompts")
    assert tick(harness, at(THURSDAY, "21:00"), job="status-prompts").startswith("queued 0 prompts")
    assert [len(harness.fake.messages(u)) for u in ("UPM1", "UPM2", "UPM3", "UMGR")] == [1, 1, 1, 0]
    # Each DM channel was opened once and remembered.
    assert len(harness.fake.calls_to("conversations.open")) == 3
    assert harness.member("UPM2") is not None and harness.member("UPM2").dm_channel_id  # type: ignore[union-attr]


def test_a_week_over_http_prompt_modal_reminder_digest_and_thread(harness: Harness) -> None:
    setup_team(harness)
    goal_id = harness.add_goal("UPM1")
    tick(harness, at(THURSDAY, "08:00"))
    long_progress = "Launched the travel card pilot. " + EVIL + "\n" + "x" * 2900

    write_update(
        harness,
        "UPM1",
        at(THURSDAY, "08:30"),
        {
            StatusBlock.PROGRESS: {"value": S.plain(long_progress)},
            StatusBlock.PLANS: {"value": S.plain("Roll out to two more branches")},
            StatusBlock.BLOCKERS: {"value": S.plain(f"Waiting on risk sign-off\n{EVIL}")},
            StatusBlock.HEALTH: {"value": S.select("red")},
            StatusBlock.HEALTH_REASON: {"value": S.plain("Fraud losses doubled")},
            StatusBlock.TOPIC: {"value": S.plain("")},
            StatusBlock.RISK: {"value": S.plain("")},
            f"{StatusBlock.KPI_PREFIX}{goal_id}": {"value": S.plain("131.5")},
        },
    )
    tick(harness, at(THURSDAY, "16:00"))
    skip_week(harness, "UPM2", at(THURSDAY, "16:05"))
    tick(harness, at(THURSDAY, "21:00"))

    # Friday 10:00 in Shanghai: answered, so no reminder.
    assert "0 reminders" in tick(harness, at(FRIDAY, "02:00"))

    # Friday 17:00 in Shanghai (the team's timezone): the digest, and the manager's missing list.
    summary = tick(harness, at(FRIDAY, "09:00"))
    assert "1 digest, 1 missing list" in summary
    channel = harness.fake.messages(DIGEST_CHANNEL)
    parent, *replies = channel
    parent_text = json.dumps(parent, ensure_ascii=False)
    assert "2026-W49" in parent_text
    assert "*Submitted:* 1 of 2 (50%)" in parent_text  # one of three skipped the week
    assert "Waiting on risk sign-off" in parent_text and "Fraud" not in parent_text
    assert "Active cardholders" in parent_text and "131.5 k" in parent_text
    assert [r["thread_ts"] for r in replies] == [parent["ts"]] * len(replies) and replies
    thread = "".join(json.dumps(r, ensure_ascii=False) for r in replies)
    assert "Fraud losses doubled" in thread and "x" * 2900 in thread
    for text in (parent_text, thread):
        assert "<!channel>" not in text and "<@U123>" not in text and "<https://evil|click>" not in text
    assert "&lt;!channel&gt; &lt;@U123&gt; &lt;https://evil|click&gt;" in thread
    [missing] = harness.fake.messages("UMGR")
    assert "<@UPM3>" in json.dumps(missing) and "<@UPM1>" not in json.dumps(missing)

    # Friday 10:00 in London: skipped, so no reminder. New York's comes after the digest: still
    # reminded, once.
    assert "0 reminders" in tick(harness, at(FRIDAY, "10:00"))
    assert ", 1 reminder," in tick(harness, at(FRIDAY, "15:00"))
    assert "0 reminders" in tick(harness, at(FRIDAY, "15:01"))
    assert len(harness.fake.messages("UPM3")) == 2
    assert "2026-W49" in dm_texts(harness, "UPM3")[-1]
    # A digest re-run posts nothing twice.
    assert "0 digests" in tick(harness, at(FRIDAY, "09:30"), job="status-digest")
    assert len(harness.fake.messages(DIGEST_CHANNEL)) == len(channel)


def test_pms_on_leave_are_neither_prompted_nor_reminded_nor_missing(harness: Harness) -> None:
    setup_team(harness)
    harness.clock.now = at(dt.date(2026, 12, 1), "09:00")
    answer = harness.command("UPM3", "leave 2026-12-02 2026-12-08")
    assert "2026-12-02" in json.dumps(answer)

    for hhmm in ("08:00", "16:00", "21:00"):
        tick(harness, at(THURSDAY, hhmm))
    assert harness.fake.messages("UPM3") == []
    skip_week(harness, "UPM2", at(THURSDAY, "16:10"))
    for hhmm in ("02:00", "10:00", "15:00"):
        tick(harness, at(FRIDAY, hhmm))
    assert harness.fake.messages("UPM3") == [] and len(harness.fake.messages("UPM2")) == 1
    assert len(harness.fake.messages("UPM1")) == 2  # prompt and reminder: the only one who owes

    tick(harness, at(FRIDAY, "09:00"))
    [missing] = harness.fake.messages("UMGR")
    assert "<@UPM1>" in json.dumps(missing) and "UPM3" not in json.dumps(missing)
    parent = json.dumps(harness.fake.messages(DIGEST_CHANNEL)[0], ensure_ascii=False)
    assert "1 skipped · 1 on leave" in parent and "*Submitted:* 0 of 1 (0%)" in parent


def test_digest_now_is_for_managers_and_posts_once_a_week(harness: Harness) -> None:
    seed_team(harness)
    harness.clock.now = at(THURSDAY, "03:00")

    refused = harness.command("UPM1", "digest now")
    assert refused["text"] == ":lock: 只有主管和管理员可以发送周报汇总。"
    no_channel = harness.command("UMGR", "digest now")
    assert "digest_channel" in no_channel["text"]
    usage = harness.command("UMGR", "digest")
    assert "`/pm digest now`" in usage["text"]

    with harness.deps.uow(1) as uow:
        set_team_setting(uow, actor="test", setting="digest_channel", text=DIGEST_CHANNEL)
    posted = harness.command("UMGR", "digest now")
    assert (
        posted["text"]
        == f":white_check_mark: 2026年第49周（11月30日—12月6日）的周报汇总正在发送到 <#{DIGEST_CHANNEL}>。"
    )
    drain_now(harness.deps, max_seconds=5)
    [parent] = harness.fake.messages(DIGEST_CHANNEL)
    assert "2026-W49" in json.dumps(parent) and parent["thread_ts"] is None

    again = harness.command("UMGR", "digest now")
    assert "已发送到" in again["text"]
    tick(harness, at(FRIDAY, "09:00"))  # the scheduled digest finds it posted
    assert len(harness.fake.messages(DIGEST_CHANNEL)) == 1


@pytest.mark.skipif(not PG_URL, reason="two schedulers sharing one database need PostgreSQL")
def test_two_schedulers_ticking_one_postgresql_database_send_each_prompt_once(
    harness: Harness, database_url: str
) -> None:
    setup_team(harness)
    with harness.deps.uow(1) as uow:
        for i in range(60):  # enough PMs that the two ticks overlap
            uow.members.add(
                Member(slack_user_id=f"UX{i:04d}", name=f"PM {i}", role="pm", timezone="Asia/Shanghai")
            )
        uow.commit()
    other_engine = make_engine(database_url)
    replicas = [
        harness.deps,
        AppDeps(
            settings=harness.deps.settings,
            session_factory=make_session_factory(other_engine),
            client=harness.deps.client,
        ),
    ]
    now = at(THURSDAY, "08:00")
    harness.clock.now = now
    start = threading.Barrier(len(replicas))
    errors: list[BaseException] = []

    def scheduler(deps: AppDeps) -> None:
        try:
            start.wait()
            for minute in range(3):
                run_job("tick", deps, now + dt.timedelta(minutes=minute))
            drain_now(deps, max_seconds=10)
        except BaseException as exc:  # reported to the test thread below
            errors.append(exc)

    threads = [threading.Thread(target=scheduler, args=(deps,)) for deps in replicas]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    other_engine.dispose()
    assert errors == []
    drain_now(harness.deps, max_seconds=5)

    with harness.deps.uow(1) as uow:
        rows = uow.session.scalar(
            select(func.count(OutboxMessage.id)).where(OutboxMessage.delivery_key.like("status-prompt:%"))
        )
    assert rows == 61  # UPM1 and the 60 added: Shanghai's PMs
    posted = [c for c in harness.fake.calls_to("chat.postMessage") if c.response.get("ok")]
    channels = [c.params["channel"] for c in posted]
    assert len(channels) == 61 and len(set(channels)) == 61


def test_the_scheduler_ticks_every_minute_and_catches_up_at_start(harness: Harness, engine: Engine) -> None:
    """Started after Shanghai's 16:00 on prompt day, the scheduler sends the missed prompt at once."""
    setup_team(harness)
    harness.clock.now = at(THURSDAY, "09:30")
    # The outbox timer every half second, not every 5: what the tick queued goes out without the wait.
    work = BackgroundWork(harness.deps, engine, drain_seconds=0.5)
    work.start()
    scheduler = work.scheduler
    assert scheduler is not None
    try:
        tick_job = scheduler.get_job("tick")
        assert tick_job is not None and str(tick_job.trigger) == "cron[minute='*']"
        assert scheduler.get_job("status-prompts") is None  # run by the tick, not on its own
        harness.fake.wait_for("chat.postMessage", timeout=15)
    finally:
        work.stop()
    [prompt] = harness.fake.messages("UPM1")
    assert "2026-W49" in json.dumps(prompt)


def test_a_tick_interval_replaces_the_minute_for_the_tick_alone(harness: Harness, engine: Engine) -> None:
    """What `PMPULSE_TICK_SECONDS` does: the tick on that interval, the catch-up first, the rest on cron."""
    setup_team(harness)
    harness.clock.now = at(THURSDAY, "09:30")
    ticks = JOB_RUNS.labels("tick", "ok")
    before = ticks._value.get()
    work = BackgroundWork(harness.deps, engine, drain_seconds=0.5, tick_seconds=1)
    work.start()
    scheduler = work.scheduler
    assert scheduler is not None
    try:
        tick_job = scheduler.get_job("tick")
        assert tick_job is not None and str(tick_job.trigger) == "interval[0:00:01]"
        refresh = scheduler.get_job("refresh-profiles")
        assert refresh is not None and str(refresh.trigger).startswith("cron[")
        harness.fake.wait_for("chat.postMessage", timeout=15)
        # The catch-up and two ticks on the interval: the prompt is owed all day, and goes out once.
        deadline = time.monotonic() + 15
        while ticks._value.get() < before + 3:
            assert time.monotonic() < deadline, ticks._value.get() - before
            time.sleep(0.1)
        drain_now(harness.deps, max_seconds=5)
    finally:
        work.stop()
    [prompt] = harness.fake.messages("UPM1")
    assert "2026-W49" in json.dumps(prompt)


def test_jobs_run_from_the_shell_as_if_at_a_given_time(fake: FakeSlack, database_url: str) -> None:
    """`pmpulse jobs run status-prompts --at ...` queues and delivers what was due then."""
    env = cli_environment(fake, database_url, PMPULSE_DEFAULT_TIMEZONE="Asia/Shanghai")

    def pmpulse(*args: str) -> subprocess.CompletedProcess[str]:
        done = cli.pmpulse(env, *args, timeout=120)
        assert done.returncode == 0, done.stderr
        return done

    pmpulse("team", "add", "UMGR", "--role", "manager")
    pmpulse("team", "add", "UPM2", "--role", "pm", "--manager", "UMGR")  # London
    assert "tick" in pmpulse("jobs", "list").stdout
    early = pmpulse("jobs", "run", "status-prompts", "--at", "2026-12-03T15:59:00+00:00")
    assert json.loads(early.stdout.splitlines()[-1])["result"].startswith("queued 0 prompts")
    due = pmpulse("jobs", "run", "tick", "--at", "2026-12-03T16:00:00Z")
    assert json.loads(due.stdout.splitlines()[-1])["result"].startswith("queued 1 prompt,")
    [prompt] = fake.messages("UPM2")
    assert "2026-W49, 30 Nov" in json.dumps(prompt)
