"""The opening every button and modal listener shares, done once: a resolved call, and the answers
to "the user did something wrong" (`ServiceError`, `FormErrors`) and to a failed database write.

`@action_listener` acknowledges at once, resolves deps, workspace, actor and locale, and runs the
listener with an `ActionCall`; a `ServiceError` becomes an ephemeral message. Someone off the
roster is acknowledged and ignored, as a button of theirs can only come from an old message.
`@action_listener(guests=True)` serves everyone instead, with a `GuestCall` (for what anyone in
the workspace may use: App Home's Help, a message shortcut): off the roster, the actor is None
and the language is the person's Slack one, as `/pm help` answers them.

`@view_listener(...)` resolves the same without acknowledging, because a submission is checked
before the modal is answered: `FormErrors` become messages under their fields, any other
`ServiceError` (and a failed write, logged) a message under the form's first field, so what the
user typed survives. Until it answers, its database work is held to the request's deadline
(`bot.services.deadline`: `ANSWER_WITHIN` of the request reaching the app): a save that cannot
commit by then is rolled back and answered "busy, submit again" under the first field, logged
as a warning. A listener that succeeds calls `call.acknowledge()` before Slack calls (the
wrapper acknowledges if it did not). What fails after the acknowledgement is left to
`handlers.errors.guarded`, which every listener is registered through.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, overload

from slack_bolt import Ack, BoltContext
from slack_bolt.context.respond import Respond
from slack_sdk import WebClient
from sqlalchemy.exc import SQLAlchemyError

from bot.deps import AppDeps
from bot.domain.goals import FieldError
from bot.edge import BUSY, RECEIVED_AT
from bot.i18n import t
from bot.services.deadline import TooLate, answer_deadline, ending_by, lift, ran_out_of_time
from bot.services.errors import FormErrors, ServiceError
from bot.services.roster import MemberView
from bot.services.workspaces import WorkspaceRef
from bot.ui.mrkdwn import mention
from handlers.context import deps_of, find_actor, guest_locale, locale_for, workspace_of

log = logging.getLogger(__name__)

# Per-field messages keyed by block ID, for `ack(response_action="errors")` (bot.ui builds them).
FieldErrorRenderer = Callable[[str, Sequence[FieldError]], dict[str, str]]


def shown(params: Mapping[str, object]) -> dict[str, object]:
    """A ServiceError's params as the message shows them: a `user` is a Slack user ID, mentioned."""
    return {k: mention(str(v)) if k == "user" else v for k, v in params.items()}


@dataclass
class _Click:
    """What a click (or shortcut) call holds besides who made it: acknowledged and resolved."""

    deps: AppDeps
    workspace: WorkspaceRef
    locale: str
    body: dict[str, Any]
    client: WebClient
    respond: Respond | None

    @property
    def trigger_id(self) -> str:
        return str(self.body["trigger_id"])

    @property
    def value(self) -> str:
        """The clicked element's value ("" when it has none)."""
        return str(self.body["actions"][0].get("value") or "")

    def tell(self, key: str, **params: object) -> None:
        """An ephemeral message next to the clicked one, when the click came with a response URL."""
        if self.respond is not None:
            self.respond(
                response_type="ephemeral", replace_original=False, text=t(self.locale, key, **params)
            )


@dataclass
class ActionCall(_Click):
    """One button click from someone on the roster, acknowledged and resolved."""

    actor: MemberView

    @property
    def user_id(self) -> str:
        return self.actor.slack_user_id


@dataclass
class GuestCall(_Click):
    """One click or shortcut from anyone in the workspace; `actor` is None off the roster."""

    actor: MemberView | None

    @property
    def user_id(self) -> str:
        return str(self.body["user"]["id"])


ActionListener = Callable[[ActionCall], None]
GuestListener = Callable[[GuestCall], None]


@overload
def action_listener(listener: ActionListener, /) -> Callable[..., None]: ...


@overload
def action_listener(*, guests: Literal[True]) -> Callable[[GuestListener], Callable[..., None]]: ...


def action_listener(
    listener: ActionListener | None = None, /, *, guests: bool = False
) -> Callable[..., None] | Callable[[GuestListener], Callable[..., None]]:
    """`@action_listener` for people on the roster; `@action_listener(guests=True)` for anyone."""
    if listener is not None:
        return _roster_action(listener)
    if not guests:
        raise TypeError("action_listener() takes a listener, or guests=True")
    return _guest_action


def _roster_action(listener: ActionListener) -> Callable[..., None]:
    return _click_listener(listener, guests=False)


def _guest_action(listener: GuestListener) -> Callable[..., None]:
    return _click_listener(listener, guests=True)


