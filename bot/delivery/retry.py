"""What a failed Slack call means for its outbox row: retry when, or give up now.

slack_sdk's retry handlers have already retried within the call; what reaches the sender
is a failure that outlived them. Three kinds:

- rate limited (HTTP 429): try again after Slack's `Retry-After`;
- transient (`ratelimited` in a 200, `service_unavailable`...): back off exponentially, with
  jitter so thousands of rows do not come back in the same second;
- permanent (`channel_not_found`, `invalid_blocks`...): no retry can fix it, fail at once.

A 5xx, Slack's own `internal_error`, `fatal_error` or `request_timeout`, a dropped connection
or a timeout are transient but *uncertain*: Slack may have done the work (posted the message)
before it failed to answer, as its documentation warns. The sender treats such a row as
possibly delivered and checks Slack before sending it again.
"""

from __future__ import annotations

import datetime as dt
import http.client
import random
from dataclasses import dataclass
from enum import StrEnum

from slack_sdk.errors import SlackApiError

BACKOFF_BASE_SECONDS = 5.0
BACKOFF_CAP_SECONDS = 15 * 60.0
DEFAULT_RETRY_AFTER_SECONDS = 30.0

# Slack errors after which the call may have taken effect: checked before it is sent again.
UNCERTAIN_ERRORS = frozenset({"internal_error", "fatal_error", "request_timeout"})

# Slack errors worth another try; any other `ok: false` is a request Slack will refuse again.
TRANSIENT_ERRORS = frozenset(
    {
        "service_unavailable",
        "ratelimited",
        "rate_limited",
        "message_limit_exceeded",
        "team_added_to_org",
    }
)


class FailureKind(StrEnum):
    RATE_LIMITED = "rate_limited"
    TRANSIENT = "transient"
    UNCERTAIN = "uncertain"
    PERMANENT = "permanent"


@dataclass(frozen=True)
class Failure:
    """A classified failure: its kind, a line for `last_error`, and Slack's Retry-After if any."""

    kind: FailureKind
    error: str
    retry_after: float | None = None

    @property
    def retryable(self) -> bool:
        return self.kind is not FailureKind.PERMANENT


def classify(exc: Exception) -> Failure:
    """Sort an exception from a Slack call into retry-after, back-off, uncertain or permanent."""
    if isinstance(exc, SlackApiError):
        status = exc.response.status_code
        error = str(exc.response.get("error") or "unknown_error")
        if status == 429:
            return Failure(
                FailureKind.RATE_LIMITED,
                f"{error} (HTTP 429)",
                retry_after=_retry_after(exc.response.headers),
            )
        if status >= 500:
            return Failure(FailureKind.UNCERTAIN, f"{error} (HTTP {status})")
        if error in UNCERTAIN_ERRORS:
            return Failure(FailureKind.UNCERTAIN, error)
        if error in TRANSIENT_ERRORS:
            return Failure(FailureKind.TRANSIENT, error)
        return Failure(FailureKind.PERMANENT, error)
    if isinstance(exc, OSError | http.client.HTTPException):
        # URLError, ConnectionResetError, RemoteDisconnected, TimeoutError: no answer was read.
        return Failure(FailureKind.UNCERTAIN, f"connection: {type(exc).__name__}: {exc}"[:500])
    return Failure(FailureKind.TRANSIENT, f"{type(exc).__name__}: {exc}"[:500])


def is_slack_or_network_error(exc: Exception) -> bool:
    """An error Slack or the network gave (expected), as opposed to a bug in building the call."""
    return isinstance(exc, SlackApiError | OSError | http.client.HTTPException)


def _retry_after(headers: dict[str, object]) -> float:
    for name, value in headers.items():
        if name.lower() == "retry-after":
            raw = value[0] if isinstance(value, list | tuple) and value else value
            try:
                return max(1.0, float(str(raw)))
            except ValueError:
                break
    return DEFAULT_RETRY_AFTER_SECONDS


def backoff(attempts: int, *, rng: random.Random | None = None) -> dt.timedelta:
    """Wait before attempt `attempts + 1`: base * 2^(attempts-1), capped, with half of it random."""
    ceiling = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(0, attempts - 1))
    jitter = (rng or random).uniform(0.5, 1.0)
    return dt.timedelta(seconds=ceiling * jitter)


def retry_delay(failure: Failure, *, attempts: int, rng: random.Random | None = None) -> dt.timedelta:
    """Slack's Retry-After when it gave one (plus a little spread), else exponential back-off."""
    if failure.retry_after is not None:
        spread = (rng or random).uniform(0.0, min(5.0, failure.retry_after * 0.2))
        return dt.timedelta(seconds=failure.retry_after + spread)
    return backoff(attempts, rng=rng)
