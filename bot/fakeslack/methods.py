"""Slack Web API method handlers for the fake server: the workspace state.

Responses follow Slack's documented shapes (the fields a bot reads) and error
codes, so code written against the fake behaves the same against Slack.  The
state is not locked here: :class:`~bot.fakeslack.server.FakeSlack` serialises
every call under its own lock.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import time
from collections.abc import Callable
from typing import Any

from bot.fakeslack.blockkit import validate_message_blocks
from bot.fakeslack.channels import ChannelDirectory
from bot.fakeslack.history import MessageHistory
from bot.fakeslack.users import UserDirectory
from bot.fakeslack.views import ViewStore, err

__all__ = ["SlackState"]

Json = dict[str, Any]
Handler = Callable[[Json], Json]
MAX_TEXT_CHARS = 40_000


def _blocks_error(errors: list[str]) -> Json:
    return err(
        "invalid_blocks",
        errors=errors,
        response_metadata={"messages": [f"[ERROR] {e}" for e in errors]},
    )


class SlackState:
    """Users, channels, messages, views, triggers and files of one fake workspace."""

    def __init__(
        self,
        *,
        team_id: str,
        team_name: str,
        team_domain: str,
        bot_user_id: str,
        bot_id: str,
        app_id: str,
        base_url: Callable[[], str],
        clock: Callable[[], float],
        scopes: Callable[[], tuple[str, ...]] = lambda: (),
    ) -> None:
        self.team_id, self.team_name, self.team_domain = team_id, team_name, team_domain
        self.bot_user_id, self.bot_id, self.app_id = bot_user_id, bot_id, app_id
        self.base_url = base_url
        self.clock = clock
        self.directory = UserDirectory(team_id=team_id)
        self.messages: dict[str, list[Json]] = {}
        self.ephemeral: dict[str, list[Json]] = {}
        self.scheduled: list[Json] = []
        self.dm_users: dict[str, str] = {}
        self.response_urls: set[str] = set()
        self.uploaded_files: dict[str, Json] = {}
        self._last_ts = 0.0
        self._ids = itertools.count(1)
        self.channels = ChannelDirectory(new_id=self._new_id, scopes=scopes)
        self.views = ViewStore(
            team_id=team_id, app_id=app_id, bot_id=bot_id, clock=clock, new_id=self._new_id
        )
        self.handlers: dict[str, Handler] = {
            "auth.test": self.auth_test,
            "conversations.open": self.conversations_open,
            "conversations.info": self.conversations_info,
            "chat.postMessage": self.chat_post_message,
            "chat.postEphemeral": self.chat_post_ephemeral,
            "chat.update": self.chat_update,
            "chat.delete": self.chat_delete,
            "chat.getPermalink": self.chat_get_permalink,
            "chat.scheduleMessage": self.chat_schedule_message,
            "reactions.add": self.reactions_add,
            "files.getUploadURLExternal": self.files_get_upload_url,
            "files.completeUploadExternal": self.files_complete_upload,
            **self.directory.handlers(),
            **self.channels.handlers(),
            **self.views.handlers(),
            **MessageHistory(
                messages=self.messages, resolve_channel=self.resolve_channel, scopes=scopes
            ).handlers(),
        }

    # -- ids and helpers ------------------------------------------------------------

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):08X}"

    def next_ts(self) -> str:
        """A message ts: wall-clock seconds, strictly increasing like Slack's."""
        self._last_ts = max(time.time(), self._last_ts + 0.000001)
        return f"{self._last_ts:.6f}"

    def dm_channel(self, user_id: str) -> str:
        """Stable DM id per user, so repeated conversations.open calls agree."""
        digest = hashlib.sha1(user_id.encode()).hexdigest()[:10].upper()
        channel = f"D{digest}"
        self.dm_users[channel] = user_id
        return channel

    def resolve_channel(self, channel: Any) -> str | None:
        """Map a channel param to a channel id; a user id means the bot's DM with them."""
        if not isinstance(channel, str) or not channel:
            return None
        if channel[0] in "CGD":
            return channel
        if channel[0] in "UW":
            return self.dm_channel(channel)
        return None

    def _find_message(self, channel: str, ts: Any) -> Json | None:
        for msg in self.messages.get(channel, []):
            if msg["ts"] == ts:
                return msg
        return None

    def _channel_obj(self, channel: str) -> Json:
        """A direct message channel with one user, as conversations.info shows it."""
        return {
            "id": channel,
            "created": 1_700_000_000,
            "is_channel": False,
            "is_group": False,
            "is_im": True,
            "is_private": True,
            "is_member": True,
            "is_archived": False,
            "user": self.dm_users.get(channel, ""),
        }

    def auth_test(self, params: Json) -> Json:
        return {
            "ok": True,
            "url": f"https://{self.team_domain}.slack.com/",
            "team": self.team_name,
            "team_id": self.team_id,
            "user": "pmpulse",
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    # -- conversations ------------------------------------------------------------------

    def conversations_open(self, params: Json) -> Json:
        if params.get("channel"):
            channel = self.resolve_channel(params["channel"])
            return {"ok": True, "channel": {"id": channel}} if channel else err("channel_not_found")
        users = [u for u in str(params.get("users", "")).split(",") if u]
        if not users:
            return err("users_list_not_supplied")
        for uid in users:
            if self.directory.users.get(uid, {}).get("deleted"):
                return err("user_disabled")
        if len(users) == 1:
            channel = self.dm_channel(users[0])
        else:
            digest = hashlib.sha1(",".join(sorted(users)).encode()).hexdigest()[:10].upper()
            channel = f"G{digest}"
        return {"ok": True, "no_op": True, "already_open": True, "channel": {"id": channel}}

    def conversations_info(self, params: Json) -> Json:
        channel = self.resolve_channel(params.get("channel"))
        if channel is None or channel[0] not in "CGD":
            return err("channel_not_found")
        if channel[0] != "D":
            return self.channels.conversations_info({"channel": channel})
        return {"ok": True, "channel": self._channel_obj(channel)}

    # -- chat ---------------------------------------------------------------------------

    def check_content(self, params: Json, *, require: bool = True) -> Json | None:
        text, blocks = params.get("text"), params.get("blocks")
        if require and not text and not blocks and not params.get("attachments"):
            return err("no_text")
        if isinstance(text, str) and len(text) > MAX_TEXT_CHARS:
            return err("msg_too_long")
        if blocks is not None and blocks != []:
            if isinstance(blocks, str):
                return err("invalid_blocks_format")
            errors = validate_message_blocks(blocks)
            if errors:
                return _blocks_error(errors)
        return None

    def _message(self, params: Json, ts: str) -> Json:
        msg: Json = {
            "type": "message",
            "ts": ts,
            "text": params.get("text") or "",
            "blocks": params.get("blocks") or [],
            "thread_ts": params.get("thread_ts"),
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "team": self.team_id,
        }
        if params.get("attachments"):
            msg["attachments"] = params["attachments"]
        if params.get("metadata"):
            msg["metadata"] = params["metadata"]
        return msg

    def chat_post_message(self, params: Json) -> Json:
        channel = self.resolve_channel(params.get("channel"))
        if channel is None:
            return err("channel_not_found")
        refused = self.channels.post_error(channel)
        if refused:
            return err(refused)
        problem = self.check_content(params)
        if problem:
            return problem
        msg = self._message(params, self.next_ts())
        self.messages.setdefault(channel, []).append(msg)
        return {"ok": True, "channel": channel, "ts": msg["ts"], "message": copy.deepcopy(msg)}

    def chat_post_ephemeral(self, params: Json) -> Json:
        channel = self.resolve_channel(params.get("channel"))
        if channel is None:
            return err("channel_not_found")
        refused = self.channels.post_error(channel)
        if refused:
            return err(refused)
        if not params.get("user"):
            return err("user_not_found")
        problem = self.check_content(params)
        if problem:
            return problem
        msg = self._message(params, self.next_ts())
        msg["user"] = params["user"]
        self.ephemeral.setdefault(channel, []).append(msg)
        return {"ok": True, "message_ts": msg["ts"]}

    def chat_update(self, params: Json) -> Json:
        channel = self.resolve_channel(params.get("channel"))
        if channel is None:
            return err("channel_not_found")
        msg = self._find_message(channel, params.get("ts"))
        if msg is None:
            return err("message_not_found")
        problem = self.check_content(params, require=False)
        if problem:
            return problem
        for key in ("text", "blocks", "attachments", "metadata"):
            if key in params:
                msg[key] = params[key]
        msg["edited"] = {"user": self.bot_user_id, "ts": self.next_ts()}
        return {
            "ok": True,
            "channel": channel,
            "ts": msg["ts"],
            "text": msg["text"],
            "message": copy.deepcopy(msg),
        }

    def chat_delete(self, params: Json) -> Json:
        channel = self.resolve_channel(params.get("channel"))
        if channel is None:
            return err("channel_not_found")
        msg = self._find_message(channel, params.get("ts"))
        if msg is None:
            return err("message_not_found")
        self.messages[channel].remove(msg)
        return {"ok": True, "channel": channel, "ts": msg["ts"]}

    def chat_get_permalink(self, params: Json) -> Json:
        channel = self.resolve_channel(params.get("channel"))
        ts = params.get("message_ts")
        if channel is None:
            return err("channel_not_found")
        if not isinstance(ts, str) or not ts:
            return err("message_not_found")
        link = f"https://{self.team_domain}.slack.com/archives/{channel}/p{ts.replace('.', '')}"
        return {"ok": True, "channel": channel, "permalink": link}

    def chat_schedule_message(self, params: Json) -> Json:
        channel = self.resolve_channel(params.get("channel"))
        if channel is None:
            return err("channel_not_found")
        refused = self.channels.post_error(channel)
        if refused:
            return err(refused)
        try:
            post_at = int(params.get("post_at", ""))
        except (TypeError, ValueError):
            return err("invalid_time")
        if post_at <= time.time():
            return err("time_in_past")
        problem = self.check_content(params)
        if problem:
            return problem
        scheduled_id = self._new_id("Q")
        msg = self._message(params, "")
        self.scheduled.append({"id": scheduled_id, "channel": channel, "post_at": post_at, "message": msg})
        return {
            "ok": True,
            "channel": channel,
            "scheduled_message_id": scheduled_id,
            "post_at": post_at,
            "message": copy.deepcopy(msg),
        }

    def reactions_add(self, params: Json) -> Json:
        channel = self.resolve_channel(params.get("channel"))
        name = params.get("name")
        if channel is None:
            return err("channel_not_found")
        if not name:
            return err("invalid_name")
        msg = self._find_message(channel, params.get("timestamp"))
        # Messages the fake never saw (e.g. posted by humans) are accepted silently.
        if msg is not None:
            reactions: list[Json] = msg.setdefault("reactions", [])
            if any(r["name"] == name for r in reactions):
                return err("already_reacted")
            reactions.append({"name": name, "users": [self.bot_user_id], "count": 1})
        return {"ok": True}

    # -- files --------------------------------------------------------------------------

    def files_get_upload_url(self, params: Json) -> Json:
        filename = params.get("filename")
        try:
            length = int(params.get("length", ""))
        except (TypeError, ValueError):
            return err("invalid_arguments")
        if not filename:
            return err("invalid_arguments")
        file_id = self._new_id("F")
        self.uploaded_files[file_id] = {
            "filename": filename,
            "title": filename,
            "content": b"",
            "length": length,
            "channel_id": None,
            "completed": False,
        }
        return {"ok": True, "upload_url": f"{self.base_url()}/upload/{file_id}", "file_id": file_id}

    def store_upload(self, file_id: str, content: bytes) -> bool:
        entry = self.uploaded_files.get(file_id)
        if entry is None:
            return False
        entry["content"] = content
        return True

    def files_complete_upload(self, params: Json) -> Json:
        files = params.get("files")
        if not isinstance(files, list) or not files:
            return err("invalid_arguments")
        ids = [f.get("id") for f in files if isinstance(f, dict)]
        if len(ids) != len(files) or any(i not in self.uploaded_files for i in ids):
            return err("file_not_found")
        channel = params.get("channel_id") or (str(params.get("channels", "")).split(",")[0])
        shared: list[Json] = []
        for f in files:
            entry = self.uploaded_files[f["id"]]
            entry.update(
                title=f.get("title") or entry["filename"],
                channel_id=channel or None,
                completed=True,
            )
            shared.append(
                {
                    "id": f["id"],
                    "title": entry["title"],
                    "name": entry["filename"],
                    "size": len(entry["content"]),
                }
            )
        target = self.resolve_channel(channel) if channel else None
        if target:
            msg = self._message(
                {"text": params.get("initial_comment") or "", "thread_ts": params.get("thread_ts")},
                self.next_ts(),
            )
            msg["files"] = copy.deepcopy(shared)
            self.messages.setdefault(target, []).append(msg)
        return {"ok": True, "files": shared}
