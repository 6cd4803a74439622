"""What the weekly cadence owes when: per-timezone prompts across DST, reminders, leave, the
grace window, and never the same message twice."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from zoneinfo import ZoneInfo

import pytest

from bot.domain import schedule
from bot.domain.schedule import Cadence, Leave, ScheduledPM, WeeklyTime

UTC = dt.UTC
TEAM = Cadence(timezone="Asia/Shanghai")  # the defaults: Thu 16:00, Fri 10:00, digest Fri 17:00
PMS = (
    ScheduledPM("USHA", "Asia/Shanghai", "UMGR"),
    ScheduledPM("ULON", "Europe/London", "UMGR"),
    ScheduledPM("UNYC", "America/New_York", "UBOSS"),
)


def minutes(start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    count = int((end - start).total_seconds() // 60)
    return [start + dt.timedelta(minutes=i) for i in range(count)]


def due_minutes(user: str, week: str, kind: str = "prompt") -> list[dt.datetime]:
    """Every UTC minute around `week` at which `user`'s prompt (or reminder) is due."""
    monday = dt.datetime.combine(dt.date.fromisocalendar(*map(int, week.split("-W")), 1), dt.time(), UTC)
    pm = next(p for p in PMS if p.slack_user_id == user)
    rule = schedule.due_prompts if kind == "prompt" else schedule.due_reminders
    return [
        now
        for now in minutes(monday - dt.timedelta(days=1), monday + dt.timedelta(days=8))
        if rule(now, TEAM, [pm])
    ]


# Thursdays around 2026's clock changes: the US springs forward on 8 March and falls back on
# 1 November; the UK on 29 March and 25 October. China keeps UTC+8 all year.
@pytest.mark.parametrize(
    ("user", "week", "first_due_utc"),
    [
        ("UNYC", "2026-W10", "2026-03-05T21:00"),  # EST
        ("UNYC", "2026-W11", "2026-03-12T20:00"),  # EDT, while London is still on GMT
        ("ULON", "2026-W11", "2026-03-12T16:00"),  # GMT
        ("ULON", "2026-W13", "2026-03-26T16:00"),  # GMT, the week the UK changes (Sunday)
        ("ULON", "2026-W14", "2026-04-02T15:00"),  # BST
        ("ULON", "2026-W43", "2026-10-22T15:00"),  # BST, the week the UK falls back
        ("ULON", "2026-W44", "2026-10-29T16:00"),  # GMT
        ("UNYC", "2026-W44", "2026-10-29T20:00"),  # still EDT: the US falls back a week later
        ("UNYC", "2026-W45", "2026-11-05T21:00"),  # EST
        ("USHA", "2026-W11", "2026-03-12T08:00"),
        ("USHA", "2026-W14", "2026-04-02T08:00"),
        ("USHA", "2026-W44", "2026-10-29T08:00"),
        ("USHA", "2026-W45", "2026-11-05T08:00"),
    ],
)
def test_each_pm_is_prompted_at_16_00_local_across_daylight_saving(
    user: str, week: str, first_due_utc: str
) -> None:
    due = due_minutes(user, week)
    first = dt.datetime.fromisoformat(first_due_utc).replace(tzinfo=UTC)
    tz = ZoneInfo(next(p.timezone for p in PMS if p.slack_user_id == user) or "UTC")

    assert due[0] == first
    assert first.astimezone(tz).time() == dt.time(16, 0)
    assert first.astimezone(tz).weekday() == 3
    # Due from 16:00 to local midnight (the grace window), and never on another day.
    assert due[-1].astimezone(tz) == dt.datetime.combine(first.astimezone(tz).date(), dt.time(23, 59), tz)
    assert len(due) == 8 * 60
    assert {
        schedule.due_prompts(now, TEAM, [p])[0].week for now in due for p in PMS if p.slack_user_id == user
    } == {week}


def test_reminders_follow_each_pms_friday_morning() -> None:
    assert due_minutes("ULON", "2026-W44", "reminder")[0] == dt.datetime(2026, 10, 30, 10, 0, tzinfo=UTC)
    assert due_minutes("UNYC", "2026-W44", "reminder")[0] == dt.datetime(2026, 10, 30, 14, 0, tzinfo=UTC)
    assert due_minutes("USHA", "2026-W44", "reminder")[0] == dt.datetime(2026, 10, 30, 2, 0, tzinfo=UTC)


