"""manifest.yml against the app: what Slack is told to send is what the app listens for.

Each slash command, shortcut and bot event the manifest declares is pushed through the real Bolt
app (`app.dispatch` with a signed `BoltRequest`, against the fake Slack) and must be handled, not
answered 404. The other way round, every command, shortcut and event listener the app registers
(recorded as `handlers` registers it) must be declared. Scopes, URLs and Slack's documented field
limits (@slack/web-api `types/request/manifest.ts`) are checked too.
"""

from __future__ import annotations

import inspect
import json
import re
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import yaml
from slack_bolt import App
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse
from sqlalchemy.orm import Session, sessionmaker

from bot.app import BOT_SCOPES, create_app
from bot.config import Settings
from bot.fakeslack import FakeSlack
from bot.fakeslack.signing import sign
from bot.ids import COMMAND, CallbackId
from bot.slack_client import build_web_client
from bot.web import EVENTS_PATH

MANIFEST_PATH = Path(__file__).resolve().parents[2] / "manifest.yml"
SIGNING_SECRET = "manifest-test-secret"
TEAM_ID = "T0MANIFEST"
USER_ID = "UMANI1"

# The App methods that register something Slack must be told about in the manifest.
RECORDED_METHODS = (
    "command",
    "shortcut",
    "global_shortcut",
    "message_shortcut",
    "event",
    "message",
    "options",
    "block_suggestion",
)
# Manifest shortcut type -> the payload type Slack sends for it.
SHORTCUT_PAYLOAD_TYPES = {"message": "message_action", "global": "shortcut"}

Json = dict[str, Any]


def _load_manifest() -> Json:
    data = yaml.safe_load(MANIFEST_PATH.read_text(encoding="utf-8"))
    assert isinstance(data, dict), "manifest.yml must be a YAML mapping"
    return data


MANIFEST = _load_manifest()
FEATURES: Json = MANIFEST.get("features") or {}
SETTINGS: Json = MANIFEST.get("settings") or {}
SLASH_COMMANDS: list[Json] = FEATURES.get("slash_commands") or []
SHORTCUTS: list[Json] = FEATURES.get("shortcuts") or []
BOT_EVENTS: list[str] = (SETTINGS.get("event_subscriptions") or {}).get("bot_events") or []


# -- the app under test ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Registration:
    """One call such as `app.command("/pm")`: the App method and its first argument."""

    method: str
    constraint: Any


