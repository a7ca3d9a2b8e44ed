"""The one Slack Web API client, built at start-up with retry handlers."""

from __future__ import annotations

from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient


def build_web_client(*, token: str, base_url: str, timeout_s: int = 10) -> AsyncWebClient:
    """A client for ``base_url`` that honours Retry-After and retries dropped connections."""
    return AsyncWebClient(
        token=token,
        base_url=base_url,
        timeout=timeout_s,
        retry_handlers=[
            AsyncRateLimitErrorRetryHandler(max_retry_count=3),
            AsyncConnectionErrorRetryHandler(max_retry_count=2),
        ],
    )
