"""Clearing the app's Redis cache by key prefix: SCAN + UNLINK, never FLUSHALL."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from redis.asyncio import Redis

_GLOB_SPECIAL = str.maketrans({c: "\\" + c for c in "*?[]\\"})


async def clear_prefixes(redis: Redis, prefixes: Sequence[str], *, batch: int = 500) -> int:
    """Delete every key under the given prefixes; returns how many were removed."""
    counts = await clear_prefixes_counted(redis, prefixes, batch=batch)
    return sum(count.keys for count in counts)


@dataclass(frozen=True)
class PrefixCount:
    """Keys under one prefix: how many were removed (or, in a dry run, would be), a sample."""

    prefix: str
    keys: int
    sample: tuple[str, ...] = ()


async def clear_prefixes_counted(
    redis: Redis,
    prefixes: Sequence[str],
    *,
    batch: int = 500,
    dry_run: bool = False,
    sample_size: int = 3,
) -> list[PrefixCount]:
    """Per prefix, SCAN in batches and UNLINK each batch (a dry run only counts).

    Only keys of the client's own database that start with a prefix are touched; an
    empty prefix is refused (it would match everything). Counts are what UNLINK removed,
    or in a dry run the distinct keys found (SCAN may repeat a key).
    """
    results: list[PrefixCount] = []
    for prefix in prefixes:
        if not prefix:
            continue
        pattern = prefix.translate(_GLOB_SPECIAL) + "*"
        seen: set[str] = set()
        sample: list[str] = []
        removed = 0
        pending: list[str] = []
        async for key in redis.scan_iter(match=pattern, count=batch):
            if len(sample) < sample_size and key not in sample:
                sample.append(key)
            if dry_run:
                seen.add(key)
                continue
            pending.append(key)
            if len(pending) >= batch:
                removed += int(await redis.unlink(*pending))
                pending.clear()
        if pending:
            removed += int(await redis.unlink(*pending))
        results.append(PrefixCount(prefix, len(seen) if dry_run else removed, tuple(sample)))
    return results