@dataclass
class BuiltApp:
    app: App
    fake: FakeSlack
    executor: ThreadPoolExecutor
    registrations: list[Registration] = field(default_factory=list)

    def dispatch(self, body: str, content_type: str) -> BoltResponse:
        """A request signed like Slack's, through every global middleware and listener."""
        timestamp = str(int(time.time()))
        headers: dict[str, str | Sequence[str]] = {
            "content-type": content_type,
            "x-slack-request-timestamp": timestamp,
            "x-slack-signature": sign(SIGNING_SECRET, timestamp, body),
        }
        return self.app.dispatch(BoltRequest(body=body, headers=headers))

    def slash_command(self, command: str, text: str) -> BoltResponse:
        form = {
            "token": "verification-token",
            "team_id": TEAM_ID,
            "team_domain": "acme",
            "channel_id": "C0001",
            "channel_name": "general",
            "user_id": USER_ID,
            "user_name": "li",
            "command": command,
            "text": text,
            "api_app_id": self.fake.app_id,
            "is_enterprise_install": "false",
            "response_url": self.fake.response_url(),
            "trigger_id": self.fake.issue_trigger_id(),
        }
        return self.dispatch(urlencode(form), "application/x-www-form-urlencoded")

    def shortcut(self, payload_type: str, callback_id: str) -> BoltResponse:
        payload: Json = {
            "type": payload_type,
            "token": "verification-token",
            "action_ts": f"{time.time():.6f}",
            "team": {"id": TEAM_ID, "domain": "acme"},
            "user": {"id": USER_ID, "username": "li", "name": "li", "team_id": TEAM_ID},
            "callback_id": callback_id,
            "trigger_id": self.fake.issue_trigger_id(),
            "api_app_id": self.fake.app_id,
            "enterprise": None,
            "is_enterprise_install": False,
        }
        if payload_type == "message_action":
            ts = f"{time.time():.6f}"
            payload |= {
                "channel": {"id": "C0001", "name": "general"},
                "message_ts": ts,
                "message": {"type": "message", "user": "UPM2", "ts": ts, "text": "The app keeps crashing"},
                "response_url": self.fake.response_url(),
            }
        return self.dispatch(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")

    def event(self, event_type: str) -> BoltResponse:
        # A `message.im` subscription delivers `message` events with `channel_type: im`.
        kind, _, channel_type = event_type.partition(".")
        event: Json = {
            "type": kind,
            **({"channel_type": channel_type} if channel_type else {}),
            "user": USER_ID,
            "channel": "D0MANIFEST",
            "tab": "home",
            "text": "hello",
            "ts": f"{time.time():.6f}",
            "event_ts": f"{time.time():.6f}",
        }
        envelope: Json = {
            "token": "verification-token",
            "team_id": TEAM_ID,
            "api_app_id": self.fake.app_id,
            "event": event,
            "type": "event_callback",
            "event_id": f"Ev{uuid.uuid4().hex[:10].upper()}",
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": TEAM_ID,
                    "user_id": self.fake.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
        }
        return self.dispatch(json.dumps(envelope), "application/json")


def _recording(method: str, original: Callable[..., Any], into: list[Registration]) -> Callable[..., Any]:
    signature = inspect.signature(original)

    def record(self: App, *args: Any, **kwargs: Any) -> Any:
        bound = signature.bind_partial(self, *args, **kwargs)
        first = list(signature.parameters)[1]  # the parameter after `self`
        into.append(Registration(method, bound.arguments.get(first)))
        return original(self, *args, **kwargs)

    return record


@pytest.fixture
def built(
    monkeypatch: pytest.MonkeyPatch, database_url: str, session_factory: sessionmaker[Session]
) -> Iterator[BuiltApp]:
    """The real app from `create_app`, with its registrations recorded and its background work
    run on an executor the test can wait for."""
    registrations: list[Registration] = []
    for method in RECORDED_METHODS:
        monkeypatch.setattr(App, method, _recording(method, getattr(App, method), registrations))
    executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="manifest-test")
    original_init = App.__init__

    def init_with_executor(self: App, *args: Any, **kwargs: Any) -> None:
        kwargs["listener_executor"] = executor  # replaces the app's own pool, so teardown can wait for it
        original_init(self, *args, **kwargs)

    monkeypatch.setattr(App, "__init__", init_with_executor)
    with FakeSlack(team_id=TEAM_ID, team_name="Acme Bank") as fake:
        fake.add_user(USER_ID, name="li", real_name="Li Wei", tz="Asia/Shanghai", locale="zh-CN")
        fake.add_user("UPM2", name="sam", real_name="Sam Smith", tz="Europe/London", locale="en-GB")
        settings = Settings(
            SLACK_BOT_TOKEN="xoxb-test",
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_API_URL=fake.api_url,
            DATABASE_URL=database_url,
        )
        app, _ = create_app(settings, session_factory=session_factory, client=build_web_client(settings))
        try:
            yield BuiltApp(app=app, fake=fake, executor=executor, registrations=registrations)
        finally:
            # Let listeners still working after their ack finish before Slack and the database go.
            executor.shutdown(wait=True)


def _handled(response: BoltResponse) -> bool:
    return response.status != 404


# -- manifest -> app ------------------------------------------------------------------------------


def test_the_probe_tells_handled_from_unhandled(built: BuiltApp) -> None:
    """Without this, a middleware answering 200 to everything would make the checks below vacuous."""
    response = built.slash_command("/pm-not-declared", "help")
    assert response.status == 404, (response.status, response.body)


