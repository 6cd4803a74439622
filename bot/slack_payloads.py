"""The shape a verified Slack request must have before Bolt and the listeners see it.

Slack always sends these fields with these types; a body that does not is malformed (or
forged by someone holding the signing secret) and is answered 400 rather than left to fail
inside Bolt's context building or a listener (a 500 with a traceback, or a 3-second wait
for an acknowledgement that never comes). Only what Bolt and pmpulse read is checked;
anything else Slack adds passes through untouched.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError


class _Part(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)


class Ref(_Part):
    """A team, user, channel or enterprise object: Slack names it by ID."""

    id: str


class Authorization(_Part):
    team_id: str | None = None
    user_id: str | None = None
    enterprise_id: str | None = None
    is_enterprise_install: bool | None = None


class Event(_Part):
    type: str
    user: str | Ref | None = None
    channel: str | Ref | None = None
    item: dict[str, Any] | None = None
    message: dict[str, Any] | None = None
    previous_message: dict[str, Any] | None = None


class Action(_Part):
    action_id: str
    block_id: str | None = None
    value: str | None = None
    selected_option: dict[str, Any] | None = None


class ViewState(_Part):
    values: dict[str, dict[str, dict[str, Any]]] = {}


class View(_Part):
    id: str | None = None
    type: str  # Bolt reads it to tell workflow steps from modals
    callback_id: str
    private_metadata: str = ""
    state: ViewState = ViewState()


class Envelope(_Part):
    """What Bolt reads from any request while building its context."""

    type: str | None = None
    team: Ref | None = None
    enterprise: Ref | str | None = None
    user: Ref | str | None = None
    channel: Ref | str | None = None
    authorizations: list[Authorization] | None = None
    response_url: str | None = None
    response_urls: list[dict[str, Any]] = []  # Bolt counts them when the key is there
    event: Event | None = None
    view: View | None = None
    actions: list[Action] | None = None
    message: dict[str, Any] | None = None
    container: dict[str, Any] | None = None
    team_id: str | None = None
    user_id: str | None = None
    enterprise_id: str | None = None
    api_app_id: str | None = None
    trigger_id: str | None = None
    callback_id: str | None = None


class SlashCommand(Envelope):
    command: str
    text: str = ""
    team_id: str
    user_id: str
    channel_id: str
    trigger_id: str
    response_url: str


class BlockActions(Envelope):
    type: Literal["block_actions"]
    team: Ref
    user: Ref
    trigger_id: str
    actions: Annotated[list[Action], Field(min_length=1)]


class ViewPayload(Envelope):
    type: Literal["view_submission", "view_closed"]
    team: Ref
    user: Ref
    view: View


class Shortcut(Envelope):
    type: Literal["shortcut"]
    team: Ref
    user: Ref
    callback_id: str
    trigger_id: str


class MessageShortcut(Shortcut):
    type: Literal["message_action"]  # type: ignore[assignment]
    channel: Ref
    message: dict[str, Any]
    response_url: str


class BlockSuggestion(Envelope):
    """An external select asking for its options: `value` is what was typed so far."""

    type: Literal["block_suggestion"]
    team: Ref
    user: Ref
    action_id: str
    value: str


class EventCallback(Envelope):
    type: Literal["event_callback"]
    team_id: str
    event_id: str
    event: Event


class UrlVerification(Envelope):
    type: Literal["url_verification"]
    challenge: str


_INTERACTIONS: dict[str, type[Envelope]] = {
    "block_actions": BlockActions,
    "view_submission": ViewPayload,
    "view_closed": ViewPayload,
    "shortcut": Shortcut,
    "message_action": MessageShortcut,
    "block_suggestion": BlockSuggestion,
    "event_callback": EventCallback,
    "url_verification": UrlVerification,
}
_FORM = TypeAdapter(dict[str, str])


def is_well_formed(body: object) -> bool:
    """True when ``body`` (as Bolt parsed it) has the shape Slack gives that kind of request."""
    if not isinstance(body, dict):
        return False
    try:
        if "command" in body:
            _FORM.validate_python(body, strict=True)
            SlashCommand.model_validate(body)
            return True
        kind = body.get("type")
        shape = _INTERACTIONS.get(kind, Envelope) if isinstance(kind, str) else Envelope
        shape.model_validate(body)
    except ValidationError:
        return False
    return True
