"""Clearing the app's Redis cache by key prefix: SCAN + UNLINK, never FLUSHALL."""

from __future__ import annotations

from collections.abc import Sequence

from redis.asyncio import Redis

_GLOB_SPECIAL = str.maketrans({c: "\\" + c for c in "*?[]\\"})


async def clear_prefixes(redis: Redis, prefixes: Sequence[str], *, batch: int = 500) -> int:
    """Delete every key under the given prefixes; returns how many were removed."""
    removed = 0
    for prefix in prefixes:
        if not prefix:
            continue  # an empty prefix would match everything: never
        pattern = prefix.translate(_GLOB_SPECIAL) + "*"
        pending: list[str] = []
        async for key in redis.scan_iter(match=pattern, count=batch):
            pending.append(key)
            if len(pending) >= batch:
                removed += int(await redis.unlink(*pending))
                pending.clear()
        if pending:
            removed += int(await redis.unlink(*pending))
    return removed