def test_every_declared_slash_command_has_a_listener(built: BuiltApp) -> None:
    assert SLASH_COMMANDS, "manifest.yml declares no slash command"
    unhandled = [
        (c["command"], r.status, r.body)
        for c in SLASH_COMMANDS
        if not _handled(r := built.slash_command(c["command"], "help"))
    ]
    assert not unhandled, f"slash commands in manifest.yml with no listener: {unhandled}"


def test_every_declared_shortcut_has_a_listener(built: BuiltApp) -> None:
    assert SHORTCUTS, "manifest.yml declares no shortcut"
    unhandled = [
        (s["callback_id"], s["type"], r.status, r.body)
        for s in SHORTCUTS
        if not _handled(r := built.shortcut(SHORTCUT_PAYLOAD_TYPES[s["type"]], s["callback_id"]))
    ]
    assert not unhandled, f"shortcuts in manifest.yml with no listener: {unhandled}"


def test_every_declared_bot_event_has_a_listener(built: BuiltApp) -> None:
    assert BOT_EVENTS, "manifest.yml subscribes to no bot event"
    unhandled = [(e, r.status, r.body) for e in BOT_EVENTS if not _handled(r := built.event(e))]
    assert not unhandled, f"bot events in manifest.yml with no listener: {unhandled}"


# -- app -> manifest ------------------------------------------------------------------------------


def _declares(constraint: Any, declared: list[str]) -> bool:
    if isinstance(constraint, re.Pattern):
        return any(constraint.search(name) for name in declared)
    return str(constraint) in declared


def _event_names(constraint: Any) -> Any:
    """The event type a listener waits for: `"app_home_opened"`, `{"type": ...}` or a pattern."""
    return constraint.get("type") if isinstance(constraint, dict) else constraint


def test_every_command_shortcut_and_event_listener_is_declared(built: BuiltApp) -> None:
    commands = [c["command"] for c in SLASH_COMMANDS]
    shortcuts_by_type = {
        kind: [s["callback_id"] for s in SHORTCUTS if s["type"] == kind] for kind in SHORTCUT_PAYLOAD_TYPES
    }
    all_shortcuts = [s["callback_id"] for s in SHORTCUTS]
    message_events = [e for e in BOT_EVENTS if e.startswith("message.")]
    options_url = (SETTINGS.get("interactivity") or {}).get("message_menu_options_url")

    undeclared: list[Registration] = []
    for registration in built.registrations:
        method, constraint = registration.method, registration.constraint
        if method == "command":
            ok = _declares(constraint, commands)
        elif method == "message_shortcut":
            ok = _declares(constraint, shortcuts_by_type["message"])
        elif method == "global_shortcut":
            ok = _declares(constraint, shortcuts_by_type["global"])
        elif method == "shortcut":
            if isinstance(constraint, dict):
                kind = {"message_action": "message", "shortcut": "global"}.get(constraint.get("type", ""))
                ids = shortcuts_by_type[kind] if kind else all_shortcuts
                ok = _declares(constraint.get("callback_id"), ids)
            else:
                ok = _declares(constraint, all_shortcuts)
        elif method == "message" or (method == "event" and _event_names(constraint) == "message"):
            ok = bool(message_events)  # Slack delivers `message` only for subscribed message.* events
        elif method == "event":
            ok = _declares(_event_names(constraint), BOT_EVENTS)
        else:  # options, block_suggestion: Slack needs an options load URL
            ok = bool(options_url)
        if not ok:
            undeclared.append(registration)
    assert not undeclared, f"listeners registered by the app but not declared in manifest.yml: {undeclared}"


def test_the_recorder_saw_the_registrations(built: BuiltApp) -> None:
    """Guards the reverse check: if registration stopped going through these App methods it would
    pass vacuously."""
    methods = {r.method for r in built.registrations}
    assert {"command", "message_shortcut", "event"} <= methods, built.registrations
    assert Registration("command", COMMAND) in built.registrations
    assert Registration("message_shortcut", CallbackId.FEEDBACK_SHORTCUT) in built.registrations


# -- the manifest itself --------------------------------------------------------------------------