def _click_listener(listener: Callable[[Any], None], *, guests: bool) -> Callable[..., None]:
    """Acknowledge, resolve who clicked, run `listener`; off the roster only guests go on."""

    def run(
        ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond | None
    ) -> None:
        ack()
        deps, workspace = deps_of(context), workspace_of(context)
        user_id = str(body["user"]["id"])
        actor = find_actor(deps, workspace, user_id, client)
        if actor is None and not guests:
            return
        locale = locale_for(actor, workspace) if actor else guest_locale(client, workspace, user_id)
        resolved: dict[str, Any] = {
            "deps": deps,
            "workspace": workspace,
            "locale": locale,
            "body": body,
            "client": client,
            "respond": respond,
        }
        call: _Click
        if guests or actor is None:
            call = GuestCall(**resolved, actor=actor)
        else:
            call = ActionCall(**resolved, actor=actor)
        try:
            listener(call)
        except ServiceError as exc:
            call.tell(exc.key, **shown(exc.params))

    return _named_after(run, listener)


@dataclass
class ViewCall:
    """One modal submission from someone on the roster, resolved and not yet acknowledged."""

    deps: AppDeps
    workspace: WorkspaceRef
    actor: MemberView
    locale: str
    body: dict[str, Any]
    view: dict[str, Any]
    client: WebClient
    ack: Ack
    acked: bool = False

    @property
    def user_id(self) -> str:
        return self.actor.slack_user_id

    @property
    def values(self) -> dict[str, Any]:
        values: dict[str, Any] = self.view["state"]["values"]
        return values

    @property
    def metadata(self) -> str | None:
        metadata = self.view.get("private_metadata")
        return metadata if isinstance(metadata, str) else None

    def acknowledge(self) -> None:
        """Close the modal (once); Slack calls come after this, and database work without deadline."""
        if not self.acked:
            self.acked = True
            self.ack()
            lift()


ViewListener = Callable[[ViewCall], None]


def view_listener(
    *, first_block: str, field_errors: FieldErrorRenderer
) -> Callable[[ViewListener], Callable[..., None]]:
    """`first_block`: the input block that shows a message about the whole form."""

    def wrap(listener: ViewListener) -> Callable[..., None]:
        def run(
            ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
        ) -> None:
            # Until the answer is sent, the database work is held to the request's deadline.
            with ending_by(answer_deadline(context.get(RECEIVED_AT))):
                _answer_submission(listener, first_block, field_errors, ack, body, view, client, context)

        return _named_after(run, listener)

    return wrap


def _answer_submission(
    listener: ViewListener,
    first_block: str,
    field_errors: FieldErrorRenderer,
    ack: Ack,
    body: dict[str, Any],
    view: dict[str, Any],
    client: WebClient,
    context: BoltContext,
) -> None:
    deps, workspace = deps_of(context), workspace_of(context)
    callback_id = view.get("callback_id")

    def busy(locale: str) -> None:
        log.warning("saving %s would have outlasted its answer's deadline; nothing was saved", callback_id)
        ack(response_action="errors", errors={first_block: t(locale, "error.busy")})

    try:
        actor = find_actor(deps, workspace, body["user"]["id"], client)
    except (SQLAlchemyError, TooLate) as exc:
        if not ran_out_of_time(exc):
            raise
        busy(locale_for(None, workspace))
        return
    locale = locale_for(actor, workspace)
    if context.get(BUSY):  # the edge could not even record the request in time
        busy(locale)
        return
    if actor is None:
        ack(response_action="errors", errors={first_block: t(locale, "common.not_on_roster")})
        return
    call = ViewCall(deps, workspace, actor, locale, body, view, client, ack)
    try:
        listener(call)
    except FormErrors as exc:
        if call.acked:
            raise
        ack(response_action="errors", errors=field_errors(locale, exc.fields))
    except ServiceError as exc:
        if call.acked:
            raise
        ack(response_action="errors", errors={first_block: t(locale, exc.key, **shown(exc.params))})
    except (SQLAlchemyError, TooLate) as exc:
        if call.acked:
            raise
        if ran_out_of_time(exc):
            busy(locale)  # rolled back by its unit of work: the user submits again
            return
        log.exception("saving %s failed; nothing was saved", callback_id)
        ack(response_action="errors", errors={first_block: t(locale, "error.generic")})
    else:
        call.acknowledge()


def _named_after(run: Callable[..., None], listener: Callable[..., object]) -> Callable[..., None]:
    # Bolt names listeners in its logs by __name__; __wrapped__ stays unset so Bolt reads the
    # signature of `run`, whose arguments are the ones it must inject.
    run.__name__ = getattr(listener, "__name__", run.__name__)
    run.__qualname__ = getattr(listener, "__qualname__", run.__qualname__)
    run.__doc__ = listener.__doc__
    return run
