"""The role matrix (docs/product.md#roles): every `/pm` subcommand and every button, view and App Home
surface, tried by each of six people, through signed HTTP against the fake Slack.

The people are named relative to one PM, the subject (UPM1, reporting to UMGR):

    the PM themself · another PM (UPM2, reporting to UMGR2) · their manager (UMGR)
    another manager (UMGR2) · an admin (UADMIN, from PMPULSE_ADMINS) · someone off the roster (UOUT)

Each row of ROWS names what is tried (`attempt`), how to tell it took effect (`happened`, read from
what was answered, opened or stored), who may do it (`allowed`) and which subcommand or Slack ID it
`covers`. A new feature adds its rows (a test fails until every subcommand and callback ID has
one); every row runs for every person on a fresh workspace.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import pytest
from slack_bolt import App
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.fakeslack import FakeSlack
from bot.fakeslack import SlackRequestSender as S
from bot.i18n import t
from bot.ids import (
    NOT_YET_AVAILABLE,
    ActionId,
    CallbackId,
    GoalBlock,
    SettingsAction,
    SettingsBlock,
    StatusAction,
    StatusBlock,
    StatusCallback,
)
from bot.services import status as status_service
from bot.services.settings import setting_text
from bot.services.workspaces import EDITABLE, find_workspace
from bot.ui.settings import settings_metadata
from bot.ui.status import week_metadata
from handlers import register_features
from storage.roster import Member
from tests.support.factories import add_goal, add_member, status_form
from tests.support.harness import (
    NOW,
    TEAM_ID,
    Harness,
    ListenerWork,
    serve_app,
)

WEEK = "2026-W48"  # the harness clock is Thursday 2026-11-26
GOAL_TITLE = "Grow active cardholders"
DIGEST_CHANNEL = "C0DIGEST"


class Who(StrEnum):
    SELF = "the PM themself"
    PEER = "another PM"
    MANAGER = "their manager"
    OTHER_MANAGER = "another manager"
    ADMIN = "an admin"
    OUTSIDER = "someone off the roster"


USER = {
    Who.SELF: "UPM1",
    Who.PEER: "UPM2",
    Who.MANAGER: "UMGR",
    Who.OTHER_MANAGER: "UMGR2",
    Who.ADMIN: "UADMIN",
    Who.OUTSIDER: "UOUT",
}
SUBJECT = USER[Who.SELF]

ROSTER = frozenset(Who) - {Who.OUTSIDER}
MANAGERS = frozenset({Who.MANAGER, Who.OTHER_MANAGER, Who.ADMIN})
OVERSEERS = frozenset({Who.SELF, Who.MANAGER, Who.ADMIN})  # the PM, their manager, an admin
EVERYONE = frozenset(Who)
NOBODY: frozenset[Who] = frozenset()


def _text_of(*bodies: Any) -> str:
    """Every string in what was answered (JSON bodies or their parsed form), one per line."""
    out: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, str):
            out.append(value)

    for body in bodies:
        if isinstance(body, str):
            with contextlib.suppress(ValueError):
                body = json.loads(body) if body else ""
        walk(body)
    return "\n".join(out)


@dataclass
class World:
    """One workspace with the six people, and what the last attempt produced."""

    h: Harness
    listeners: ListenerWork
    blocker_id: int = 0
    answer: str = ""
    acked: dict[str, Any] = field(default_factory=dict)

    # -- sending ----------------------------------------------------------------------------------

    def command(self, user: str, text: str) -> None:
        """`/pm text`; the answer is what came in the ack and through the response URL."""
        url = self.h.fake.response_url()
        reply = self.h.sender.slash_command(user_id=user, text=text, response_url=url)
        assert reply.status_code == 200, reply.text
        self.listeners.settle()
        answers = [c.params for c in self.h.fake.calls_to("response_url") if c.params.get("_url") == url]
        self.answer = _text_of(reply.text, *answers)

    def click(self, user: str, action: str, value: str = "", *, on_message: bool = False) -> None:
        where: dict[str, Any] = {}
        if on_message:
            posted = self.h.deps.client.chat_postMessage(channel=user, text="prompt")
            self.h.fake.clear_calls()
            where = {"channel_id": str(posted["channel"]), "message_ts": str(posted["ts"])}
        reply = self.h.sender.block_action(user, action_id=action, value=value, **where)
        assert reply.status_code == 200, reply.text
        self.listeners.settle()
        self.answer = _text_of(reply.text, *(c.params for c in self.h.fake.calls_to("response_url")))

    def submit(self, user: str, callback_id: str, values: dict[str, Any], metadata: str = "") -> None:
        view = {"id": "V0FORGED", "type": "modal", "callback_id": callback_id, "private_metadata": metadata}
        reply = self.h.sender.view_submission(user_id=user, view=view, values=values)
        assert reply.status_code == 200, reply.text
        self.listeners.settle()
        self.acked = reply.json() if reply.text else {}
        self.answer = _text_of(reply.text)

    def shortcut(self, user: str, callback_id: str) -> None:
        message = {"type": "message", "ts": "1700000000.000100", "text": "The app is slow", "user": "UCUST"}
        reply = self.h.sender.message_shortcut(user, callback_id=callback_id, message=message)
        assert reply.status_code == 200, reply.text
        self.listeners.settle()
        self.answer = _text_of(*(c.params for c in self.h.fake.calls_to("response_url")))

    def suggest(self, user: str, action: str, typed: str) -> None:
        """Typing into an external select: the answer is the options acknowledged."""
        view = {"id": "V0FORGED", "type": "modal", "callback_id": CallbackId.SETTINGS, "private_metadata": ""}
        reply = self.h.sender.block_suggestion(user, action_id=action, value=typed, view=view)
        assert reply.status_code == 200, reply.text
        self.listeners.settle()
        self.answer = _text_of(reply.text)

    def event(self, payload: dict[str, Any]) -> None:
        reply = self.h.sender.event(payload)
        assert reply.status_code == 200, reply.text
        self.listeners.settle()

    # -- what happened ----------------------------------------------------------------------------

    def opened(self, callback_id: str) -> bool:
        return any(c.params["view"].get("callback_id") == callback_id for c in self._views_opened())

    def opened_any(self) -> bool:
        return bool(self._views_opened())

    def _views_opened(self) -> list[Any]:
        calls = self.h.fake.calls_to("views.open")
        for call in calls:
            if isinstance(call.params.get("view"), str):
                call.params["view"] = json.loads(call.params["view"])
        return [c for c in calls if c.response.get("ok")]

    def home_of(self, user: str) -> str:
        view = self.h.fake.home_view(user)
        return json.dumps(view) if view else ""

    def member(self, user: str) -> Member | None:
        with self.h.deps.uow(1) as uow:
            member = uow.members.get_by_slack_id(user)
            if member is not None:
                _ = member.manager, member.product_lines
            return member

    def is_active(self, user: str, role: str | None = None) -> bool:
        member = self.member(user)
        return member is not None and member.active and (role is None or member.role == role)

    def manager_of(self, user: str) -> str | None:
        member = self.member(user)
        return member.manager.slack_user_id if member and member.manager else None

    def goals_of(self, user: str) -> list[str]:
        with self.h.deps.uow(1) as uow:
            member = uow.members.get_by_slack_id(user)
            return [g.title for g in uow.goals.for_owners([member.id])] if member else []

    def status_state(self, user: str) -> str | None:
        with self.h.deps.uow(1) as uow:
            member = uow.members.get_by_slack_id(user)
            update = uow.status.get(member.id, WEEK) if member else None
            return update.state if update else None

    def blocker_resolved(self) -> bool:
        with self.h.deps.uow(1) as uow:
            blocker = uow.status.blocker(self.blocker_id)
            return blocker is not None and blocker.resolved

    def settings_metadata(self) -> str:
        """What a settings form opened now would carry: the stored values."""
        with self.h.deps.uow(1) as uow:
            settings = uow.team_settings.get()
            assert settings is not None
            return settings_metadata(TEAM_ID, {k: setting_text(k, getattr(settings, k)) for k in EDITABLE})

    def digest_time(self) -> str:
        with self.h.deps.uow(1) as uow:
            settings = uow.team_settings.get()
            assert settings is not None
            return settings.digest_time.strftime("%H:%M")

    def digest_queued(self) -> bool:
        with self.h.deps.uow(1) as uow:
            return uow.status.digest_post(WEEK) is not None

    def admin_acts_as_admin(self) -> bool:
        """UADMIN (PMPULSE_ADMINS) may still do what only admins may: make an admin."""
        self.command("UADMIN", "team add <@UNEW|nia> admin")
        return self.is_active("UNEW", "admin")


# -- the table -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    name: str
    attempt: Callable[[World, str], None]  # the person's Slack user ID
    happened: Callable[[World, str], bool]
    allowed: frozenset[Who]
    covers: str = ""  # the subcommand, action_id, callback_id or event it tries


def _command_row(
    text: str, happened: Callable[[World, str], bool], allowed: frozenset[Who], name: str | None = None
) -> Row:
    return Row(name or f"/pm {text}", lambda w, u: w.command(u, text), happened, allowed, text.split()[0])


def _says(key: str, **params: object) -> Callable[[World, str], bool]:
    return lambda w, u: t("en", key, **params) in w.answer


def _goal_values(owner: str | None = None) -> dict[str, Any]:
    values: dict[str, Any] = {
        GoalBlock.TITLE: {ActionId.VALUE: S.plain("Cut onboarding time")},
        GoalBlock.PRODUCT_LINE: {ActionId.VALUE: S.plain("Credit Cards")},
        GoalBlock.METRIC: {ActionId.VALUE: S.plain("Days to first use")},
        GoalBlock.UNIT: {ActionId.VALUE: S.plain("days")},
        GoalBlock.BASELINE: {ActionId.VALUE: S.plain("10")},
        GoalBlock.TARGET: {ActionId.VALUE: S.plain("5")},
        GoalBlock.DUE_DATE: {ActionId.VALUE: S.datepicker("2027-03-31")},
        GoalBlock.DIRECTION: {ActionId.VALUE: S.select("down")},
    }
    if owner is not None:
        values[GoalBlock.OWNER] = {ActionId.VALUE: {"type": "users_select", "selected_user": owner}}
    return {str(k): v for k, v in values.items()}


def _status_values() -> dict[str, Any]:
    values = {
        StatusBlock.PROGRESS: {ActionId.VALUE: S.plain("Launched the travel card pilot")},
        StatusBlock.PLANS: {ActionId.VALUE: S.plain("Two more branches")},
        StatusBlock.BLOCKERS: {ActionId.VALUE: S.plain("")},
        StatusBlock.HEALTH: {ActionId.VALUE: S.select("green")},
        StatusBlock.HEALTH_REASON: {ActionId.VALUE: S.plain("")},
        StatusBlock.TOPIC: {ActionId.VALUE: S.plain("")},
        StatusBlock.RISK: {ActionId.VALUE: S.plain("")},
    }
    return {str(k): v for k, v in values.items()}


def _home_opened(user: str) -> dict[str, str]:
    return {"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": "home", "event_ts": "1.2"}


def _subject_changed(w: World, user: str) -> bool:
    member = w.member(SUBJECT)
    assert member is not None
    return not (
        member.active
        and member.role == "pm"
        and w.manager_of(SUBJECT) == "UMGR"
        and [line.name for line in member.product_lines] == ["Credit Cards"]
    )


ROWS: list[Row] = [
    # -- /pm subcommands ---------------------------------------------------------------------------
    _command_row("help", lambda w, u: "/pm goal add" in w.answer, EVERYONE),
    _command_row("team", lambda w, u: "<@UPM1>" in w.answer, ROSTER),
    _command_row(
        "team add <@UNEW|nia> pm", lambda w, u: w.is_active("UNEW", "pm"), MANAGERS, "/pm team add @new pm"
    ),
    _command_row(
        "team add <@UPM1|li> pm Payments",
        _subject_changed,
        frozenset({Who.MANAGER, Who.ADMIN}),
        "/pm team add @the-pm pm PRODUCT",
    ),
    _command_row(
        "team remove <@UPM1|li>",
        lambda w, u: not w.is_active(SUBJECT),
        frozenset({Who.MANAGER, Who.ADMIN}),
        "/pm team remove @the-pm",
    ),
    _command_row(
        "team add <@UMGR|mei> pm",
        lambda w, u: not w.is_active("UMGR", "manager"),
        frozenset({Who.ADMIN}),
        "/pm team add @manager pm",
    ),
    _command_row(
        "team remove <@UMGR|mei>",
        lambda w, u: not w.is_active("UMGR"),
        frozenset({Who.ADMIN}),
        "/pm team remove @manager",
    ),
    _command_row(
        "team add <@UADM2|ann> pm",
        lambda w, u: not w.is_active("UADM2", "admin"),
        frozenset({Who.ADMIN}),
        "/pm team add @admin pm",
    ),
    _command_row(
        "team remove <@UADM2|ann>",
        lambda w, u: not w.is_active("UADM2"),
        frozenset({Who.ADMIN}),
        "/pm team remove @admin",
    ),
    _command_row(
        "team add <@UADMIN|ada> pm",
        lambda w, u: not (w.is_active("UADMIN", "admin") and w.admin_acts_as_admin()),
        NOBODY,
        "/pm team add @configured-admin pm",
    ),
    _command_row(
        "team remove <@UADMIN|ada>",
        lambda w, u: not (w.is_active("UADMIN", "admin") and w.admin_acts_as_admin()),
        NOBODY,
        "/pm team remove @configured-admin",
    ),
    _command_row("goal add", lambda w, u: w.opened(CallbackId.GOAL_ADD), ROSTER),
    _command_row("goals", lambda w, u: "Open goals of" in w.answer, ROSTER),
    _command_row("goals <@UPM1|li>", lambda w, u: GOAL_TITLE in w.answer, OVERSEERS, "/pm goals @the-pm"),
    _command_row("status", lambda w, u: w.opened(StatusCallback.MODAL), ROSTER),
    _command_row("status team", lambda w, u: "<@UPM1>" in w.answer, frozenset({Who.MANAGER, Who.ADMIN})),
    _command_row("leave", _says("status.leave.none"), ROSTER),
    _command_row("digest now", lambda w, u: w.digest_queued(), MANAGERS),
    _command_row("settings", lambda w, u: w.opened(CallbackId.SETTINGS), MANAGERS),
    *(
        _command_row(name, _says("common.not_available_yet", command=name), ROSTER)
        for name in sorted(NOT_YET_AVAILABLE)
    ),
    # -- buttons ------------------------------------------------------------------------------------
    Row(
        "App Home: Add goal",
        lambda w, u: w.click(u, ActionId.HOME_ADD_GOAL),
        lambda w, u: w.opened(CallbackId.GOAL_ADD),
        ROSTER,
        covers=ActionId.HOME_ADD_GOAL,
    ),
    Row(
        "App Home: Help",
        lambda w, u: w.click(u, ActionId.HOME_HELP),
        lambda w, u: w.opened_any(),
        EVERYONE,
        covers=ActionId.HOME_HELP,
    ),
    Row(
        "App Home: Write my update",
        lambda w, u: w.click(u, StatusAction.HOME_WRITE),
        lambda w, u: w.opened(StatusCallback.MODAL),
        ROSTER,
        covers=StatusAction.HOME_WRITE,
    ),
    Row(
        "prompt: Write my update",
        lambda w, u: w.click(u, StatusAction.WRITE, WEEK, on_message=True),
        lambda w, u: w.opened(StatusCallback.MODAL),
        ROSTER,
        covers=StatusAction.WRITE,
    ),
    Row(
        "confirmation: Edit",
        lambda w, u: w.click(u, StatusAction.EDIT, WEEK, on_message=True),
        lambda w, u: w.opened(StatusCallback.MODAL),
        ROSTER,
        covers=StatusAction.EDIT,
    ),
    Row(
        "prompt: Skip this week",
        lambda w, u: w.click(u, StatusAction.SKIP, WEEK, on_message=True),
        lambda w, u: w.status_state(u) is not None,  # skipped (the PM themself had submitted already)
        ROSTER,
        covers=StatusAction.SKIP,
    ),
    Row(
        "the PM's blocker: Resolved",
        lambda w, u: w.click(u, StatusAction.RESOLVE_BLOCKER, str(w.blocker_id), on_message=True),
        lambda w, u: w.blocker_resolved(),
        frozenset({Who.SELF, Who.MANAGER}),
        covers=StatusAction.RESOLVE_BLOCKER,
    ),
    # -- views --------------------------------------------------------------------------------------
    Row(
        "goal modal: own goal",
        lambda w, u: w.submit(u, CallbackId.GOAL_ADD, _goal_values()),
        lambda w, u: "Cut onboarding time" in w.goals_of(u),
        ROSTER,
        covers=CallbackId.GOAL_ADD,
    ),
    Row(
        "goal modal: a goal for the PM",
        lambda w, u: w.submit(u, CallbackId.GOAL_ADD, _goal_values(owner=SUBJECT)),
        lambda w, u: "Cut onboarding time" in w.goals_of(SUBJECT),
        OVERSEERS,
        covers=CallbackId.GOAL_ADD,
    ),
    Row(
        "status modal: own update",
        lambda w, u: w.submit(u, StatusCallback.MODAL, _status_values(), week_metadata(WEEK)),
        lambda w, u: w.status_state(u) == "submitted",
        ROSTER,
        covers=StatusCallback.MODAL,
    ),
    Row(
        "settings modal: digest time",
        lambda w, u: w.submit(
            u,
            CallbackId.SETTINGS,
            {f"{SettingsBlock.FIELD_PREFIX}digest_time": {ActionId.VALUE: S.timepicker("18:30")}},
            w.settings_metadata(),
        ),
        lambda w, u: w.digest_time() == "18:30",
        MANAGERS,
        covers=CallbackId.SETTINGS,
    ),
    Row(
        "settings modal: time zone search",
        lambda w, u: w.suggest(u, SettingsAction.TIMEZONE, "shanghai"),
        lambda w, u: "Asia/Shanghai" in w.answer,
        EVERYONE,  # the public list of IANA zones: nothing to protect
        covers=SettingsAction.TIMEZONE,
    ),
    # -- shortcuts and App Home ---------------------------------------------------------------------
    Row(
        "shortcut: log customer feedback",
        lambda w, u: w.shortcut(u, CallbackId.FEEDBACK_SHORTCUT),
        _says("common.not_available_yet", command="feedback"),
        EVERYONE,
        covers=CallbackId.FEEDBACK_SHORTCUT,
    ),
    Row(
        "App Home: the PM on the dashboard",
        lambda w, u: w.event(_home_opened(u)),
        lambda w, u: "<@UPM1>" in w.home_of(u) or GOAL_TITLE in w.home_of(u),
        OVERSEERS,
        covers="app_home_opened",
    ),
]


# -- the workspace ---------------------------------------------------------------------------------


SEED_USERS = (("UMGR2", "Max Manager"), ("UADM2", "Ann Admin"), ("UNEW", "Nia New"))


def _seed(w: World) -> None:
    _add_seed_users(w.h.fake)
    with w.h.deps.uow(1) as uow:

        def add(user_id: str, role: str, manager: Member | None = None, product: str | None = None) -> Member:
            member = add_member(
                uow,
                user_id,
                role,
                manager=manager,
                timezone="Asia/Shanghai",
                locale="en",
                profile_refreshed_at=dt.datetime(2026, 11, 26, tzinfo=dt.UTC),
            )
            uow.session.flush()
            if product:
                uow.product_lines.assign(member, uow.product_lines.get_or_create(product), now=NOW)
            return member

        add("UADMIN", "admin")
        add("UADM2", "admin")
        mgr = add("UMGR", "manager")
        mgr2 = add("UMGR2", "manager")
        pm1 = add("UPM1", "pm", mgr, "Credit Cards")
        add("UPM2", "pm", mgr2, "Deposits")
        add_goal(uow, pm1, title=GOAL_TITLE, created_by="UMGR")
        settings = uow.team_settings.get()
        assert settings is not None
        settings.digest_channel = DIGEST_CHANNEL
        uow.commit()
    workspace = find_workspace(w.h.deps.session_factory, TEAM_ID)
    assert workspace is not None
    saved = status_service.submit_status(
        w.h.deps.uow,
        workspace=workspace,
        user_id=SUBJECT,
        week=WEEK,
        form=status_form(blockers="Waiting on risk sign-off"),
        now=w.h.clock(),
    )
    w.blocker_id = saved.blockers[0].id
    w.h.deps.read_cache.forget_workspace(1)
    w.h.fake.clear_calls()


def _add_seed_users(fake: FakeSlack) -> None:
    for user_id, name in SEED_USERS:
        fake.add_user(
            user_id, name=name.split()[0].lower(), real_name=name, tz="Asia/Shanghai", locale="en-US"
        )


@dataclass(frozen=True)
class SeededCopy:
    """The seeded workspace as a SQLite file: copied for each test instead of seeded again (the
    seeding, through the services, was half of each of the matrix's hundreds of tests)."""

    path: Path
    blocker_id: int


_seeded: list[SeededCopy] = []  # this test process's, made by its first test


@pytest.fixture
def world(
    fake: FakeSlack,
    settings: Settings,
    engine: Engine,
    session_factory: sessionmaker[Session],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[World]:
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if database and _seeded:
        engine.dispose()
        for journal in ("-wal", "-shm"):  # none yet (nothing has connected); none may outlive the copy
            Path(database + journal).unlink(missing_ok=True)
        shutil.copyfile(_seeded[0].path, database)  # what _seed wrote, to the byte
    with serve_app(fake, settings, session_factory) as h:
        w = World(h=h, listeners=h.listeners)
        if database and _seeded:
            _add_seed_users(fake)
            w.blocker_id = _seeded[0].blocker_id
        else:
            _seed(w)
            if database:
                copy = tmp_path_factory.mktemp("role-matrix") / "seeded.db"
                with sqlite3.connect(database) as source, sqlite3.connect(copy) as target:
                    source.backup(target)  # consistent, whatever the write-ahead log still holds
                _seeded.append(SeededCopy(copy, w.blocker_id))
        yield w


@pytest.mark.parametrize("who", list(Who), ids=[w.name.lower() for w in Who])
@pytest.mark.parametrize("row", ROWS, ids=[r.name for r in ROWS])
def test_role_matrix(world: World, row: Row, who: Who) -> None:
    user = USER[who]

    row.attempt(world, user)

    expected = "allowed" if who in row.allowed else "denied"
    actual = "allowed" if row.happened(world, user) else "denied"
    assert actual == expected, f"{row.name} by {who.value}: {actual}; answered {world.answer[:600]!r}"
    if row.name.startswith("/pm") and expected == "denied":
        assert world.answer.strip(), f"{row.name} by {who.value}: refused without a word"


def test_the_matrix_covers_every_subcommand_and_callback() -> None:
    """A new subcommand, button, modal or shortcut fails here until the matrix has its rows."""
    registered = register_features(App(name="matrix", token="xoxb-matrix", token_verification_enabled=False))
    commands = {"help", *registered.subcommands, *NOT_YET_AVAILABLE}
    # ActionId.VALUE names the input inside each modal block, not a button anything listens to.
    callbacks = {
        *CallbackId,
        *StatusCallback,
        *StatusAction,
        *SettingsAction,
        *(a for a in ActionId if a != ActionId.VALUE),
        *registered.callbacks,
    }
    covered = {row.covers for row in ROWS}
    assert commands - covered == set()
    assert {str(c) for c in callbacks} - covered == set()
    assert "app_home_opened" in covered
