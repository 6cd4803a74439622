"""App Home after edits made from it: one publish at once, one at the end of the burst
(bot/coalescer.py). An edit made elsewhere (the prompt's DM, a command) does not publish: the tab
is published when it is opened.

Through signed requests to the running app; the publishes counted are those the fake Slack got.
The window is the real one, so each test here waits for it to close, a few seconds.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.coalescer import HOME_PUBLISH_WINDOW_SECONDS
from bot.config import Settings
from bot.fakeslack import FakeSlack, RecordedCall, SlackRequestSender
from bot.fakeslack import SlackRequestSender as S
from bot.i18n import t
from bot.ids import GoalBlock, StatusAction, StatusBlock
from tests.support.cli import run_http
from tests.support.harness import SIGNING_SECRET, TEAM_ID, Harness, seed_team, serve_app
from tests.support.slack import goal_values, home_opened, open_from_home, open_goal_modal, values

pytestmark = pytest.mark.waits  # each waits for App Home windows to close: started first in a parallel run

WINDOW = HOME_PUBLISH_WINDOW_SECONDS
WORKSPACE = 1  # the harness's one workspace
AFTER_WINDOW = WINDOW + 5  # how long to wait for a trailing publish
STOPS_WITHIN = 10.0  # a stop that waited on Slack or hung would not; generous for a loaded machine


def publishes(h: Harness | FakeSlack, user_id: str) -> list[RecordedCall]:
    fake = h.fake if isinstance(h, Harness) else h
    return [c for c in fake.calls_to("views.publish") if c.params.get("user_id") == user_id]


def theirs(user_id: str) -> Any:
    return lambda c: c.params.get("user_id") == user_id


def edit(h: Harness | SlackRequestSender, user_id: str, view: dict[str, Any], progress: str) -> None:
    """A status edit: the modal `view` submitted with `progress` (each edit differs, or it is a replay)."""
    sender = h.sender if isinstance(h, Harness) else h
    reply = sender.view_submission(
        user_id=user_id, view=view, values=values(**{StatusBlock.PROGRESS: {"value": S.plain(progress)}})
    )
    assert (reply.status_code, reply.text) == (200, ""), reply.text


def until_quiet(h: Harness, user_id: str) -> None:
    """Until the person's last window closed with nothing owed: no publish can follow."""
    deadline = time.monotonic() + 2 * WINDOW + 5
    while not h.deps.home_refresh.quiet((WORKSPACE, user_id)):
        assert time.monotonic() < deadline, "the App Home window never closed"
        time.sleep(0.05)
    h.settle()


def test_three_quick_edits_publish_twice_and_the_second_shows_the_latest_data(harness: Harness) -> None:
    seed_team(harness)
    view = open_from_home(harness, "UPM2")

    started = time.monotonic()
    edit(harness, "UPM2", view, "Pilot live")
    first = harness.fake.wait_for("views.publish", theirs("UPM2"), timeout=WINDOW - 0.5)  # at once
    edit(harness, "UPM2", view, "Pilot live in two branches")
    edit(harness, "UPM2", view, "Pilot live in three branches")
    assert time.monotonic() - started < WINDOW  # quick: all three within one window
    # Saved after the last edit, before the window closes: the trailing publish reads it then.
    harness.add_goal("UPM2", title="Branch queue under five minutes")

    second = harness.fake.wait_for("views.publish", theirs("UPM2"), count=2, timeout=AFTER_WINDOW)
    until_quiet(harness, "UPM2")

    assert len(publishes(harness, "UPM2")) == 2
    assert first.response["ok"] and second.response["ok"]
    assert "Branch queue under five minutes" not in str(first.params["view"])
    assert "Branch queue under five minutes" in str(second.params["view"])
    assert second.at - first.at >= WINDOW - 0.5  # merged at the window's end, not sent per edit
    assert len(harness.fake.calls_to("chat.postMessage")) == 3  # each edit still confirmed at once


def test_three_quick_goals_publish_twice_and_the_second_lists_all_three(harness: Harness) -> None:
    seed_team(harness)
    view = open_goal_modal(harness, "UPM2")

    for title in ("Grow deposits", "Cut churn", "Launch the app"):
        reply = harness.sender.view_submission(
            user_id="UPM2", view=view, values=goal_values(**{GoalBlock.TITLE: {"value": S.plain(title)}})
        )
        assert reply.status_code == 200 and reply.text == ""

    second = harness.fake.wait_for("views.publish", theirs("UPM2"), count=2, timeout=AFTER_WINDOW)
    until_quiet(harness, "UPM2")

    assert len(publishes(harness, "UPM2")) == 2
    shown = str(second.params["view"])
    assert all(title in shown for title in ("Grow deposits", "Cut churn", "Launch the app"))


