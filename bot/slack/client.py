"""The one Slack Web API client, built at start-up with retry handlers."""

from __future__ import annotations

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.operators import GroupLookupError
from bot.slack.post import PostError, PostMessage
from bot.slack.render import Message


def build_web_client(
    *, token: str, base_url: str, timeout_s: int = 10, wait_when_rate_limited: bool = True
) -> AsyncWebClient:
    """A client for ``base_url`` that honours Retry-After and retries dropped connections.

    ``wait_when_rate_limited=False``: a 429 raises at once (``SlackApiError`` with the
    ``Retry-After`` header) for a caller that schedules the retry itself (a coalescer), so
    nothing waits twice.
    """
    handlers: list[AsyncRetryHandler] = [AsyncConnectionErrorRetryHandler(max_retry_count=2)]
    if wait_when_rate_limited:
        handlers.insert(0, AsyncRateLimitErrorRetryHandler(max_retry_count=3))
    return AsyncWebClient(
        token=token, base_url=base_url, timeout=timeout_s, retry_handlers=handlers
    )


async def usergroup_members(client: AsyncWebClient, group_id: str) -> list[str]:
    """The user ids in a user group (``usergroups.users.list``).

    Raises GroupLookupError with Slack's error code when Slack refuses, OSError when Slack
    cannot be reached.
    """
    try:
        response = await client.usergroups_users_list(usergroup=group_id)
    except SlackApiError as exc:
        code = str(exc.response.get("error") or "unknown_error")
        needed = exc.response.get("needed")
        raise GroupLookupError(code, f"the bot needs {needed}" if needed else "") from None
    except aiohttp.ClientError as exc:
        raise OSError(f"Slack unreachable: {type(exc).__name__}") from exc
    users = response.get("users")
    return [u for u in users if isinstance(u, str)] if isinstance(users, list) else []


def channel_poster(client: AsyncWebClient, channel: str) -> PostMessage:
    """Posts a rendered message to ``channel`` (the scheduled jobs' ``post``).

    Raises ``PostError`` naming why when Slack refuses or cannot be reached.
    """

    async def post(message: Message) -> None:
        try:
            await client.chat_postMessage(channel=channel, **message.as_kwargs())
        except SlackApiError as exc:
            code = str(exc.response.get("error") or "unknown_error")
            raise PostError(f"Slack refused the message to {channel}: {code}") from None
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise PostError(f"Slack unreachable: {type(exc).__name__}") from None

    return post
