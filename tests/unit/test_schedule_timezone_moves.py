"""A PM who changes timezone mid-week gets that week's prompt and reminder once: a move east past
the prompt time is caught up, a move west is not prompted twice, and an old move widens nothing."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from bot.domain import schedule
from bot.domain.schedule import Cadence, ScheduledPM

UTC = dt.UTC
TEAM = Cadence(timezone="Asia/Shanghai")  # prompt Thu 16:00, reminder Fri 10:00, digest Fri 17:00
NEW_YORK, SHANGHAI = "America/New_York", "Asia/Shanghai"
WEEK = "2026-W49"  # Thursday 3 December 2026; New York is on EST (UTC-5), Shanghai UTC+8


def utc(day: int, hhmm: str) -> dt.datetime:
    return dt.datetime.combine(dt.date(2026, 12, day), dt.time.fromisoformat(hhmm), UTC)


def moved(before: str, after: str, at: dt.datetime) -> ScheduledPM:
    return ScheduledPM("UPM", after, "UMGR", previous_timezone=before, timezone_changed_at=at)


def week_of_ticks(
    before: str, after: str, move_at: dt.datetime
) -> tuple[Counter[str], dict[str, dt.datetime]]:
    """A minute tick all week; the member's timezone changes at `move_at`. The outbox keeps keys."""
    outbox: Counter[str] = Counter()
    first: dict[str, dt.datetime] = {}
    now = utc(1, "00:00")
    while now < utc(7, "00:00"):
        pm = ScheduledPM("UPM", before, "UMGR") if now < move_at else moved(before, after, move_at)
        due = schedule.due_work(now, TEAM, [pm])
        keys = [schedule.prompt_key("T1", d.slack_user_id, d.week) for d in due.prompts]
        keys += [schedule.reminder_key("T1", d.slack_user_id, d.week) for d in due.reminders]
        for key in keys:
            first.setdefault(key, now)
            outbox[key] = 1
        now += dt.timedelta(minutes=1)
    return outbox, first


def test_moving_east_past_the_prompt_time_still_gets_that_weeks_prompt() -> None:
    # Thursday 14:00 in New York (two hours before its prompt) is already Friday 03:00 in Shanghai.
    move = utc(3, "19:00")
    assert schedule.due_prompts(move, TEAM, [moved(NEW_YORK, SHANGHAI, move)]) == [
        schedule.DueDM("UPM", WEEK)
    ]


def test_moving_east_prompts_once_at_the_move_and_reminds_once() -> None:
    move = utc(3, "19:00")
    outbox, first = week_of_ticks(NEW_YORK, SHANGHAI, move)
    prompt, reminder = (schedule.prompt_key("T1", "UPM", WEEK), schedule.reminder_key("T1", "UPM", WEEK))
    assert sorted(outbox) == sorted([prompt, reminder])
    assert first[prompt] == move
    assert first[reminder] == utc(4, "02:00")  # Friday 10:00 in Shanghai


def test_the_catch_up_lasts_until_the_end_of_that_day_in_the_old_timezone() -> None:
    move = utc(3, "19:00")
    pm = moved(NEW_YORK, SHANGHAI, move)
    assert schedule.due_prompts(utc(4, "04:59"), TEAM, [pm]) == [schedule.DueDM("UPM", WEEK)]  # 23:59 EST
    assert schedule.due_prompts(utc(4, "05:00"), TEAM, [pm]) == []  # Friday in New York too
    assert schedule.due_prompts(utc(3, "18:59"), TEAM, [pm]) == []  # before the move itself


def test_moving_east_before_the_new_timezones_prompt_is_prompted_there_as_usual() -> None:
    move = utc(3, "01:00")  # Wednesday 20:00 in New York, Thursday 09:00 in Shanghai
    outbox, first = week_of_ticks(NEW_YORK, SHANGHAI, move)
    assert first[schedule.prompt_key("T1", "UPM", WEEK)] == utc(3, "08:00")
    assert sum(key.startswith("status-prompt") for key in outbox) == 1


def test_moving_east_after_the_old_timezones_prompt_is_not_prompted_again() -> None:
    move = utc(3, "22:00")  # Thursday 17:00 in New York: prompted there at 16:00
    outbox, first = week_of_ticks(NEW_YORK, SHANGHAI, move)
    assert first[schedule.prompt_key("T1", "UPM", WEEK)] == utc(3, "21:00")
    assert sum(key.startswith("status-prompt") for key in outbox) == 1
    # The move rule itself does not fire: the old timezone's prompt came before the move.
    assert schedule.due_prompts(utc(3, "22:00"), TEAM, [moved(NEW_YORK, SHANGHAI, move)]) == []


def test_moving_west_after_being_prompted_is_not_prompted_again() -> None:
    # Prompted at 16:00 in Shanghai (08:00 UTC), moves to New York at Thursday 12:00 there.
    move = utc(3, "17:00")
    outbox, first = week_of_ticks(SHANGHAI, NEW_YORK, move)
    prompt = schedule.prompt_key("T1", "UPM", WEEK)
    assert first[prompt] == utc(3, "08:00")
    assert sum(key.startswith("status-prompt") for key in outbox) == 1
    assert sum(key.startswith("status-reminder") for key in outbox) == 1
    # The move rule never fires going west: the new timezone's moment comes after the old one's.
    pm = moved(SHANGHAI, NEW_YORK, move)
    assert (
        schedule.due_week_after_move(
            utc(3, "21:00"), schedule.zone(NEW_YORK, "UTC"), schedule.zone(SHANGHAI, "UTC"), move, TEAM.prompt
        )
        is None
    )
    assert schedule.due_prompts(utc(3, "21:00"), TEAM, [pm]) == [
        schedule.DueDM("UPM", WEEK)
    ]  # NY's own 16:00


def test_moving_west_before_the_old_prompt_is_prompted_once_in_the_new_timezone() -> None:
    move = utc(3, "02:00")  # Thursday 10:00 in Shanghai, Wednesday 21:00 in New York
    outbox, first = week_of_ticks(SHANGHAI, NEW_YORK, move)
    assert first[schedule.prompt_key("T1", "UPM", WEEK)] == utc(3, "21:00")
    assert sum(key.startswith("status-prompt") for key in outbox) == 1


def test_an_old_move_does_not_widen_the_grace_window() -> None:
    long_ago = utc(1, "00:00") - dt.timedelta(days=60)
    pm = moved(NEW_YORK, SHANGHAI, long_ago)
    # Thursday 20:00 UTC: Friday 04:00 in Shanghai, still Thursday in New York.
    assert schedule.due_prompts(utc(3, "20:00"), TEAM, [pm]) == []
    assert schedule.due_prompts(utc(3, "08:00"), TEAM, [pm]) == [schedule.DueDM("UPM", WEEK)]


def test_a_day_long_outage_after_the_move_still_misses_rather_than_sending_late() -> None:
    pm = moved(NEW_YORK, SHANGHAI, utc(3, "19:00"))
    assert schedule.due_prompts(utc(4, "06:00"), TEAM, [pm]) == []  # Friday 01:00 in New York


def test_candidate_weeks_include_the_timezone_moved_from() -> None:
    pm = moved("Pacific/Auckland", "Pacific/Honolulu", utc(6, "09:00"))
    assert schedule.timezones_of([pm]) == {"Pacific/Honolulu", "Pacific/Auckland"}
    assert schedule.timezones_of([ScheduledPM("U", NEW_YORK)]) == {NEW_YORK}
