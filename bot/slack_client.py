"""The Slack Web API client: base URL from settings, and retry handlers that never post twice.

slack_sdk's stock handlers repeat any call that met a 5xx or a dropped connection. For a read
that is harmless; for `chat.postMessage` it is a duplicate whenever Slack had already posted the
message before it failed to answer. So inside a call, only what is safe to repeat is repeated:

- a rate limit (HTTP 429): Slack refused before doing anything; wait `Retry-After`, send again;
- a connection that was never made (refused, name not resolved, connect timed out): the
  request never left;
- a 5xx or a lost answer for a method that reads, or sets a state by value
  (`IDEMPOTENT_METHODS`): sending it again changes nothing.

Anything else (a post that met a 5xx or a timeout) is raised to the caller: the outbox sender
checks Slack for it by its delivery key before any resend (`bot.delivery.reconcile`).
"""

from __future__ import annotations

import socket
from http.client import RemoteDisconnected
from urllib.error import URLError
from urllib.parse import urlsplit

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from bot.config import Settings, secret_value

# Web API methods that read, or set a state by value: Slack doing one twice changes nothing.
# Not here, because a second call is a second effect: chat.postMessage, chat.postEphemeral,
# views.open and views.push (a second modal, or an expired trigger), reactions.add, files.*.
IDEMPOTENT_METHODS = frozenset(
    {
        "api.test",
        "auth.test",
        "bots.info",
        "chat.getPermalink",
        "chat.update",
        "conversations.history",
        "conversations.info",
        "conversations.join",
        "conversations.list",
        "conversations.members",
        "conversations.open",
        "conversations.replies",
        "users.conversations",
        "users.info",
        "users.list",
        "users.lookupByEmail",
        "views.publish",
        "views.update",
    }
)

SERVER_ERROR_STATUSES = frozenset({500, 502, 503, 504})


def method_of(request: HttpRequest) -> str:
    """The Web API method a request calls: the last part of its URL's path."""
    return urlsplit(request.url).path.rsplit("/", 1)[-1]


def never_sent(error: Exception) -> bool:
    """Whether a connection error happened before the request could reach Slack.

    urllib wraps in URLError what fails while connecting or sending; a refused connection, a
    name that did not resolve, or a connect that timed out leave Slack nothing to process.
    """
    reason = error.reason if isinstance(error, URLError) else error
    return isinstance(reason, ConnectionRefusedError | socket.gaierror) or (
        isinstance(error, URLError) and isinstance(reason, TimeoutError)
    )


class IdempotentServerErrorRetryHandler(RetryHandler):
    """Backs off and retries a 5xx, for methods safe to repeat only: Slack may have done the work."""

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return (
            response is not None
            and response.status_code in SERVER_ERROR_STATUSES
            and method_of(request) in IDEMPOTENT_METHODS
        )


class SafeConnectionErrorRetryHandler(RetryHandler):
    """Retries a connection error when the request never left, or when the method is safe to repeat."""

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if error is None or response is not None:
            return False
        if never_sent(error):
            return True
        lost = isinstance(error, URLError | ConnectionResetError | RemoteDisconnected | TimeoutError)
        return lost and method_of(request) in IDEMPOTENT_METHODS


def safe_retry_handlers() -> list[RetryHandler]:
    return [
        SafeConnectionErrorRetryHandler(max_retry_count=2),
        RateLimitErrorRetryHandler(max_retry_count=3),
        IdempotentServerErrorRetryHandler(max_retry_count=2),
    ]


def build_web_client(settings: Settings, *, token: str | None = None, timeout: int = 10) -> WebClient:
    """A WebClient that honours Retry-After on 429 and repeats only what cannot post twice."""
    return WebClient(
        token=token or secret_value(settings.SLACK_BOT_TOKEN),
        base_url=settings.SLACK_API_URL,
        timeout=timeout,
        retry_handlers=safe_retry_handlers(),
    )
