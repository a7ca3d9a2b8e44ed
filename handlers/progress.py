"""A long job's progress in one Slack message: posted once, updated in place, then the result.

``start`` posts the message in the channel; ``update`` replaces its content, at most once a
second (``bot.slack.coalesce``: a burst of steps becomes one update showing the newest); ``finish``
shows the final content at once. When the bot cannot post in the channel (not invited, a
DM it cannot reach), or the final update fails, the final content goes through the
command's ``response_url`` instead: the person always gets the result. /sync uses it, and
/recover will.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.coalesce import Coalescer, RetryAfter
from bot.slack.render import Message
from bot.upstream.http import parse_retry_after

log = logging.getLogger(__name__)

UPDATE_INTERVAL_S = 1.0
Reply = Callable[[Message], Awaitable[object]]


class ProgressMessage:
    """One progress message in ``channel``; ``reply`` is the response_url fallback."""

    def __init__(
        self,
        client: AsyncWebClient,
        channel: str,
        reply: Reply,
        *,
        interval_s: float = UPDATE_INTERVAL_S,
    ) -> None:
        self._client = client
        self._channel = channel
        self._reply = reply
        self._ts: str | None = None
        self._finished = False
        self._updates: Coalescer[str, Message] = Coalescer(self._update, interval_s=interval_s)

    @property
    def ts(self) -> str | None:
        """The posted message's timestamp; None when it could not be posted."""
        return self._ts

    async def start(self, message: Message) -> None:
        """Post the message (when the channel refuses, only the result will be sent, by reply)."""
        try:
            posted = await self._client.chat_postMessage(
                channel=self._channel, **message.as_kwargs()
            )
        except SlackApiError as exc:
            log.info(
                "cannot post progress in %s (%s); the result goes by response_url",
                self._channel,
                exc.response.get("error"),
            )
            return
        self._ts = str(posted.get("ts"))

    def update(self, message: Message) -> None:
        """Show ``message`` in place (coalesced: only the newest of a burst is sent)."""
        if self._ts is not None and not self._finished:
            self._updates.submit(self._ts, message)

    async def finish(self, message: Message) -> None:
        """Show the final ``message`` now: in place, else by reply."""
        self._finished = True
        try:
            if self._ts is not None:
                try:
                    await self._updates.send_now(self._ts, message)
                    return
                except (SlackApiError, RetryAfter) as exc:
                    log.warning("final update failed (%s); replying instead", _why(exc))
            await self._reply(message)
        finally:
            await self._updates.aclose(timeout_s=0)

    async def _update(self, ts: str, message: Message) -> None:
        try:
            await self._client.chat_update(channel=self._channel, ts=ts, **message.as_kwargs())
        except SlackApiError as exc:
            if exc.response.get("error") == "ratelimited":
                wait = parse_retry_after(exc.response.headers.get("Retry-After"))
                raise RetryAfter(wait if wait is not None else UPDATE_INTERVAL_S) from None
            if self._finished:
                raise
            log.warning("progress update failed: %s", exc.response.get("error"))


def _why(exc: Exception) -> str:
    if isinstance(exc, SlackApiError):
        return str(exc.response.get("error"))
    return type(exc).__name__
