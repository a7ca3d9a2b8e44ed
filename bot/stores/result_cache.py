"""A string cache with a time to live per entry: the contract, in memory, and on Redis.

Probes keep a parsed result for a few seconds to an hour, and the AA source its raw answer
for hours, so that an upstream with a request quota or a slow status page is not called
on every command. The Redis cache falls back to process memory while Redis is down.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Protocol, runtime_checkable

from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

# The bot's own keys; never under the app's cache prefixes, so clearing those never hits these.
KEY_PREFIX = "aisi-bot:probe-cache:"


@runtime_checkable
class ResultCache(Protocol):
    """A string cache with a time to live per entry."""

    async def get(self, key: str) -> str | None:
        """The stored value, or None when absent or expired."""
        ...

    async def set(self, key: str, value: str, ttl_s: int) -> None:
        """Store ``value`` under ``key`` for ``ttl_s`` seconds."""
        ...


class MemoryResultCache:
    """An in-process ResultCache; ``clock`` (monotonic seconds) is injectable for tests."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._entries: dict[str, tuple[str, float]] = {}

    async def get(self, key: str) -> str | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        value, expires_at = entry
        if self._clock() >= expires_at:
            del self._entries[key]
            return None
        return value

    async def set(self, key: str, value: str, ttl_s: int) -> None:
        if ttl_s <= 0:
            self._entries.pop(key, None)
            return
        self._entries[key] = (value, self._clock() + ttl_s)

    def __len__(self) -> int:
        return len(self._entries)


class RedisResultCache:
    """Shared across replicas through Redis; a Redis failure degrades to a local cache."""

    def __init__(self, redis: Redis, fallback: MemoryResultCache | None = None) -> None:
        self._redis = redis
        self._fallback = fallback or MemoryResultCache()

    async def get(self, key: str) -> str | None:
        """The cached value (Redis first, then the local copy when Redis fails)."""
        try:
            value = await self._redis.get(KEY_PREFIX + key)
        except (RedisError, OSError) as exc:
            log.debug("probe cache read fell back to memory: %s", type(exc).__name__)
            return await self._fallback.get(key)
        return str(value) if value is not None else None

    async def set(self, key: str, value: str, ttl_s: int) -> None:
        """Store in Redis with a TTL, and locally so a Redis outage keeps the quota safe."""
        await self._fallback.set(key, value, ttl_s)
        if ttl_s <= 0:
            return
        try:
            await self._redis.set(KEY_PREFIX + key, value, ex=ttl_s)
        except (RedisError, OSError) as exc:
            log.debug("probe cache write skipped Redis: %s", type(exc).__name__)
