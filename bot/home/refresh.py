"""Keeping App Home current: who opened it lately (Redis), and a notifier wrapper that signals
each incident change, so the open tabs are republished from the stores (coalesced, never on
the alert path)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence

from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.incidents.changes import ChangeLine
from bot.incidents.machine import EscalationStep
from bot.incidents.model import Incident, IncidentEvent
from bot.incidents.notify import IncidentNotifier, MessageRef
from bot.incidents.support import SupportRequest

log = logging.getLogger(__name__)

VIEWERS_KEY = "aisi:home:viewers"
VIEWER_TTL_S = 15 * 60  # a tab opened this long ago is still refreshed
MAX_VIEWERS = 500  # the most recent viewers kept (each refresh publishes once per viewer)


class HomeViewers:
    """The people who opened App Home in the last ``ttl_s`` seconds, shared across replicas
    (a Redis sorted set scored by when they opened it; the set itself expires when idle)."""

    def __init__(
        self,
        redis: Redis,
        *,
        ttl_s: float = VIEWER_TTL_S,
        limit: int = MAX_VIEWERS,
        clock: Callable[[], float] = time.time,
        timeout_s: float = 2.0,
    ) -> None:
        self._redis = redis
        self._ttl_s = ttl_s
        self._limit = limit
        self._clock = clock
        self._timeout_s = timeout_s

    async def remember(self, user_id: str) -> None:
        """Note that ``user_id`` opened the tab now (a Redis failure is only logged)."""
        now = self._clock()
        try:
            async with asyncio.timeout(self._timeout_s):
                pipe = self._redis.pipeline(transaction=True)
                pipe.zadd(VIEWERS_KEY, {user_id: now})
                pipe.zremrangebyscore(VIEWERS_KEY, "-inf", now - self._ttl_s)
                pipe.zremrangebyrank(VIEWERS_KEY, 0, -self._limit - 1)
                pipe.expire(VIEWERS_KEY, int(self._ttl_s) + 1)
                await pipe.execute()
        except (RedisError, OSError, TimeoutError) as exc:
            log.info("could not remember an App Home viewer (%s)", type(exc).__name__)

    async def recent(self) -> list[str]:
        """Who opened the tab within the TTL, most recent first ([] when Redis fails)."""
        try:
            async with asyncio.timeout(self._timeout_s):
                raw = await self._redis.zrevrangebyscore(
                    VIEWERS_KEY, "+inf", self._clock() - self._ttl_s, start=0, num=self._limit
                )
        except (RedisError, OSError, TimeoutError) as exc:
            log.info("could not read the App Home viewers (%s)", type(exc).__name__)
            return []
        return [v.decode() if isinstance(v, bytes) else str(v) for v in raw]


class SignallingNotifier:
    """An ``IncidentNotifier`` that passes every call on and, after an incident's message
    changed (posted or updated), calls ``changed()``: a non-blocking signal (it only queues
    a refresh). The signal never delays or breaks the notification itself."""

    def __init__(self, inner: IncidentNotifier, changed: Callable[[], None]) -> None:
        self.inner = inner
        self._changed = changed

    def _signal(self) -> None:
        try:
            self._changed()
        except Exception:  # a refresh must never break an alert
            log.exception("App Home refresh signal failed")

    async def incident_changed(
        self, incident: Incident, event: IncidentEvent | None
    ) -> MessageRef | None:
        try:
            return await self.inner.incident_changed(incident, event)
        finally:
            self._signal()

    async def thread_line(self, incident: Incident, event: IncidentEvent) -> None:
        await self.inner.thread_line(incident, event)

    async def page_level2(
        self, incident: Incident, user_ids: tuple[str, ...], step: EscalationStep
    ) -> None:
        await self.inner.page_level2(incident, user_ids, step)

    async def level3_request(self, incident: Incident, request: SupportRequest) -> None:
        await self.inner.level3_request(incident, request)

    async def what_changed(self, incident: Incident, lines: Sequence[ChangeLine]) -> None:
        await self.inner.what_changed(incident, lines)
