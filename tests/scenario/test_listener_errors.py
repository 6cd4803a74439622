"""No exception escapes a listener: every listener that acknowledges first, with its Slack call failing.

See docs/architecture.md#when-a-listener-fails. Bolt resets the acknowledgement of a listener that
raises after `ack()`, and Slack then gets `404 unhandled request` after 3 seconds. Each case below
makes the Slack call a listener depends on fail (through the fake Slack's fault injection) and
checks the request is still answered 200 within 3 seconds and the user gets an apology in their
language: ephemeral through the response URL where the request has one, else by DM.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
from sqlalchemy.orm import Session, sessionmaker

from bot.app import create_app
from bot.config import Settings
from bot.i18n import t
from bot.ids import ActionId, CallbackId, GoalBlock, StatusAction
from bot.slack_client import build_web_client
from bot.ui.goals import build_goal_modal
from handlers.errors import GUARDED
from tests.support.harness import WEEK, Harness, seed_team
from tests.support.slack import (
    confirmation,
    goal_values,
    open_from_prompt,
    open_goal_modal,
    post_prompt,
    values,
)

ACK_DEADLINE_SECONDS = 3.0
HOME = {"type": "view", "view_id": "VHOME"}


@dataclass
class Request:
    """What a case sends, and where its answer can come to."""

    send: Callable[[], requests.Response]
    response_url: str | None = None


@dataclass(frozen=True)
class Case:
    name: str
    user: str
    locale: str  # the language the apology must be in
    fails: str  # the Slack method that fails
    build: Callable[[Harness], Request]  # sets the scene (before the fault), returns the request
    seeded: bool = True
    fault: dict[str, Any] = field(default_factory=lambda: {"kind": "slack_error", "error": "internal_error"})


def command(user: str, text: str) -> Callable[[Harness], Request]:
    def build(h: Harness) -> Request:
        url = h.fake.response_url()
        return Request(lambda: h.sender.slash_command(user_id=user, text=text, response_url=url), url)

    return build


def home_button(user: str, action: str) -> Callable[[Harness], Request]:
    def build(h: Harness) -> Request:
        return Request(lambda: h.sender.block_action(user, action_id=action, container=HOME))

    return build


def prompt_button(user: str, action: str) -> Callable[[Harness], Request]:
    """A button on a message in the user's DM (a prompt, a confirmation): it has a response URL."""

    def build(h: Harness) -> Request:
        channel, ts = post_prompt(h, user)
        url = h.fake.response_url()
        return Request(
            lambda: h.sender.block_action(
                user, action_id=action, value=WEEK, channel_id=channel, message_ts=ts, response_url=url
            ),
            url,
        )

    return build


def resolve_own_blocker(h: Harness) -> Request:
    open_view = open_from_prompt(h, "UPM1")
    h.sender.view_submission(user_id="UPM1", view=open_view, values=values())
    confirmed = confirmation(h)
    with h.deps.uow(1) as uow:
        member = uow.members.get_by_slack_id("UPM1")
        assert member is not None
        update = uow.status.get(member.id, WEEK)
        assert update is not None
        blocker_id = update.blockers[0].id
    h.fake.clear_calls()
    url = h.fake.response_url()
    return Request(
        lambda: h.sender.block_action(
            "UPM1",
            action_id=StatusAction.RESOLVE_BLOCKER,
            value=str(blocker_id),
            channel_id=str(confirmed["channel"]),
            message_ts=str(confirmed["ts"]),
            response_url=url,
        ),
        url,
    )


def goal_submission(h: Harness) -> Request:
    opened = open_goal_modal(h, "UPM2")
    h.fake.clear_calls()
    return Request(lambda: h.sender.view_submission(user_id="UPM2", view=opened, values=goal_values()))


def status_submission(h: Harness) -> Request:
    opened = open_from_prompt(h, "UPM1")
    h.fake.clear_calls()
    return Request(lambda: h.sender.view_submission(user_id="UPM1", view=opened, values=values()))


def home_opened(user: str) -> Callable[[Harness], Request]:
    def build(h: Harness) -> Request:
        return Request(lambda: h.sender.event({"type": "app_home_opened", "user": user, "tab": "home"}))

    return build


