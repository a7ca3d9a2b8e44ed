"""The probes' ResultCache on Redis, falling back to process memory while Redis is down."""

from __future__ import annotations

import logging

from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.probes.cache_protocol import MemoryResultCache

log = logging.getLogger(__name__)

# The bot's own keys; never under the app's cache prefixes, so clearing those never hits these.
KEY_PREFIX = "aisi-bot:probe-cache:"


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
