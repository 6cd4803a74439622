"""Slack is the source of truth for who can still be reached and where they are.

A PM whose Slack account is deactivated leaves the weekly cadence (no prompt, no reminder, never
counted missing) but keeps their history; a reactivation brings back only those Slack deactivated,
not those a manager removed. A PM who moves east past the prompt time still gets that week's prompt.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable

from sqlalchemy import update

from bot.fakeslack import FakeSlack
from bot.fakeslack import SlackRequestSender as S
from bot.ids import StatusBlock
from storage.roster import Member
from tests.support.cadence import (
    DIGEST_CHANNEL,
    FRIDAY,
    THURSDAY,
    WEEK,
    at,
    dm_texts,
    setup_team,
    tick,
    write_update,
)
from tests.support.cli import pmpulse
from tests.support.harness import Harness


def wait_until(check: Callable[[], bool], timeout: float = 10) -> None:
    """Events are handled after their ack: wait for the listener's effect."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "the event had no effect"
        time.sleep(0.05)


def slack_changes(h: Harness, user_id: str, now: dt.datetime, **changes: object) -> None:
    """Slack changes a user and sends the `user_change` event, as it does."""
    h.clock.now = now
    user = h.fake.update_user(user_id, **changes)
    reply = h.sender.event({"type": "user_change", "user": user, "event_ts": f"{time.time():.6f}"})
    assert reply.status_code == 200


def never_refreshed(h: Harness) -> None:
    """As if the daily profile refresh had not yet run for anyone."""
    with h.deps.uow(1) as uow:
        uow.session.execute(update(Member).values(profile_refreshed_at=None))
        uow.commit()


def is_active(h: Harness, user_id: str) -> bool:
    member = h.member(user_id)
    assert member is not None
    return member.active


def test_refresh_profiles_takes_a_deactivated_pm_out_of_the_cadence(
    harness: Harness, env: dict[str, str]
) -> None:
    setup_team(harness)
    harness.fake.update_user("UPM2", deleted=True)
    never_refreshed(harness)

    tick(harness, at(THURSDAY, "03:17"), job="refresh-profiles")

    assert not is_active(harness, "UPM2")
    for hhmm in ("08:00", "16:00", "21:00"):
        tick(harness, at(THURSDAY, hhmm))
    for hhmm in ("02:00", "09:00", "10:00", "15:00"):
        tick(harness, at(FRIDAY, hhmm))
    assert harness.fake.messages("UPM2") == []  # neither prompted nor reminded
    assert len(harness.fake.messages("UPM1")) == 2 and len(harness.fake.messages("UPM3")) == 2
    [missing] = harness.fake.messages("UMGR")
    assert "<@UPM1>" in json.dumps(missing) and "UPM2" not in json.dumps(missing)
    parent = json.dumps(harness.fake.messages(DIGEST_CHANNEL)[0], ensure_ascii=False)
    assert "*Submitted:* 0 of 2 (0%)" in parent

    # Still listed, marked, in `/pm team` and in `pmpulse team list`; not counted as active.
    team = json.dumps(harness.command("UADMIN", "team"), ensure_ascii=False)
    assert "<@UPM2> · Deposits · reports to <@UMGR> · _deactivated in Slack" in team
    assert "4 active members" in team
    listing = pmpulse(env, "team", "list")
    assert listing.returncode == 0, listing.stderr
    [line] = [row for row in listing.stdout.splitlines() if row.startswith("UPM2")]
    assert "pm (deactivated in Slack)" in line
    [active] = [row for row in listing.stdout.splitlines() if row.startswith("UPM1")]
    assert "deactivated" not in active


def test_user_change_deactivates_at_once_and_history_stays(harness: Harness) -> None:
    setup_team(harness)
    slack_changes(harness, "UPM2", at(THURSDAY, "07:00"), deleted=True)
    wait_until(lambda: not is_active(harness, "UPM2"))

    tick(harness, at(THURSDAY, "08:00"))
    write_update(
        harness,
        "UPM1",
        at(THURSDAY, "08:30"),
        {
            StatusBlock.PROGRESS: {"value": S.plain("Travel card pilot live in three branches")},
            StatusBlock.PLANS: {"value": S.plain("Two more branches")},
            StatusBlock.BLOCKERS: {"value": S.plain("")},
            StatusBlock.HEALTH: {"value": S.select("green")},
            StatusBlock.HEALTH_REASON: {"value": S.plain("")},
            StatusBlock.TOPIC: {"value": S.plain("")},
            StatusBlock.RISK: {"value": S.plain("")},
        },
    )
    for hhmm in ("16:00", "21:00"):
        tick(harness, at(THURSDAY, hhmm))
    # UPM1 answered, then left the bank on Friday morning: the update stays in the digest.
    slack_changes(harness, "UPM1", at(FRIDAY, "08:00"), deleted=True)
    wait_until(lambda: not is_active(harness, "UPM1"))
    for hhmm in ("02:00", "09:00"):
        tick(harness, at(FRIDAY, hhmm))

    assert harness.fake.messages("UPM2") == []
    parent, *replies = harness.fake.messages(DIGEST_CHANNEL)
    assert "*Submitted:* 1 of 2 (50%)" in json.dumps(parent, ensure_ascii=False)
    assert "Travel card pilot live" in "".join(json.dumps(r, ensure_ascii=False) for r in replies)
    [missing] = harness.fake.messages("UMGR")
    assert "<@UPM3>" in json.dumps(missing) and "UPM1" not in json.dumps(missing)
    assert "UPM2" not in json.dumps(missing)
    seen = json.dumps(harness.command("UMGR", f"status team {WEEK}"), ensure_ascii=False)
    assert "UPM1" in seen and "UPM2" not in seen