def feedback_shortcut(h: Harness) -> Request:
    url = h.fake.response_url()
    message = {"type": "message", "ts": "1764000000.000100", "text": "The app keeps logging me out"}
    return Request(
        lambda: h.sender.message_shortcut(
            "UADMIN", callback_id=CallbackId.FEEDBACK_SHORTCUT, message=message, response_url=url
        ),
        url,
    )


HTTP_500 = {"kind": "http", "status": 500, "count": 3}  # the client retries a 5xx twice

CASES = [
    # /pm subcommands acknowledged before they run
    Case("/pm goal add", "UPM1", "zh-CN", "views.open", command("UPM1", "goal add")),
    Case("/pm status", "UPM2", "en", "views.open", command("UPM2", "status")),
    Case("/pm status WEEK", "UPM1", "zh-CN", "views.open", command("UPM1", f"status {WEEK}")),
    Case("/pm team add", "UMGR", "zh-CN", "users.info", command("UMGR", "team add <@UPM3|jo> pm")),
    Case(
        "/pm team add, Slack 5xx",
        "UMGR",
        "zh-CN",
        "users.info",
        command("UMGR", "team add <@UPM3> pm"),
        True,
        HTTP_500,
    ),
    Case("/pm from off the roster", "UOUT", "en", "users.info", command("UOUT", "team")),
    # buttons
    Case("App Home: add goal", "UPM1", "zh-CN", "views.open", home_button("UPM1", ActionId.HOME_ADD_GOAL)),
    Case("App Home: help", "UPM2", "en", "views.open", home_button("UPM2", ActionId.HOME_HELP)),
    Case("App Home: write", "UPM1", "zh-CN", "views.open", home_button("UPM1", StatusAction.HOME_WRITE)),
    Case("prompt: write", "UPM1", "zh-CN", "views.open", prompt_button("UPM1", StatusAction.WRITE)),
    Case("confirmation: edit", "UPM2", "en", "views.open", prompt_button("UPM2", StatusAction.EDIT)),
    Case("prompt: skip", "UPM2", "en", "chat.update", prompt_button("UPM2", StatusAction.SKIP)),
    Case("confirmation: resolve blocker", "UPM1", "zh-CN", "chat.update", resolve_own_blocker),
    # modal submissions, acknowledged once saved
    Case("goal modal submitted", "UPM2", "en", "conversations.open", goal_submission),
    # Its confirmation: the App Home refresh after it is coalesced, and a failure there is
    # logged, not apologised for (tests/scenario/test_home_refresh.py).
    Case("status modal submitted", "UPM1", "zh-CN", "chat.postMessage", status_submission),
    # events and shortcuts
    Case("app_home_opened", "UPM2", "en", "views.publish", home_opened("UPM2")),
    Case("app_home_opened off the roster", "UOUT", "en", "users.info", home_opened("UOUT")),
    Case("feedback shortcut", "UADMIN", "en", "users.info", feedback_shortcut, seeded=False),
]


