"""An in-process fake of the Slack Web API, served over real HTTP.

Slack is unreachable from tests and demos, so the app talks to this server through
the real slack_sdk ``WebClient`` (``base_url=fake.api_url``).  It records every
call, applies Slack's validation and error codes, and can inject rate limits,
server errors and dropped connections to exercise the app's retry paths.
"""

from __future__ import annotations

import copy
import json
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from bot.fakeslack.methods import SlackState
from bot.fakeslack.ratelimit import Fault, FaultInjector, RateLimiter
from bot.fakeslack.wire import Reply, Server, json_reply, normalize, parse_body

__all__ = ["FakeSlack", "RecordedCall"]

Json = dict[str, Any]
_API_RE = re.compile(r"^/api/([A-Za-z0-9_.]+)$")


@dataclass(frozen=True)
class RecordedCall:
    """One request the fake answered (``status`` 0 means the connection was dropped)."""

    method: str
    params: dict[str, Any]
    response: dict[str, Any]
    status: int
    token: str | None
    at: float


class FakeSlack:
    """A fake Slack workspace plus Web API server; use as a context manager or start/stop."""

    def __init__(
        self,
        *,
        team_id: str = "T0001",
        team_name: str = "Acme Bank",
        bot_user_id: str = "UBOT",
        bot_id: str = "B0001",
        app_id: str = "A0001",
        token: str = "xoxb-test",
        scopes: tuple[str, ...] = (
            "chat:write",
            "commands",
            "users:read",
            "im:write",
            "im:history",
            "channels:history",
            "groups:history",
            "channels:read",
            "groups:read",
            "channels:join",
        ),
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.team_id, self.team_name, self.bot_user_id = team_id, team_name, bot_user_id
        self.bot_id, self.app_id, self.token, self.scopes = bot_id, app_id, token, tuple(scopes)
        self.team_domain = re.sub(r"[^a-z0-9]+", "-", team_name.lower()).strip("-") or "team"
        self._host, self._port = host, port
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._calls: list[RecordedCall] = []
        self._time: Callable[[], float] = time.monotonic
        self._limits = RateLimiter()
        self._faults = FaultInjector()
        self._latency = 0.0
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        self._state = SlackState(
            team_id=team_id,
            team_name=team_name,
            team_domain=self.team_domain,
            bot_user_id=bot_user_id,
            bot_id=bot_id,
            app_id=app_id,
            base_url=lambda: self.base_url,
            clock=lambda: self._time(),
            scopes=lambda: self.scopes,
        )
        self._state.directory.add_user(
            bot_user_id,
            name="pmpulse",
            real_name="PM Pulse",
            tz="UTC",
            locale="en-US",
            is_bot=True,
            deleted=False,
            team_id=None,
        )

    # -- lifecycle ----------------------------------------------------------------------

    def start(self) -> FakeSlack:
        """Bind the port and serve in a daemon thread."""
        if self._server is not None:
            return self
        server = Server((self._host, self._port), self._dispatch)
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            name="fakeslack",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server, self._thread = None, None

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeSlack is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/"

    # -- workspace setup and inspection ----------------------------------------------------

    def add_user(
        self,
        user_id: str,
        *,
        name: str,
        real_name: str = "",
        tz: str = "UTC",
        locale: str = "en-US",
        is_bot: bool = False,
        deleted: bool = False,
        team_id: str | None = None,
    ) -> dict[str, Any]:
        """Register a workspace member (tz must be an IANA name) and return its object."""
        with self._lock:
            return self._state.directory.add_user(
                user_id,
                name=name,
                real_name=real_name,
                tz=tz,
                locale=locale,
                is_bot=is_bot,
                deleted=deleted,
                team_id=team_id,
            )

    def add_channel(
        self,
        name: str,
        *,
        private: bool = False,
        archived: bool = False,
        bot_member: bool = True,
        channel_id: str | None = None,
    ) -> str:
        """Declare a channel (public unless `private`) and return its ID; see `bot.fakeslack.channels`."""
        with self._lock:
            return str(
                self._state.channels.add(
                    name, private=private, archived=archived, bot_member=bot_member, channel_id=channel_id
                )["id"]
            )

    def update_channel(self, channel_id: str, **changes: Any) -> dict[str, Any]:
        """Change a declared channel: `is_archived`, `is_member` (the bot), `name`, `is_private`."""
        with self._lock:
            return self._state.channels.update(channel_id, **changes)

    def update_user(self, user_id: str, **changes: Any) -> dict[str, Any]:
        """Deactivate (``deleted=True``), reactivate or edit a member; returns the user object
        that Slack's ``user_change`` event carries."""
        with self._lock:
            return self._state.directory.update_user(user_id, **changes)

    @property
    def calls(self) -> list[RecordedCall]:
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str) -> list[RecordedCall]:
        with self._lock:
            return [c for c in self._calls if c.method == method]

    def clear_calls(self) -> None:
        with self._lock:
            self._calls.clear()

    def wait_for(
        self,
        method: str,
        predicate: Callable[[RecordedCall], bool] | None = None,
        *,
        timeout: float = 5.0,
        count: int = 1,
    ) -> RecordedCall:
        """Block until ``count`` matching calls were recorded and return the count-th."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                matches = [
                    c for c in self._calls if c.method == method and (predicate is None or predicate(c))
                ]
                if len(matches) >= count:
                    return matches[count - 1]
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = ", ".join(f"{c.method}({c.status})" for c in self._calls) or "none"
                    raise AssertionError(
                        f"timed out after {timeout}s waiting for {count} x {method}; "
                        f"got {len(matches)}. Recorded calls: {seen}"
                    )
                self._changed.wait(remaining)

    def issue_trigger_id(self) -> str:
        """A trigger id as Slack puts in interactive payloads: one use, within 3 seconds."""
        with self._lock:
            return self._state.views.issue_trigger_id()

    def response_url(self) -> str:
        """A response_url whose POSTs are recorded as method ``"response_url"``."""
        rid = uuid.uuid4().hex
        with self._lock:
            self._state.response_urls.add(rid)
        return f"{self.base_url}/response/{rid}"

    def messages(self, channel: str) -> list[dict[str, Any]]:
        """Messages currently in ``channel`` (a user id means the bot's DM with them)."""
        with self._lock:
            resolved = self._state.resolve_channel(channel) or channel
            return copy.deepcopy(self._state.messages.get(resolved, []))

    def ephemeral_messages(self, channel: str) -> list[dict[str, Any]]:
        """Ephemeral messages sent to ``channel``; each carries the target ``user``."""
        with self._lock:
            resolved = self._state.resolve_channel(channel) or channel
            return copy.deepcopy(self._state.ephemeral.get(resolved, []))

    @property
    def scheduled_messages(self) -> list[dict[str, Any]]:
        with self._lock:
            return copy.deepcopy(self._state.scheduled)

    @property
    def views(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            return copy.deepcopy(self._state.views.views)

    def home_view(self, user_id: str) -> dict[str, Any] | None:
        with self._lock:
            store = self._state.views
            vid = store.home_by_user.get(user_id)
            return copy.deepcopy(store.views[vid]) if vid else None

    @property
    def uploaded_files(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            return copy.deepcopy(self._state.uploaded_files)

    # -- failure modes ----------------------------------------------------------------------

    def set_time_source(self, fn: Callable[[], float]) -> None:
        """Replace the monotonic clock used for trigger expiry and rate-limit buckets."""
        with self._lock:
            self._time = fn

    def set_rate_limit(
        self,
        method: str,
        *,
        per_minute: float | None = None,
        per_second: float | None = None,
        burst: int = 1,
        per_channel: bool = False,
    ) -> None:
        """Token-bucket limit for ``method`` ("views.*" and "*" patterns work too).

        Both rates None removes the rule.
        """
        with self._lock:
            self._limits.set(
                method,
                per_minute=per_minute,
                per_second=per_second,
                burst=burst,
                per_channel=per_channel,
            )

    def clear_rate_limits(self) -> None:
        with self._lock:
            self._limits.clear()

    def slack_like_limits(self) -> None:
        """Approximate Slack's published tiers, for realistic demos and benchmarks."""
        self.set_rate_limit("*", per_minute=50, burst=10)  # Tier 3
        # Slack allows short bursts but ~1 message/s per channel sustained.
        self.set_rate_limit("chat.postMessage", per_second=1, burst=3, per_channel=True)
        self.set_rate_limit("conversations.open", per_minute=50, burst=10)
        self.set_rate_limit("users.list", per_minute=20, burst=5)  # Tier 2
        for method in ("users.info", "views.*", "auth.test", "chat.postEphemeral", "files.*"):
            self.set_rate_limit(method, per_minute=100, burst=20)  # Tier 4

    def fail_next(
        self,
        method: str,
        *,
        status: int = 500,
        count: int = 1,
        retry_after: int | None = None,
        kind: str = "http",
        error: str = "internal_error",
        processed: bool = False,
        delay: float = 30.0,
    ) -> None:
        """Make the next ``count`` calls to ``method`` fail.

        kind "http" answers ``status`` (429 always carries Retry-After), "connection"
        drops the socket unanswered, "slack_error" answers 200 with ok false and ``error``,
        "timeout" holds the answer ``delay`` seconds (longer than the client waits) and then
        closes the socket, or gives the real answer when processed.

        ``processed``: Slack did the work (posted the message...) before it failed to answer,
        as a real 5xx or a timeout can. The call is recorded with the failing status, its effect
        is in the channel.
        """
        fault = Fault(
            kind, status=status, retry_after=retry_after, error=error, processed=processed, delay=delay
        )
        with self._lock:
            self._faults.queue(method, fault, count)

    def fault_rate(
        self,
        method: str | None,
        *,
        rate: float,
        statuses: tuple[int, ...] = (429, 500, 503),
        seed: int | None = None,
    ) -> None:
        """Fail a random ``rate`` share of calls to ``method`` (None: every method)."""
        with self._lock:
            self._faults.set_rate(method, rate, tuple(statuses), seed)

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def set_latency(self, seconds: float) -> None:
        """Delay every answer by ``seconds`` after the call took effect, like a slow network.

        A client killed during the delay leaves a message Slack has but the client never
        heard about: the case exactly-once delivery has to reconcile.
        """
        with self._lock:
            self._latency = max(0.0, seconds)

    # -- request handling -------------------------------------------------------------------

    def _record(self, method: str, params: Json, response: Json, status: int, token: str | None) -> None:
        self._calls.append(RecordedCall(method, params, response, status, token, time.time()))
        self._changed.notify_all()

    def _dispatch(self, verb: str, path: str, headers: dict[str, str], body: bytes) -> Reply:
        reply = self._dispatch_locked(verb, path, headers, body)
        if self._latency or reply.delay:
            # Outside the lock: calls overlap, as on a real network.
            time.sleep(self._latency + reply.delay)
        return reply

    def _dispatch_locked(self, verb: str, path: str, headers: dict[str, str], body: bytes) -> Reply:
        parts = urlsplit(path)
        lower = {k.lower(): v for k, v in headers.items()}
        with self._lock:
            if parts.path.startswith("/response/"):
                return self._response_url(parts.path.rsplit("/", 1)[-1], body)
            if parts.path.startswith("/upload/") and verb == "POST":
                return self._upload(parts.path.rsplit("/", 1)[-1], body)
            match = _API_RE.match(parts.path)
            if match is None:
                return Reply(404, b"Not Found", {"Content-Type": "text/plain"})
            try:
                params = {k: v[-1] for k, v in parse_qs(parts.query).items()}
                params.update(parse_body(lower.get("content-type", ""), body))
            except ValueError:
                params = {}
            return self._api(match.group(1), normalize(params), lower)

    def _api(self, method: str, params: Json, headers: dict[str, str]) -> Reply:
        token = params.pop("token", None)
        auth = headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            token = auth[7:].strip()
        extra = {"x-oauth-scopes": ",".join(self.scopes)}
        fault = self._faults.next_fault(method)
        reply: Reply
        if fault is not None:
            done = None
            if fault.processed and method in self._state.handlers and token == self.token:
                done = self._call_handler(method, params)
            reply = self._fault_reply(fault, extra, done)
        elif method not in self._state.handlers:
            reply = json_reply(200, {"ok": False, "error": "unknown_method"}, extra)
        elif token != self.token:
            reply = json_reply(200, {"ok": False, "error": "invalid_auth"})
        else:
            channel = params.get("channel") or params.get("channel_id")
            wait = self._limits.check(method, channel if isinstance(channel, str) else None, self._time())
            if wait is not None:
                reply = json_reply(
                    429, {"ok": False, "error": "ratelimited"}, {**extra, "Retry-After": str(wait)}
                )
            else:
                reply = json_reply(200, self._call_handler(method, params), extra)
        response = (
            json.loads(reply.body) if reply.body is not None else {"ok": False, "error": "connection_dropped"}
        )
        self._record(method, params, response, reply.status if reply.body is not None else 0, token)
        return reply

    def _call_handler(self, method: str, params: Json) -> Json:
        try:
            return self._state.handlers[method](params)
        except Exception as exc:  # malformed params Slack would reject, not a server crash
            return {"ok": False, "error": "invalid_arguments", "fake_exception": repr(exc)}

    @staticmethod
    def _fault_reply(fault: Fault, extra: dict[str, str], done: Json | None = None) -> Reply:
        if fault.kind == "timeout":
            if done is not None:
                late = json_reply(200, done, extra)
                return Reply(late.status, late.body, late.headers, delay=fault.delay)
            return Reply(0, None, {}, delay=fault.delay)
        if fault.kind == "connection":
            return Reply(0, None, {})
        if fault.kind == "slack_error":
            return json_reply(200, {"ok": False, "error": fault.error}, extra)
        headers = dict(extra)
        if fault.retry_after is not None or fault.status == 429:
            headers["Retry-After"] = str(max(1, fault.retry_after or 1))
        error = "ratelimited" if fault.status == 429 else fault.error
        return json_reply(fault.status, {"ok": False, "error": error}, headers)

    def _response_url(self, rid: str, body: bytes) -> Reply:
        try:
            params = json.loads(body.decode("utf-8")) if body else {}
        except ValueError:
            params = {"_raw": body.decode("utf-8", "replace")}
        if not isinstance(params, dict):
            params = {"_raw": params}
        if rid not in self._state.response_urls:
            response: Json = {"ok": False, "error": "invalid_response_url"}
            status = 404
        else:
            problem = self._state.check_content(params, require=False)
            response, status = (problem, 200) if problem else ({"ok": True}, 200)
        # `_url` says which response URL was used, so a test can match answer to request.
        self._record(
            "response_url",
            {**params, "_url": f"{self.base_url}/response/{rid}"},
            response,
            status,
            None,
        )
        return json_reply(status, response)

    def _upload(self, file_id: str, body: bytes) -> Reply:
        ok = self._state.store_upload(file_id, body)
        status = 200 if ok else 404
        self._record("file_upload", {"file_id": file_id, "length": len(body)}, {"ok": ok}, status, None)
        text = f"OK - {len(body)}" if ok else "Not Found"
        return Reply(status, text.encode(), {"Content-Type": "text/plain"})