def test_bot_scopes_equal_the_apps() -> None:
    scopes = MANIFEST["oauth_config"]["scopes"]["bot"]
    assert len(scopes) == len(set(scopes)), f"duplicate scopes: {scopes}"
    assert set(scopes) == set(BOT_SCOPES)
    if SLASH_COMMANDS or SHORTCUTS:
        assert "commands" in scopes


def test_channel_settings_have_the_scopes_their_check_calls_for() -> None:
    # conversations.list/.info for public and private channels, conversations.join for public ones.
    scopes = MANIFEST["oauth_config"]["scopes"]["bot"]
    for scope in ("channels:read", "groups:read", "channels:join"):
        assert scope in scopes and scope in BOT_SCOPES, scope


def test_slash_commands_escape_mentions_and_fit_slacks_limits() -> None:
    assert 1 <= len(SLASH_COMMANDS) <= 50
    for command in SLASH_COMMANDS:
        name = command["command"]
        # handlers parse `<@U123|name>` mentions, which Slack only sends with should_escape on.
        assert command.get("should_escape") is True, name
        assert re.fullmatch(r"/[a-z0-9_-]+", name) and len(name) <= 32, name
        assert 0 < len(command["description"]) <= 2000, name
        assert 0 < len(command.get("usage_hint") or "") <= 1000, name
    assert COMMAND in [c["command"] for c in SLASH_COMMANDS]


def test_usage_hint_lists_the_main_subcommands() -> None:
    hint = next(c["usage_hint"] for c in SLASH_COMMANDS if c["command"] == COMMAND)
    words = set(re.findall(r"[a-z0-9]+", hint))
    assert {"help", "status", "agenda", "goals", "team", "feedback", "risk"} <= words, hint


def test_shortcuts_fit_slacks_limits() -> None:
    assert len(SHORTCUTS) <= 10
    for shortcut in SHORTCUTS:
        assert shortcut["type"] in SHORTCUT_PAYLOAD_TYPES, shortcut
        assert shortcut["name"].strip(), shortcut
        assert 0 < len(shortcut["callback_id"]) <= 255, shortcut
        assert 0 < len(shortcut["description"]) <= 150, shortcut
    feedback = [s for s in SHORTCUTS if s["callback_id"] == CallbackId.FEEDBACK_SHORTCUT]
    assert feedback and feedback[0]["type"] == "message"
    assert feedback[0]["name"] == "Log as customer feedback"


def test_display_information_and_bot_user() -> None:
    info = MANIFEST["display_information"]
    assert 0 < len(info["name"]) <= 35
    assert 0 < len(info["description"]) <= 140
    assert 175 <= len(info["long_description"]) <= 4000, len(info["long_description"])
    assert re.fullmatch(r"#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})", info.get("background_color", "#000"))
    bot_user = FEATURES["bot_user"]
    assert bot_user["display_name"] == "pmpulse"
    assert re.fullmatch(r"[a-z0-9._-]{1,80}", bot_user["display_name"])
    assert bot_user["always_online"] is True
    assert FEATURES["app_home"] == {
        "home_tab_enabled": True,
        "messages_tab_enabled": True,
        "messages_tab_read_only_enabled": False,
    }


def test_request_urls_point_at_the_apps_routes() -> None:
    urls = [c["url"] for c in SLASH_COMMANDS] + [
        SETTINGS["event_subscriptions"]["request_url"],
        SETTINGS["interactivity"]["request_url"],
    ]
    for url in urls:
        assert url.startswith("https://") and url.endswith(EVENTS_PATH), url
    redirect_path = inspect.signature(OAuthSettings).parameters["redirect_uri_path"].default
    redirects = MANIFEST["oauth_config"]["redirect_urls"]
    assert redirects and all(u.startswith("https://") and u.endswith(redirect_path) for u in redirects)


def test_settings() -> None:
    assert SETTINGS["interactivity"]["is_enabled"] is True
    assert SETTINGS["socket_mode_enabled"] is True
    assert SETTINGS["org_deploy_enabled"] is False
    assert SETTINGS["token_rotation_enabled"] is False
    assert len(BOT_EVENTS) <= 100 and len(BOT_EVENTS) == len(set(BOT_EVENTS))