def test_a_wall_time_repeated_when_clocks_fall_back_is_the_same_week_and_key() -> None:
    """01:30 happens twice in New York on 1 November 2026; both belong to one week, so one key."""
    cadence = Cadence(timezone="America/New_York", prompt=WeeklyTime(6, dt.time(1, 30)))
    pm = [ScheduledPM("UNYC", "America/New_York")]
    first = dt.datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # 01:30 EDT
    second = dt.datetime(2026, 11, 1, 6, 30, tzinfo=UTC)  # 01:30 EST
    weeks = {d.week for now in (first, second) for d in schedule.due_prompts(now, cadence, pm)}
    assert weeks == {"2026-W44"}
    assert not schedule.due_prompts(first - dt.timedelta(minutes=1), cadence, pm)


def test_a_wall_time_skipped_when_clocks_spring_forward_is_due_just_after() -> None:
    """02:30 does not exist in New York on 8 March 2026: the prompt goes at 03:00 EDT."""
    cadence = Cadence(timezone="America/New_York", prompt=WeeklyTime(6, dt.time(2, 30)))
    pm = [ScheduledPM("UNYC", "America/New_York")]
    assert not schedule.due_prompts(dt.datetime(2026, 3, 8, 6, 59, tzinfo=UTC), cadence, pm)
    assert schedule.due_prompts(dt.datetime(2026, 3, 8, 7, 0, tzinfo=UTC), cadence, pm)


def test_no_timezone_or_an_unknown_one_means_the_teams() -> None:
    now = dt.datetime(2026, 11, 26, 8, 0, tzinfo=UTC)  # Thu 16:00 in Shanghai
    pms = [ScheduledPM("UNONE", None), ScheduledPM("UBAD", "Mars/Olympus_Mons")]
    assert [d.slack_user_id for d in schedule.due_prompts(now, TEAM, pms)] == ["UBAD", "UNONE"]


def test_answered_or_skipped_pms_get_no_prompt_or_reminder_and_are_not_missing() -> None:
    thursday = dt.datetime(2026, 11, 26, 16, 0, tzinfo=UTC)
    friday = dt.datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
    pms = [
        ScheduledPM("UDONE", "Europe/London", "UMGR", answered_weeks=frozenset({"2026-W48"})),
        ScheduledPM("ULATE", "Europe/London", "UMGR"),
    ]
    assert [d.slack_user_id for d in schedule.due_prompts(thursday, TEAM, pms)] == ["ULATE"]
    assert [d.slack_user_id for d in schedule.due_reminders(friday, TEAM, pms)] == ["ULATE"]
    missing = schedule.manager_missing_lists("2026-W48", TEAM, pms)
    assert missing == [schedule.MissingList("UMGR", "2026-W48", ("ULATE",))]


@pytest.mark.parametrize(
    ("start", "end", "excused"),
    [
        ("2026-11-26", "2026-11-26", True),  # the prompt day
        ("2026-11-27", "2026-12-04", True),  # from the reminder day on
        ("2026-11-16", "2026-11-30", True),  # spanning the whole week
        ("2026-11-23", "2026-11-25", False),  # back on Thursday: prompted as usual
        ("2026-11-28", "2026-11-29", False),  # the weekend after the digest
    ],
)
def test_leave_during_the_status_window_excuses_the_week(start: str, end: str, excused: bool) -> None:
    leave = Leave(dt.date.fromisoformat(start), dt.date.fromisoformat(end))
    pm = ScheduledPM("UAWAY", "Asia/Shanghai", "UMGR", leaves=(leave,))
    thursday = dt.datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
    friday = dt.datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
    assert bool(schedule.due_prompts(thursday, TEAM, [pm])) is not excused
    assert bool(schedule.due_reminders(friday, TEAM, [pm])) is not excused
    assert bool(schedule.manager_missing_lists("2026-W48", TEAM, [pm])) is not excused


