"""Send Slack-signed requests (commands, interactions, events) to the app under test.

Slack signs every request with the app's signing secret; Bolt rejects anything
else.  :class:`SlackRequestSender` builds payloads shaped like Slack's and signs
them the same way, so end-to-end tests go through the app's real HTTP endpoint,
signature check included.  Pass ``signature``/``timestamp`` to forge or age them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import requests

if TYPE_CHECKING:
    from bot.fakeslack.server import FakeSlack

__all__ = ["SlackRequestSender", "sign"]

Json = dict[str, Any]
TIMEOUT_SECONDS = 10


def sign(signing_secret: str, timestamp: int | str, body: str) -> str:
    """Slack's v0 signature: hex HMAC-SHA256 over ``v0:{timestamp}:{body}``."""
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()


def _action_ts() -> str:
    return f"{time.time():.6f}"


class SlackRequestSender:
    """Posts signed Slack payloads to ``app_url``; draws trigger ids and response URLs
    from ``fake`` when one is given so the app can answer through the fake."""

    def __init__(
        self,
        *,
        app_url: str,
        signing_secret: str,
        team_id: str = "T0001",
        fake: FakeSlack | None = None,
        team_domain: str | None = None,
        api_app_id: str | None = None,
        verification_token: str = "verification-token",
    ) -> None:
        self.app_url = app_url
        self.signing_secret = signing_secret
        self.team_id = team_id
        self.fake = fake
        self.team_domain = team_domain or (fake.team_domain if fake else "acme")
        self.api_app_id = api_app_id or (fake.app_id if fake else "A0001")
        self.verification_token = verification_token

    # -- state value helpers (what Slack puts in view.state.values) ---------------------------

    @staticmethod
    def plain(value: str | None) -> Json:
        return {"type": "plain_text_input", "value": value}

    @staticmethod
    def select(value: str | None, text: str | None = None) -> Json:
        if value is None:
            return {"type": "static_select", "selected_option": None}
        return {
            "type": "static_select",
            "selected_option": {
                "text": {"type": "plain_text", "text": text or value, "emoji": True},
                "value": value,
            },
        }

    @staticmethod
    def external(value: str | None) -> Json:
        option = None if value is None else {"text": {"type": "plain_text", "text": value}, "value": value}
        return {"type": "external_select", "selected_option": option}

    @staticmethod
    def conversation(channel_id: str | None) -> Json:
        return {"type": "conversations_select", "selected_conversation": channel_id}

    @staticmethod
    def timepicker(time_str: str | None) -> Json:
        return {"type": "timepicker", "selected_time": time_str}

    @staticmethod
    def checkboxes(*values: str) -> Json:
        return {
            "type": "checkboxes",
            "selected_options": [{"text": {"type": "plain_text", "text": v}, "value": v} for v in values],
        }

    @staticmethod
    def datepicker(date_str: str | None) -> Json:
        return {"type": "datepicker", "selected_date": date_str}

    @staticmethod
    def number(value: int | float | str | None) -> Json:
        return {"type": "number_input", "value": None if value is None else str(value)}

    # -- plumbing -------------------------------------------------------------------------------

    def _trigger(self, trigger_id: str | None) -> str:
        if trigger_id is not None:
            return trigger_id
        return self.fake.issue_trigger_id() if self.fake else f"{int(time.time())}.1.fake"

    def _response_url(self, response_url: str | None) -> str:
        if response_url is not None:
            return response_url
        return self.fake.response_url() if self.fake else "https://hooks.slack.invalid/none"

    def _user(self, user_id: str) -> Json:
        return {
            "id": user_id,
            "username": user_id.lower(),
            "name": user_id.lower(),
            "team_id": self.team_id,
        }

    def _team(self) -> Json:
        return {"id": self.team_id, "domain": self.team_domain}

    def post(
        self,
        body: str,
        content_type: str,
        *,
        signature: str | None = None,
        timestamp: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> requests.Response:
        """Sign ``body`` (unless ``signature`` is forced) and POST it to the app."""
        ts = int(time.time()) if timestamp is None else timestamp
        sent = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": str(ts),
            "X-Slack-Signature": signature or sign(self.signing_secret, ts, body),
            **(headers or {}),
        }
        return requests.post(self.app_url, data=body.encode("utf-8"), headers=sent, timeout=TIMEOUT_SECONDS)

    def _interaction(
        self, payload: Json, *, signature: str | None, timestamp: int | None
    ) -> requests.Response:
        body = urlencode({"payload": json.dumps(payload)})
        return self.post(body, "application/x-www-form-urlencoded", signature=signature, timestamp=timestamp)

    # -- payloads -------------------------------------------------------------------------------

    def slash_command(
        self,
        user_id: str,
        text: str,
        *,
        command: str = "/pm",
        channel_id: str = "C0001",
        trigger_id: str | None = None,
        response_url: str | None = None,
        signature: str | None = None,
        timestamp: int | None = None,
    ) -> requests.Response:
        form = {
            "token": self.verification_token,
            "team_id": self.team_id,
            "team_domain": self.team_domain,
            "channel_id": channel_id,
            "channel_name": "directmessage" if channel_id.startswith("D") else "general",
            "user_id": user_id,
            "user_name": user_id.lower(),
            "command": command,
            "text": text,
            "api_app_id": self.api_app_id,
            "is_enterprise_install": "false",
            "response_url": self._response_url(response_url),
            "trigger_id": self._trigger(trigger_id),
        }
        return self.post(
            urlencode(form),
            "application/x-www-form-urlencoded",
            signature=signature,
            timestamp=timestamp,
        )

    def block_action(
        self,
        user_id: str,
        *,
        action_id: str,
        value: str | None = None,
        block_id: str = "b",
        selected_option: Json | None = None,
        container: Json | None = None,
        view: Json | None = None,
        channel_id: str | None = None,
        message_ts: str | None = None,
        trigger_id: str | None = None,
        response_url: str | None = None,
        signature: str | None = None,
        timestamp: int | None = None,
    ) -> requests.Response:
        """A button click, or a select choice when ``selected_option`` is given."""
        action: Json = {"action_id": action_id, "block_id": block_id, "action_ts": _action_ts()}
        if selected_option is not None:
            action.update(type="static_select", selected_option=selected_option)
        else:
            action.update(
                type="button",
                value=value,
                text={"type": "plain_text", "text": action_id, "emoji": True},
            )
        payload: Json = {
            "type": "block_actions",
            "user": self._user(user_id),
            "api_app_id": self.api_app_id,
            "token": self.verification_token,
            "trigger_id": self._trigger(trigger_id),
            "team": self._team(),
            "enterprise": None,
            "is_enterprise_install": False,
            "actions": [action],
        }
        if view is not None:
            payload["view"] = view
            payload["container"] = container or {"type": "view", "view_id": view.get("id")}
        if channel_id is not None:
            ts = message_ts or _action_ts()
            payload["channel"] = {"id": channel_id, "name": "general"}
            payload["message"] = self._find_message(channel_id, ts)
            payload["container"] = container or {
                "type": "message",
                "message_ts": ts,
                "channel_id": channel_id,
                "is_ephemeral": False,
            }
            payload["response_url"] = self._response_url(response_url)
            payload["state"] = {"values": {}}
        elif container is not None:
            payload["container"] = container
        return self._interaction(payload, signature=signature, timestamp=timestamp)

    def _find_message(self, channel_id: str, ts: str) -> Json:
        if self.fake is not None:
            for msg in self.fake.messages(channel_id):
                if msg["ts"] == ts:
                    return msg
        return {"type": "message", "ts": ts, "text": "", "user": "UBOT", "blocks": []}

    def view_submission(
        self,
        user_id: str,
        *,
        view: Json,
        values: Json,
        signature: str | None = None,
        timestamp: int | None = None,
    ) -> requests.Response:
        """Submit ``view`` (as recorded by the fake) with ``state.values`` = ``values``."""
        submitted = {**view, "state": {"values": values}}
        payload: Json = {
            "type": "view_submission",
            "team": self._team(),
            "user": self._user(user_id),
            "api_app_id": self.api_app_id,
            "token": self.verification_token,
            "trigger_id": self._trigger(None),
            "view": submitted,
            "response_urls": [],
            "enterprise": None,
            "is_enterprise_install": False,
        }
        return self._interaction(payload, signature=signature, timestamp=timestamp)

    def block_suggestion(
        self,
        user_id: str,
        *,
        action_id: str,
        value: str,
        view: Json,
        block_id: str = "",
        signature: str | None = None,
        timestamp: int | None = None,
    ) -> requests.Response:
        """Typing ``value`` into an external select of the open ``view``: Slack asks for options."""
        payload: Json = {
            "type": "block_suggestion",
            "team": self._team(),
            "user": self._user(user_id),
            "api_app_id": self.api_app_id,
            "token": self.verification_token,
            "container": {"type": "view", "view_id": view.get("id", "V0000")},
            "action_id": action_id,
            "block_id": block_id,
            "value": value,
            "view": view,
            "enterprise": None,
            "is_enterprise_install": False,
        }
        return self._interaction(payload, signature=signature, timestamp=timestamp)

    def view_closed(
        self,
        user_id: str,
        *,
        view: Json,
        signature: str | None = None,
        timestamp: int | None = None,
    ) -> requests.Response:
        payload: Json = {
            "type": "view_closed",
            "team": self._team(),
            "user": self._user(user_id),
            "api_app_id": self.api_app_id,
            "token": self.verification_token,
            "view": view,
            "is_cleared": False,
            "enterprise": None,
            "is_enterprise_install": False,
        }
        return self._interaction(payload, signature=signature, timestamp=timestamp)

    def message_shortcut(
        self,
        user_id: str,
        *,
        callback_id: str,
        message: Json,
        channel_id: str = "C0001",
        trigger_id: str | None = None,
        response_url: str | None = None,
        signature: str | None = None,
        timestamp: int | None = None,
    ) -> requests.Response:
        payload: Json = {
            "type": "message_action",
            "token": self.verification_token,
            "action_ts": _action_ts(),
            "team": self._team(),
            "user": self._user(user_id),
            "channel": {"id": channel_id, "name": "general"},
            "callback_id": callback_id,
            "trigger_id": self._trigger(trigger_id),
            "message_ts": message.get("ts"),
            "message": message,
            "response_url": self._response_url(response_url),
            "api_app_id": self.api_app_id,
            "enterprise": None,
            "is_enterprise_install": False,
        }
        return self._interaction(payload, signature=signature, timestamp=timestamp)

    def global_shortcut(
        self,
        user_id: str,
        *,
        callback_id: str,
        trigger_id: str | None = None,
        signature: str | None = None,
        timestamp: int | None = None,
    ) -> requests.Response:
        payload: Json = {
            "type": "shortcut",
            "token": self.verification_token,
            "action_ts": _action_ts(),
            "team": self._team(),
            "user": self._user(user_id),
            "callback_id": callback_id,
            "trigger_id": self._trigger(trigger_id),
            "api_app_id": self.api_app_id,
            "enterprise": None,
            "is_enterprise_install": False,
        }
        return self._interaction(payload, signature=signature, timestamp=timestamp)

    def event(
        self,
        event: Json,
        *,
        event_id: str | None = None,
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
        signature: str | None = None,
        timestamp: int | None = None,
    ) -> requests.Response:
        """An Events API ``event_callback``; ``retry_num`` mimics Slack's redelivery."""
        bot_user = self.fake.bot_user_id if self.fake else "UBOT"
        envelope: Json = {
            "token": self.verification_token,
            "team_id": self.team_id,
            "api_app_id": self.api_app_id,
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": self.team_id,
                    "user_id": bot_user,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": f"4-{uuid.uuid4().hex}",
        }
        headers = {}
        if retry_num is not None:
            headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": retry_reason}
        return self.post(
            json.dumps(envelope),
            "application/json",
            signature=signature,
            timestamp=timestamp,
            headers=headers,
        )

    def url_verification(
        self, challenge: str, *, signature: str | None = None, timestamp: int | None = None
    ) -> requests.Response:
        body = json.dumps(
            {"token": self.verification_token, "challenge": challenge, "type": "url_verification"}
        )
        return self.post(body, "application/json", signature=signature, timestamp=timestamp)