def test_every_listener_the_app_registers_is_guarded(
    settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    app, _ = create_app(settings, session_factory=session_factory, client=build_web_client(settings))
    listeners = app._listeners  # Bolt has no public list of an app's listeners

    unguarded = [
        listener.ack_function.__name__
        for listener in listeners
        if not hasattr(listener.ack_function, GUARDED)
    ]

    assert len(listeners) >= 10 and unguarded == []


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_listener_whose_slack_call_fails_answers_200_in_time_and_apologises(
    harness: Harness, case: Case, caplog: pytest.LogCaptureFixture
) -> None:
    if case.seeded:
        seed_team(harness)
    request = case.build(harness)
    harness.fake.clear_calls()
    harness.fake.fail_next(case.fails, **case.fault)

    with caplog.at_level(logging.ERROR, logger="handlers.errors"):
        started = time.monotonic()
        reply = request.send()
        elapsed = time.monotonic() - started

        assert (reply.status_code, reply.text) == (200, ""), reply.text
        assert elapsed < ACK_DEADLINE_SECONDS
        failed = harness.fake.wait_for(case.fails, lambda c: not c.response.get("ok"))
        assert failed.method == case.fails
        apology = t(case.locale, "error.generic")
        if request.response_url is not None:
            answer = harness.fake.wait_for("response_url", lambda c: c.params["_url"] == request.response_url)
            assert answer.params["text"] == apology
            assert answer.params["response_type"] == "ephemeral"
        else:
            harness.fake.wait_for(
                "chat.postMessage",
                lambda c: c.params.get("channel") == case.user and c.params["text"] == apology,
            )

    # This case's failure only: a listener thread an earlier test left behind may log meanwhile.
    logged = [
        r.getMessage()
        for r in caplog.records
        if r.getMessage().startswith("listener failed") and f"user='{case.user}'" in r.getMessage()
    ]
    assert len(logged) == 1, logged
    assert case.user in logged[0] and "T0001" in logged[0]


def test_slack_5xx_on_team_add_adds_nobody(harness: Harness) -> None:
    seed_team(harness)
    harness.fake.fail_next("users.info", **HTTP_500)

    body = harness.command("UMGR", "team add <@UPM3|jo> pm Loans")

    assert body["text"] == t("zh-CN", "error.generic")
    assert harness.member("UPM3") is None
    # Once Slack is back, the same command works.
    assert "<@UPM3>" in harness.command("UMGR", "team add <@UPM3|jo> pm Loans")["text"]
    added = harness.member("UPM3")
    assert added is not None and added.name == "Jo <!channel> Doe"


def test_a_command_failing_before_its_ack_is_answered_in_the_ack(harness: Harness) -> None:
    # A configured admin's first request looks them up in Slack before anything is acknowledged.
    harness.fake.fail_next("users.info", kind="slack_error", error="internal_error")

    started = time.monotonic()
    reply = harness.sender.slash_command(
        user_id="UADMIN", text="team", response_url=harness.fake.response_url()
    )

    assert reply.status_code == 200 and time.monotonic() - started < ACK_DEADLINE_SECONDS
    assert reply.json() == {"text": t("en", "error.generic"), "response_type": "ephemeral"}
    harness.settle()
    assert harness.fake.calls_to("response_url") == []


def test_a_modal_failing_before_its_ack_stays_open_with_the_apology_under_its_first_field(
    harness: Harness,
) -> None:
    modal = build_goal_modal(
        "en",
        actor_id="UADMIN",
        can_assign_others=False,
        default_product_line=None,
        today=dt.date(2026, 11, 26),
    )
    harness.fake.fail_next("users.info", kind="slack_error", error="internal_error")

    reply = harness.sender.view_submission(
        user_id="UADMIN", view={**modal, "id": "V0001"}, values=goal_values()
    )

    assert reply.status_code == 200
    assert reply.json() == {
        "response_action": "errors",
        "errors": {GoalBlock.TITLE: t("en", "error.generic")},
    }


def test_an_apology_that_cannot_be_sent_is_logged_and_nothing_escapes(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    seed_team(harness)
    harness.fake.fail_next("views.open", kind="slack_error", error="internal_error")
    dead_response_url = "http://127.0.0.1:9/response/gone"  # Slack unreachable for the apology too

    with caplog.at_level(logging.ERROR):
        reply = harness.sender.slash_command(user_id="UPM1", text="goal add", response_url=dead_response_url)
        assert (reply.status_code, reply.text) == (200, "")
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not _messages(caplog, "the apology could not be sent"):
            time.sleep(0.05)

    assert len(_messages(caplog, "the apology could not be sent")) == 1
    # Raised on, the error would have reached Bolt's error handler and been logged a second time.
    assert len(_messages(caplog, "listener failed")) == 1


def test_slack_down_for_an_event_and_its_apology(harness: Harness, caplog: pytest.LogCaptureFixture) -> None:
    seed_team(harness)
    harness.fake.fault_rate(None, rate=1.0, statuses=(503,), seed=1)

    with caplog.at_level(logging.ERROR):
        reply = harness.sender.event({"type": "app_home_opened", "user": "UPM2", "tab": "home"})
        assert reply.status_code == 200
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not _messages(caplog, "the apology could not be sent"):
            time.sleep(0.05)

    # A post is never repeated after a 5xx (Slack may have made it); views.publish is retried.
    assert [c.method for c in harness.fake.calls].count("chat.postMessage") == 1
    assert len(_messages(caplog, "the apology could not be sent")) == 1
    assert len(_messages(caplog, "listener failed")) == 1


def _messages(caplog: pytest.LogCaptureFixture, start: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.getMessage().startswith(start)]
