"""Redis access: one asyncio client with bounded timeouts."""

from __future__ import annotations

from redis.asyncio import BlockingConnectionPool, Redis

MAX_CONNECTIONS = 50  # per process


def build_redis(url: str, *, timeout_s: float = 5.0) -> Redis:
    """A client for ``redis://``, ``rediss://`` or ``unix://`` URLs; connects lazily."""
    # A burst waits (bounded) for a free connection instead of failing with
    # MaxConnectionsError: locks, event dedup and /readyz share this pool.
    pool = BlockingConnectionPool.from_url(
        url,
        max_connections=MAX_CONNECTIONS,
        timeout=timeout_s,
        socket_timeout=timeout_s,
        socket_connect_timeout=timeout_s,
        health_check_interval=30,
        decode_responses=True,
    )
    return Redis.from_pool(pool)
