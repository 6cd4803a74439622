"""Features register their own listeners: each one guarded, none twice."""

from __future__ import annotations

import pytest
from slack_bolt import App

import handlers
from bot.ids import CallbackId, StatusAction, Subcommand
from handlers.errors import GUARDED
from handlers.registry import Listeners


def bare_app() -> App:
    return App(name="registry", token="xoxb-registry", token_verification_enabled=False)


def test_every_feature_registers_its_own_routes_and_every_listener_is_guarded() -> None:
    app = bare_app()
    listeners = handlers.register_features(app)

    assert set(listeners.subcommands) == set(Subcommand) - {Subcommand.HELP}
    assert {CallbackId.SETTINGS, CallbackId.GOAL_ADD, StatusAction.SKIP} <= listeners.callbacks
    assert {str(e) for e in listeners.events} >= {"app_home_opened", "user_change", "message"}
    assert app._listeners and all(hasattr(lst.ack_function, GUARDED) for lst in app._listeners)
    # Only the quick database reads answer inside the acknowledgement.
    assert {name for name, route in listeners.subcommands.items() if route.in_ack} == {"team", "goals"}


def test_a_second_registration_of_a_name_is_refused_at_start_up() -> None:
    listeners = Listeners(bare_app())
    listeners.subcommand("team", lambda call: None)
    listeners.action("button", lambda: None)
    listeners.event("app_home_opened", lambda: None)

    with pytest.raises(ValueError, match="team"):
        listeners.subcommand("TEAM", lambda call: None)
    with pytest.raises(ValueError, match="button"):
        listeners.view("button", lambda: None)
    with pytest.raises(ValueError, match="app_home_opened"):
        listeners.event("app_home_opened", lambda: None)
