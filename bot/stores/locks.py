"""One run at a time across replicas: a Redis lock with a token and an expiry."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from redis.asyncio import Redis

LOCK_PREFIX = "aisi-bot:lock:"

# Delete the key only if it still holds our token (never someone else's lock).
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('del', KEYS[1])
end
return 0
"""
_EXTEND = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""


@dataclass(frozen=True)
class LockHolder:
    """Who holds a lock and since when."""

    holder: str
    since: datetime


@dataclass(frozen=True)
class HeldLock:
    """A lock this process holds: release it with ``RedisLocks.release``."""

    name: str
    value: str


class RedisLocks:
    """Named locks: SET NX PX to take, compare-and-delete to release."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def acquire(self, name: str, *, holder: str, ttl_s: float) -> HeldLock | None:
        """Take the lock, or None if someone else holds it."""
        value = json.dumps(
            {
                "token": secrets.token_hex(16),
                "holder": holder,
                "since": datetime.now(UTC).isoformat(),
            }
        )
        taken = await self._redis.set(LOCK_PREFIX + name, value, nx=True, px=int(ttl_s * 1000))
        return HeldLock(name, value) if taken else None

    async def holder(self, name: str) -> LockHolder | None:
        """Who holds the lock now (None if free or unreadable)."""
        raw = await self._redis.get(LOCK_PREFIX + name)
        if raw is None:
            return None
        try:
            data = json.loads(raw)
            return LockHolder(str(data["holder"]), datetime.fromisoformat(data["since"]))
        except (ValueError, KeyError, TypeError):
            return None

    async def extend(self, lock: HeldLock, ttl_s: float) -> bool:
        """Push the expiry out while long work runs; False if the lock was lost."""
        result = await self._redis.eval(
            _EXTEND, 1, LOCK_PREFIX + lock.name, lock.value, int(ttl_s * 1000)
        )
        return bool(result)

    async def release(self, lock: HeldLock) -> bool:
        """Release if still ours; False if it had expired or been taken over."""
        result = await self._redis.eval(_RELEASE, 1, LOCK_PREFIX + lock.name, lock.value)
        return bool(result)