def test_reactivation_restores_only_those_slack_deactivated(harness: Harness) -> None:
    setup_team(harness)
    now = at(THURSDAY, "01:00")
    slack_changes(harness, "UPM2", now, deleted=True)
    wait_until(lambda: not is_active(harness, "UPM2"))
    slack_changes(harness, "UPM2", now, deleted=False)
    wait_until(lambda: is_active(harness, "UPM2"))
    member = harness.member("UPM2")
    assert member is not None and not member.deactivated_in_slack

    # A manager's removal stands, whatever Slack does later.
    assert "UPM3" in json.dumps(harness.command("UMGR", "team remove <@UPM3|jo>"))
    slack_changes(harness, "UPM3", now, deleted=True)
    slack_changes(harness, "UPM3", now, deleted=False, real_name="Jo Doe")
    slack_changes(harness, "UPM2", now, real_name="Sam Smythe")  # a later event: UPM3's were handled
    wait_until(lambda: (harness.member("UPM2") or Member(name="")).name == "Sam Smythe")
    assert not is_active(harness, "UPM3")
    # ...and a manager may remove someone Slack deactivated, so a reactivation keeps them off.
    slack_changes(harness, "UPM2", now, deleted=True)
    wait_until(lambda: not is_active(harness, "UPM2"))
    assert "UPM2" in json.dumps(harness.command("UMGR", "team remove <@UPM2|sam>"))
    slack_changes(harness, "UPM2", now, deleted=False, real_name="Sam Smith")
    slack_changes(harness, "UPM1", now, real_name="Li Wei Jr")
    wait_until(lambda: (harness.member("UPM1") or Member(name="")).name == "Li Wei Jr")
    assert not is_active(harness, "UPM2")

    for hhmm in ("08:00", "16:00", "21:00"):
        tick(harness, at(THURSDAY, hhmm))
    assert [len(harness.fake.messages(u)) for u in ("UPM1", "UPM2", "UPM3")] == [1, 0, 0]


def test_adding_a_deactivated_member_again_marks_them_inactive(harness: Harness) -> None:
    setup_team(harness)
    harness.fake.update_user("UPM2", deleted=True)
    answer = json.dumps(harness.command("UADMIN", "team add <@UPM2|sam> pm Deposits"), ensure_ascii=False)
    assert "can't find" in answer
    assert not is_active(harness, "UPM2")
    tick(harness, at(THURSDAY, "16:00"))
    assert harness.fake.messages("UPM2") == []


def test_a_pm_moving_east_past_the_prompt_time_is_prompted_once(harness: Harness) -> None:
    setup_team(harness)
    for hhmm in ("08:00", "16:00"):  # Shanghai's and London's prompts
        tick(harness, at(THURSDAY, hhmm))
    # Thursday 14:00 in New York: Jo lands in Shanghai, where it is already Friday 03:00.
    slack_changes(harness, "UPM3", at(THURSDAY, "19:00"), tz="Asia/Shanghai")
    wait_until(lambda: (harness.member("UPM3") or Member()).timezone == "Asia/Shanghai")

    assert tick(harness, at(THURSDAY, "19:00")).startswith("queued 1 prompt,")
    [prompt] = dm_texts(harness, "UPM3")
    assert f"{WEEK}, 30 Nov – 6 Dec" in prompt
    for when in (at(THURSDAY, "21:00"), at(THURSDAY, "23:59"), at(FRIDAY, "02:00"), at(FRIDAY, "04:59")):
        assert tick(harness, when).startswith("queued 0 prompts")
    # Reminded once, at Friday 10:00 in Shanghai with the others there.
    assert len(harness.fake.messages("UPM3")) == 2 and len(harness.fake.messages("UPM1")) == 2


def test_the_daily_refresh_catches_a_move_east_too(harness: Harness) -> None:
    setup_team(harness)
    for hhmm in ("08:00", "16:00"):
        tick(harness, at(THURSDAY, hhmm))
    harness.fake.update_user("UPM3", tz="Asia/Shanghai")
    never_refreshed(harness)
    tick(harness, at(THURSDAY, "19:00"), job="refresh-profiles")
    assert tick(harness, at(THURSDAY, "19:01")).startswith("queued 1 prompt,")
    tick(harness, at(THURSDAY, "21:00"))
    assert len(harness.fake.messages("UPM3")) == 1


def test_a_pm_moving_west_after_the_prompt_is_not_prompted_again(harness: Harness) -> None:
    setup_team(harness)
    tick(harness, at(THURSDAY, "08:00"))  # 16:00 in Shanghai: Li is prompted there
    slack_changes(harness, "UPM1", at(THURSDAY, "17:00"), tz="America/New_York")
    wait_until(lambda: (harness.member("UPM1") or Member()).timezone == "America/New_York")
    for hhmm in ("17:00", "21:00", "23:00"):
        tick(harness, at(THURSDAY, hhmm))
    assert len(harness.fake.messages("UPM1")) == 1


def test_user_change_for_someone_off_the_roster_changes_nothing(harness: Harness, fake: FakeSlack) -> None:
    setup_team(harness)
    slack_changes(harness, "UOUT", at(THURSDAY, "01:00"), deleted=True)
    slack_changes(harness, "UPM1", at(THURSDAY, "01:00"), real_name="Li Wei (Cards)")
    wait_until(lambda: (harness.member("UPM1") or Member(name="")).name == "Li Wei (Cards)")
    assert harness.member("UOUT") is None
