"""The HTTP edge in front of Bolt: what a Slack request must pass before anything reads it.

In order, and each step before the next:

1. Size. A body over `MAX_BODY_BYTES` is refused with 413 without being read: by its declared
   Content-Length, or, when the length is not declared (chunked), by reading at most one
   byte past the limit.
2. Signature. slack_sdk's verifier checks the signature over the raw bytes and Slack's
   five-minute timestamp window; a missing, malformed, wrong or stale one gets 401.
3. Shape. Only then is the body decoded and parsed, as Bolt parses it, and checked against
   the shape Slack gives that kind of request (`bot.slack_payloads`); anything else is
   signed but malformed and gets 400.
4. Replay. A signed request seen before (same signature and timestamp) gets 200 with an
   empty body and is not processed again (`bot.services.replay`). Recording it is held to the
   request's deadline (`bot.services.deadline`): when the database is too busy for that, a
   modal's submission goes on to its listener marked `BUSY`, to be answered "busy, submit
   again" in the form with nothing saved, and anything else gets 503 (Slack retries events).

The time each request reached the app is handed to Bolt in the request's context
(`RECEIVED_AT`): a modal's save must commit within `ANSWER_WITHIN` of it.

Bad input is answered and logged in one line, never with a traceback. Metrics count a
request only after it is verified, under labels from a closed set (`request_label`);
everything refused is counted as kind "rejected" with the reason as its name.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import time
from collections.abc import Iterable
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.adapter.wsgi.http_response import WsgiHttpResponse
from slack_bolt.context import BoltContext
from slack_bolt.request import BoltRequest
from slack_bolt.request.internals import build_context, parse_body
from slack_bolt.response import BoltResponse
from slack_sdk.signature import Clock, SignatureVerifier
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.ids import (
    COMMAND,
    NOT_YET_AVAILABLE,
    ActionId,
    CallbackId,
    EventType,
    SettingsAction,
    StatusAction,
    StatusCallback,
    Subcommand,
)
from bot.metrics import REQUEST_SECONDS, REQUESTS
from bot.services.deadline import TooLate, answer_deadline, ending_by, ran_out_of_time
from bot.services.replay import ReplayGuard
from bot.slack_payloads import is_well_formed

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment

log = logging.getLogger(__name__)

# Slack caps a text input at 3,000 characters. pmpulse's largest request is a status update
# submitted from a modal whose inputs are all at that maximum in Chinese: each character
# costs 6 to 9 bytes once JSON-escaped and URL-encoded, and the view comes back with its
# initial values as well as the state. 20 such inputs (more than the status modal has) come
# to about 1.3 MB (tests/scenario/test_http_edge.py builds it). 2 MiB fits that with room
# for what Slack adds, and bounds what one request can make a worker hold.
MAX_BODY_BYTES = 2 * 1024 * 1024
_READ_CHUNK = 64 * 1024

# Keys of the Bolt context: the `time.monotonic()` a request reached the app, and that the
# database was too busy to record it (a modal's submission is then answered, not processed).
RECEIVED_AT = "pmpulse_received_at"
BUSY = "pmpulse_busy"

_MAX_TIMESTAMP_DIGITS = 12


class Rejected(StrEnum):
    """Why a request was refused: the closed set of names under kind "rejected"."""

    TOO_LARGE = "too_large"
    SIGNATURE = "signature"
    MALFORMED = "malformed"
    REPLAY = "replay"
    BUSY = "busy"


_STATUS = {
    Rejected.TOO_LARGE: "413 Content Too Large",
    Rejected.SIGNATURE: "401 Unauthorized",
    Rejected.MALFORMED: "400 Bad Request",
    Rejected.REPLAY: "200 OK",
    Rejected.BUSY: "503 Service Unavailable",
}

_SUBCOMMAND_LABELS = frozenset({*Subcommand, *NOT_YET_AVAILABLE})
_ACTION_LABELS = frozenset({*ActionId, *StatusAction, *SettingsAction})
_VIEW_LABELS = frozenset({*CallbackId, *StatusCallback})
_SHORTCUT_LABELS = frozenset(CallbackId)
_EVENT_LABELS = frozenset(EventType)
OTHER = "other"


def request_label(body: dict[str, Any]) -> tuple[str, str]:
    """(kind, name) of a verified, well-formed request for metrics: only names pmpulse defines."""
    if "command" in body:
        words = str(body.get("text") or "").split()
        sub = words[0].lower() if words else "help"
        if body["command"] != COMMAND:
            return "command", OTHER
        return "command", f"{COMMAND} {sub if sub in _SUBCOMMAND_LABELS else OTHER}"
    kind = body.get("type")
    if kind == "block_actions":
        return "action", _known(body["actions"][0]["action_id"], _ACTION_LABELS)
    if kind in ("view_submission", "view_closed"):
        return "view", _known(body["view"]["callback_id"], _VIEW_LABELS)
    if kind in ("shortcut", "message_action"):
        return "shortcut", _known(body["callback_id"], _SHORTCUT_LABELS)
    if kind == "event_callback":
        return "event", _known(body["event"]["type"], _EVENT_LABELS)
    if kind == "url_verification":
        return "url_verification", ""
    return OTHER, ""


def _known(name: object, known: frozenset[str]) -> str:
    return name if isinstance(name, str) and name in known else OTHER


class _BadLength(Exception):
    """A Content-Length that is not a number."""


def read_capped_body(environ: WSGIEnvironment, limit: int) -> bytes | None:
    """The request body, or None when it is over `limit` bytes; never reads more than limit + 1."""
    stream = environ.get("wsgi.input")
    declared = str(environ.get("CONTENT_LENGTH") or "").strip()
    if declared:
        if not (declared.isascii() and declared.isdigit()):
            raise _BadLength(declared)
        length = int(declared)
        if length > limit:
            return None
    elif environ.get("wsgi.input_terminated"):
        length = limit + 1  # chunked: the server ends the stream where the body ends
    else:
        return b""  # no declared length and a server that cannot end the stream: no body
    if stream is None:
        return b""
    chunks: list[bytes] = []
    size = 0
    while size < length:
        chunk = stream.read(min(_READ_CHUNK, length - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return None if size > limit else b"".join(chunks)


class _RawBytesVerifier(SignatureVerifier):
    """slack_sdk's verifier, signing the raw bytes: it decodes them first, which fails
    (with an exception, not a False) on a body that is not UTF-8."""

    def generate_signature(self, *, timestamp: str, body: str | bytes) -> str | None:
        raw = body if isinstance(body, bytes) else body.encode("utf-8")
        base = b"v0:" + timestamp.encode("ascii") + b":" + raw
        return "v0=" + hmac.new(self.signing_secret.encode(), base, hashlib.sha256).hexdigest()


class _ParsedRequest(BoltRequest):
    """A Bolt request built from the body the edge has parsed already.

    BoltRequest parses the raw text again, which for a modal's submission (a URL-encoded JSON
    document of several kilobytes) is a measurable part of handling it. The raw text stays, as
    Bolt's own signature check reads it.
    """

    def __init__(
        self,
        *,
        raw_body: str,
        body: dict[str, Any],
        query: str,
        headers: dict[str, Any],
        context: dict[str, Any],
    ) -> None:
        super().__init__(body="", query=query, headers=headers)
        self.raw_body = raw_body
        self.body = body
        self.context = build_context(BoltContext(context), body)


class SlackEdge(SlackRequestHandler):
    """Bolt's WSGI adapter with the checks above in front, timing each request up to its ack."""

    def __init__(
        self,
        app: App,
        *,
        path: str,
        signing_secret: str,
        session_factory: sessionmaker[Session],
        max_body_bytes: int = MAX_BODY_BYTES,
        clock: Clock | None = None,
    ) -> None:
        super().__init__(app, path=path)
        self.clock = clock or Clock()
        self.verifier = _RawBytesVerifier(signing_secret, clock=self.clock)
        self.replays = ReplayGuard(session_factory)
        self.max_body_bytes = max_body_bytes

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "POST" or environ.get("PATH_INFO") != self.path:
            return super().__call__(environ, start_response)  # OAuth pages, or 404
        started = time.perf_counter()
        received = time.monotonic()
        try:
            raw = read_capped_body(environ, self.max_body_bytes)
        except _BadLength:
            return self._refuse(Rejected.MALFORMED, "unreadable Content-Length", start_response)
        if raw is None:
            return self._refuse(Rejected.TOO_LARGE, "body over the size limit", start_response)
        headers = WsgiHttpRequest(environ).get_headers()
        timestamp = str(headers.get("x-slack-request-timestamp") or "")
        signature = str(headers.get("x-slack-signature") or "")
        if not self._is_signed(raw, timestamp, signature):
            return self._refuse(Rejected.SIGNATURE, "missing, invalid or stale signature", start_response)
        content_type = str(headers.get("content-type") or "").split(";")[0].strip() or None
        text = ""
        try:
            text = raw.decode("utf-8")
            body: object = parse_body(text, content_type)
        except ValueError:  # UnicodeDecodeError and json.JSONDecodeError included
            body = None
        if not isinstance(body, dict) or not is_well_formed(body):
            return self._refuse(Rejected.MALFORMED, "signed body of no shape Slack sends", start_response)
        now = dt.datetime.fromtimestamp(self.clock.now(), dt.UTC)
        context: dict[str, Any] = {RECEIVED_AT: received}
        try:
            with ending_by(answer_deadline(received)):
                first = self.replays.first_time(signature=signature, timestamp=timestamp, now=now)
        except (SQLAlchemyError, TooLate) as exc:
            if not ran_out_of_time(exc):
                raise
            if body.get("type") != "view_submission":
                return self._refuse(Rejected.BUSY, "database too busy to record the request", start_response)
            log.warning("database too busy to record a view submission; answered busy, not processed")
            first, context[BUSY] = True, True
        if not first:
            return self._refuse(Rejected.REPLAY, "signed request replayed; not processed", start_response)
        query = environ.get("QUERY_STRING", "")
        response = self.app.dispatch(
            _ParsedRequest(raw_body=text, body=body, query=query, headers=headers, context=context)
        )
        kind, name = request_label(body)
        REQUESTS.labels(kind, name).inc()
        REQUEST_SECONDS.labels(kind, name).observe(time.perf_counter() - started)
        return self._answer(response, start_response)

    def _is_signed(self, raw: bytes, timestamp: str, signature: str) -> bool:
        """Slack signed these bytes inside the five-minute window."""
        well_formed_headers = (
            timestamp.isascii()
            and timestamp.isdigit()
            and len(timestamp) <= _MAX_TIMESTAMP_DIGITS
            and signature.isascii()
        )
        return well_formed_headers and self.verifier.is_valid(
            body=raw, timestamp=timestamp, signature=signature
        )

    def _refuse(self, reason: Rejected, why: str, start_response: StartResponse) -> Iterable[bytes]:
        REQUESTS.labels("rejected", reason.value).inc()
        level = logging.WARNING if reason is Rejected.BUSY else logging.INFO
        log.log(level, "Slack request refused (%s): %s", reason.value, why)
        body = b"" if reason is Rejected.REPLAY else json.dumps({"error": reason.value}).encode()
        headers = [("Content-Length", str(len(body)))]
        if body:
            headers.append(("Content-Type", "application/json"))
        start_response(_STATUS[reason], headers)
        return [body]

    @staticmethod
    def _answer(response: BoltResponse, start_response: StartResponse) -> Iterable[bytes]:
        answer = WsgiHttpResponse(status=response.status, headers=response.headers, body=response.body)
        start_response(answer.status, answer.get_headers())
        return answer.get_body()