def test_digest_is_due_at_the_teams_time_until_its_midnight() -> None:
    assert schedule.digest_due(dt.datetime(2026, 11, 27, 8, 59, tzinfo=UTC), TEAM) is None
    assert schedule.digest_due(dt.datetime(2026, 11, 27, 9, 0, tzinfo=UTC), TEAM) == "2026-W48"
    assert schedule.digest_due(dt.datetime(2026, 11, 27, 15, 59, tzinfo=UTC), TEAM) == "2026-W48"
    assert schedule.digest_due(dt.datetime(2026, 11, 27, 16, 0, tzinfo=UTC), TEAM) is None  # Sat 00:00


def test_missing_lists_are_per_manager_and_only_at_digest_time() -> None:
    pms = [*PMS, ScheduledPM("UORPHAN", "UTC")]
    before = schedule.due_work(dt.datetime(2026, 11, 27, 8, 0, tzinfo=UTC), TEAM, pms)
    at = schedule.due_work(dt.datetime(2026, 11, 27, 9, 0, tzinfo=UTC), TEAM, pms)
    assert before.digest_week is None and before.missing_lists == []
    assert at.digest_week == "2026-W48"
    assert at.missing_lists == [
        schedule.MissingList("UBOSS", "2026-W48", ("UNYC",)),
        schedule.MissingList("UMGR", "2026-W48", ("ULON", "USHA")),
    ]


def test_ticking_every_minute_with_an_outage_sends_each_message_once() -> None:
    """A week of minute ticks, the bot down from 15:30 to 18:10 London time on Thursday: every
    PM is prompted and reminded exactly once, London's prompt caught up when the bot returns."""
    outbox: Counter[str] = Counter()
    when: dict[str, dt.datetime] = {}
    down = (dt.datetime(2026, 11, 26, 15, 30, tzinfo=UTC), dt.datetime(2026, 11, 26, 18, 10, tzinfo=UTC))
    for now in minutes(dt.datetime(2026, 11, 23, tzinfo=UTC), dt.datetime(2026, 11, 30, tzinfo=UTC)):
        if down[0] <= now < down[1]:
            continue
        due = schedule.due_work(now, TEAM, PMS)
        keys = [schedule.prompt_key("T1", d.slack_user_id, d.week) for d in due.prompts]
        keys += [schedule.reminder_key("T1", d.slack_user_id, d.week) for d in due.reminders]
        keys += [schedule.digest_key("T1", due.digest_week)] if due.digest_week else []
        for key in keys:
            if key not in outbox:
                when[key] = now
            outbox[key] = 1  # the outbox: a second enqueue of a key is a no-op
    assert sorted(outbox) == sorted(
        [
            *(schedule.prompt_key("T1", p.slack_user_id, "2026-W48") for p in PMS),
            *(schedule.reminder_key("T1", p.slack_user_id, "2026-W48") for p in PMS),
            schedule.digest_key("T1", "2026-W48"),
        ]
    )
    assert when[schedule.prompt_key("T1", "ULON", "2026-W48")] == down[1]
    assert when[schedule.prompt_key("T1", "USHA", "2026-W48")] == dt.datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
    assert when[schedule.prompt_key("T1", "UNYC", "2026-W48")] == dt.datetime(2026, 11, 26, 21, 0, tzinfo=UTC)


def test_a_whole_day_down_misses_that_days_prompt_rather_than_sending_it_late() -> None:
    friday = dt.datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    assert schedule.due_prompts(friday, TEAM, PMS) == []


def test_candidate_weeks_cover_members_either_side_of_midnight() -> None:
    # Sunday 20:00 UTC: already Monday (next week) in Shanghai, still Sunday in London.
    now = dt.datetime(2026, 11, 29, 20, 0, tzinfo=UTC)
    assert schedule.candidate_weeks(now, TEAM, ["Europe/London", None]) == {"2026-W48", "2026-W49"}


def test_delivery_keys() -> None:
    assert schedule.prompt_key("T1", "U1", "2026-W48") == "status-prompt:T1:U1:2026-W48"
    assert schedule.reminder_key("T1", "U1", "2026-W48") == "status-reminder:T1:U1:2026-W48"
    assert schedule.digest_key("T1", "2026-W48") == "status-digest:T1:2026-W48"
    assert schedule.digest_reply_key("T1", "2026-W48", "U1", 2) == "status-digest-reply:T1:2026-W48:U1:2"
    assert schedule.missing_key("T1", "UM", "2026-W48") == "status-missing:T1:UM:2026-W48"
