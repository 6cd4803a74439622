"""The Slack Web API client: base URL from settings and slack_sdk's retry handlers."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.config import Settings, secret_value


def build_web_client(settings: Settings, *, token: str | None = None, timeout: int = 10) -> WebClient:
    """A WebClient that honours Retry-After on 429 and backs off on 5xx and dropped connections."""
    return WebClient(
        token=token or secret_value(settings.SLACK_BOT_TOKEN),
        base_url=settings.SLACK_API_URL,
        timeout=timeout,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=3),
            ServerErrorRetryHandler(max_retry_count=2),
        ],
    )
