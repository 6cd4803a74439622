"""What each feature registers: its `/pm` subcommands and its Slack listeners, all guarded.

Every `handlers/<feature>.py` has a `register(app: Listeners)` that names its own routes, so a
new feature is new files plus one entry in `handlers.FEATURES`; no shared list is edited. Every
listener goes through `handlers.errors.guarded` here, so a feature cannot forget it. A second
registration of the same subcommand or callback ID is refused at start-up: Bolt would run only the
first one and the second feature would silently never answer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from slack_bolt import App

from handlers.command_call import CommandCall
from handlers.errors import guarded

Subcommand = Callable[[CommandCall], None]
Listener = Callable[..., object]


@dataclass(frozen=True)
class Route:
    """A `/pm` subcommand's handler; `in_ack`: it only reads the database and answers in the ack."""

    handle: Subcommand
    in_ack: bool = False


class Listeners:
    """The registration surface a feature sees: Bolt's listener kinds, guarded, and `/pm` routes."""

    def __init__(self, app: App) -> None:
        self.bolt = app
        self.subcommands: dict[str, Route] = {}
        # Every action, view, options and shortcut callback ID, and every event type registered.
        self.callbacks: set[str] = set()
        self.events: set[str] = set()

    def subcommand(self, name: str, handle: Subcommand, *, in_ack: bool = False) -> None:
        """`/pm <name>`; a subcommand answered in the ack must not call Slack before acknowledging."""
        key = name.lower()
        if key in self.subcommands:
            raise ValueError(f"/pm {key} is registered twice")
        self.subcommands[key] = Route(handle, in_ack)

    def action(self, action_id: str, listener: Listener) -> None:
        self._claim(action_id)
        self.bolt.action(action_id)(guarded(listener))

    def view(self, callback_id: str, listener: Listener) -> None:
        self._claim(callback_id)
        self.bolt.view(callback_id)(guarded(listener))

    def options(self, action_id: str, listener: Listener) -> None:
        self._claim(action_id)
        self.bolt.options(action_id)(guarded(listener))

    def message_shortcut(self, callback_id: str, listener: Listener) -> None:
        self._claim(callback_id)
        self.bolt.message_shortcut(callback_id)(guarded(listener))

    def event(self, event_type: str, listener: Listener) -> None:
        if event_type in self.events:
            raise ValueError(f"event {event_type} is registered twice")
        self.events.add(event_type)
        self.bolt.event(event_type)(guarded(listener))

    def _claim(self, callback_id: str) -> None:
        if callback_id in self.callbacks:
            raise ValueError(f"{callback_id} is registered twice")
        self.callbacks.add(callback_id)
