"""Redis access: one asyncio client with bounded timeouts."""

from __future__ import annotations

from redis.asyncio import Redis


def build_redis(url: str, *, timeout_s: float = 5.0) -> Redis:
    """A client for ``redis://``, ``rediss://`` or ``unix://`` URLs; connects lazily."""
    return Redis.from_url(
        url,
        socket_timeout=timeout_s,
        socket_connect_timeout=timeout_s,
        health_check_interval=30,
        decode_responses=True,
    )
