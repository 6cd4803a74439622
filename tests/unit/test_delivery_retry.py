"""How the sender reads a failed Slack call: retry after, back off, check first, or give up."""

from __future__ import annotations

import datetime as dt
import http.client
import random
from typing import Any
from urllib.error import URLError

from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot.delivery.reconcile import carries_key, delivery_metadata
from bot.delivery.retry import (
    BACKOFF_CAP_SECONDS,
    Failure,
    FailureKind,
    backoff,
    classify,
    retry_delay,
)


def api_error(status: int, error: str, headers: dict[str, Any] | None = None) -> SlackApiError:
    response = SlackResponse(
        client=None,
        http_verb="POST",
        api_url="https://slack.com/api/chat.postMessage",
        req_args={},
        data={"ok": False, "error": error},
        headers=headers or {},
        status_code=status,
    )
    return SlackApiError(error, response)


def test_rate_limits_carry_slacks_retry_after() -> None:
    failure = classify(api_error(429, "ratelimited", {"Retry-After": "30"}))
    assert failure == Failure(FailureKind.RATE_LIMITED, "ratelimited (HTTP 429)", retry_after=30.0)
    delay = retry_delay(failure, attempts=1, rng=random.Random(1))
    assert dt.timedelta(seconds=30) <= delay <= dt.timedelta(seconds=35)


def test_server_errors_and_slacks_internal_errors_are_uncertain() -> None:
    # Slack may have done the work before answering so: checked before a post is repeated.
    assert classify(api_error(503, "service_unavailable")).kind is FailureKind.UNCERTAIN
    assert classify(api_error(500, "internal_error")).error == "internal_error (HTTP 500)"
    for error in ("fatal_error", "internal_error", "request_timeout"):
        failure = classify(api_error(200, error))
        assert failure.kind is FailureKind.UNCERTAIN and failure.retryable
    assert classify(api_error(200, "service_unavailable")).kind is FailureKind.TRANSIENT


def test_errors_no_retry_can_fix_are_permanent() -> None:
    for error in ("channel_not_found", "invalid_blocks", "not_in_channel", "invalid_auth", "user_not_found"):
        failure = classify(api_error(200, error))
        assert failure.kind is FailureKind.PERMANENT and not failure.retryable and failure.error == error


def test_dropped_connections_are_uncertain() -> None:
    for exc in (
        URLError("Connection reset by peer"),
        http.client.RemoteDisconnected("closed"),
        TimeoutError("timed out"),
    ):
        failure = classify(exc)
        assert failure.kind is FailureKind.UNCERTAIN and failure.retryable
        assert failure.error.startswith("connection: ")


def test_backoff_doubles_with_jitter_up_to_a_cap() -> None:
    rng = random.Random(7)
    for attempts in range(1, 8):
        ceiling = min(BACKOFF_CAP_SECONDS, 5.0 * 2 ** (attempts - 1))
        for _ in range(20):
            seconds = backoff(attempts, rng=rng).total_seconds()
            assert ceiling / 2 <= seconds <= ceiling
    assert backoff(40, rng=rng).total_seconds() <= BACKOFF_CAP_SECONDS


def test_delivery_metadata_names_the_key() -> None:
    message = {"ts": "1.0", "metadata": delivery_metadata("status-prompt:T1:U1:2026-W48")}
    assert carries_key(message, "status-prompt:T1:U1:2026-W48")
    assert not carries_key(message, "status-prompt:T1:U2:2026-W48")
    assert not carries_key({"ts": "1.0"}, "x")
    assert not carries_key({"metadata": {"event_type": "other", "event_payload": {"key": "x"}}}, "x")