def test_two_pms_editing_at_once_each_get_their_own_publishes(harness: Harness) -> None:
    seed_team(harness)
    views = {user: open_from_home(harness, user) for user in ("UPM1", "UPM2")}
    harness.fake.clear_calls()

    def burst(user: str) -> None:
        edit(harness, user, views[user], "First")
        edit(harness, user, views[user], "Second")

    threads = [threading.Thread(target=burst, args=(user,)) for user in views]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    # Each person's leading publish came without waiting for the other's window.
    for user in views:
        harness.fake.wait_for("views.publish", theirs(user), timeout=WINDOW - 0.5)
    harness.add_goal("UPM1", title="Card fraud losses down")
    harness.add_goal("UPM2", title="Deposit base up")

    last = {
        user: harness.fake.wait_for("views.publish", theirs(user), count=2, timeout=AFTER_WINDOW)
        for user in views
    }
    until_quiet(harness, "UPM1")
    until_quiet(harness, "UPM2")

    assert [len(publishes(harness, user)) for user in views] == [2, 2]
    assert "Card fraud losses down" in str(last["UPM1"].params["view"])
    assert "Deposit base up" not in str(last["UPM1"].params["view"])
    assert "Deposit base up" in str(last["UPM2"].params["view"])


def test_a_failed_publish_is_logged_not_apologised_for_and_later_publishes_go_on(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    seed_team(harness)
    view = open_from_home(harness, "UPM2")
    harness.fake.fail_next("views.publish", kind="slack_error", error="internal_error")

    with caplog.at_level(logging.ERROR):
        edit(harness, "UPM2", view, "Pilot live")  # its leading publish fails
        failed = harness.fake.wait_for("views.publish", theirs("UPM2"))
        edit(harness, "UPM2", view, "Pilot live in two branches")
        harness.fake.fail_next("views.publish", kind="slack_error", error="internal_error")
        # The trailing publish fails too, on the coalescer's timer and the listener pool.
        harness.fake.wait_for("views.publish", theirs("UPM2"), count=2, timeout=AFTER_WINDOW)
        until_quiet(harness, "UPM2")
        edit(harness, "UPM2", view, "Pilot live in three branches")
        after = harness.fake.wait_for("views.publish", theirs("UPM2"), count=3)

    assert not failed.response["ok"] and after.response["ok"]
    logged = [r.getMessage() for r in caplog.records]
    assert logged.count(f"coalesced refresh failed for ({WORKSPACE}, 'UPM2')") == 2, logged
    assert not [m for m in logged if m.startswith("listener failed")]
    apology = t("en", "error.generic")
    assert not [c for c in harness.fake.calls_to("chat.postMessage") if c.params.get("text") == apology]
    # Opening the tab publishes at once, whatever the edits' window holds.
    harness.sender.event(home_opened("UPM2"))
    harness.fake.wait_for("views.publish", theirs("UPM2"), count=4, timeout=WINDOW - 0.5)


def test_stopping_the_app_with_a_publish_owed_does_not_hang_and_drops_it(
    fake: FakeSlack, settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    with serve_app(fake, settings, session_factory) as harness:
        seed_team(harness)
        view = open_from_home(harness, "UPM2")
        edit(harness, "UPM2", view, "Pilot live")
        edit(harness, "UPM2", view, "Pilot live in two branches")
        harness.settle()
        assert harness.deps.home_refresh.owed((WORKSPACE, "UPM2"))
        stopping = time.monotonic()
    assert time.monotonic() - stopping < STOPS_WITHIN
    assert not [t for t in threading.enumerate() if t.name == "pmpulse-home-refresh"]
    time.sleep(WINDOW + 0.5)  # the window the owed publish waited for has closed
    assert len(publishes(fake, "UPM2")) == 1


def test_under_gunicorn_the_worker_coalesces_and_stops_promptly_with_a_publish_owed(
    env: dict[str, str], fake: FakeSlack
) -> None:
    """`pmpulse run --http`: the coalescer's thread starts in the forked worker, and a SIGTERM
    with a publish owed lets the server exit at once, without it."""
    with run_http(env, "--workers", "1") as server:
        sender = SlackRequestSender(
            app_url=f"{server.url}/slack/events", signing_secret=SIGNING_SECRET, team_id=TEAM_ID, fake=fake
        )
        for user, text in (
            ("UADMIN", "team add <@UMGR|mei> manager"),
            ("UMGR", "team add <@UPM2|sam> pm Deposits"),
        ):
            url = fake.response_url()
            assert sender.slash_command(user_id=user, text=text, response_url=url).status_code == 200
            fake.wait_for("response_url", lambda c, url=url: c.params["_url"] == url, timeout=10)
        # *Write my update* on App Home: this week on the server's own clock.
        assert sender.block_action("UPM2", action_id=StatusAction.HOME_WRITE).status_code == 200
        opened = fake.wait_for("views.open", timeout=10)
        assert opened.response["ok"], opened.response
        view = opened.response["view"]
        for progress in ("One", "Two", "Three"):
            edit(sender, "UPM2", view, progress)
        fake.wait_for("views.publish", theirs("UPM2"), count=2, timeout=AFTER_WINDOW)
        edit(sender, "UPM2", view, "Four")  # inside the trailing publish's window: owed
        edit(sender, "UPM2", view, "Five")
        fake.wait_for("chat.postMessage", lambda c: "(version 5)" in str(c.params.get("text")), timeout=10)
        stopping = time.monotonic()
    # Prompt (run_http kills a server still up after 15 s); what is owed is dropped, not sent.
    assert time.monotonic() - stopping < STOPS_WITHIN, server.output
    assert len(publishes(fake, "UPM2")) == 2
    assert "Traceback" not in server.output, server.output
    assert "bot.coalescer: stopping: 1 owed refreshes dropped" in server.output, server.output
