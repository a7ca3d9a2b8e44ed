"""App Home on Slack: render the stored snapshot in each viewer's language and publish it.

``publish`` is what opening the tab does (the viewer is remembered for a while);
``refresh_soon`` is the signal an incident change gives (``bot.home.SignallingNotifier``):
it only queues one coalesced refresh, which reads the snapshot once and republishes the tab
of everyone who opened it lately. Nothing here waits for a live probe.
"""

from __future__ import annotations

import logging

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.home import HomeReader, HomeSnapshot, HomeViewers
from bot.slack.coalesce import Coalescer, CoalescerClosedError
from bot.slack.locale import UserLocales
from bot.slack.render import Message, Renderer, Surface

log = logging.getLogger(__name__)

TEMPLATE = "home"
REFRESH_INTERVAL_S = 2.0  # at most one refresh of every open tab this often
_ALL = "all"


class HomePublisher:
    """Publishes App Home views from the stores (``HomeReader``), per viewer's language."""

    def __init__(
        self,
        *,
        slack: AsyncWebClient,
        renderer: Renderer,
        reader: HomeReader,
        viewers: HomeViewers,
        locales: UserLocales,
        channel: str,
        enabled: bool = True,
        refresh_interval_s: float = REFRESH_INTERVAL_S,
    ) -> None:
        self._slack = slack
        self._renderer = renderer
        self.reader = reader
        self.viewers = viewers
        self._locales = locales
        self._channel = channel
        self._enabled = enabled  # False without a Slack token: nothing to publish with
        self._refreshes: Coalescer[str, None] = Coalescer(
            self._refresh, interval_s=refresh_interval_s
        )

    def render(self, snapshot: HomeSnapshot, lang: str) -> Message:
        """The home view's blocks for ``snapshot`` in ``lang``."""
        return self._renderer.render(
            TEMPLATE, surface=Surface.HOME, lang=lang, home=snapshot, channel=self._channel
        )

    async def opened(self, user_id: str) -> None:
        """Someone opened the tab: remember them (for refreshes) and publish theirs."""
        await self.viewers.remember(user_id)
        await self.publish(user_id)

    async def publish(self, user_id: str, snapshot: HomeSnapshot | None = None) -> None:
        """Publish ``user_id``'s tab in their language (raises what views.publish raises)."""
        lang = await self._locales.language(user_id)
        message = self.render(snapshot or await self.reader.read(), lang)
        await self._slack.views_publish(
            user_id=user_id, view={"type": "home", "blocks": message.blocks}
        )

    def refresh_soon(self) -> None:
        """Queue a refresh of every recently opened tab (never waits; coalesced)."""
        if not self._enabled:
            return
        try:
            self._refreshes.submit(_ALL, None)
        except (CoalescerClosedError, RuntimeError):  # closing, or no event loop
            log.debug("App Home refresh not queued")

    async def flush(self, timeout_s: float | None = None) -> None:
        """Wait until the queued refreshes are done."""
        await self._refreshes.flush(timeout_s)

    async def aclose(self, timeout_s: float = 5.0) -> None:
        """Finish the queued refresh (bounded), take no more."""
        await self._refreshes.aclose(timeout_s=timeout_s)

    async def _refresh(self, _key: str, _payload: None) -> None:
        users = await self.viewers.recent()
        if not users:
            return
        snapshot = await self.reader.read()
        for user_id in users:
            try:
                await self.publish(user_id, snapshot)
            except (SlackApiError, aiohttp.ClientError, TimeoutError, OSError) as exc:
                log.info("App Home refresh for a viewer failed: %s", type(exc).__name__)
