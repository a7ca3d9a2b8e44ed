"""Probes of the bot's own stores: the database (connect, count) and the cache (PING)."""

from __future__ import annotations

import time

import psycopg
from psycopg_pool import PoolTimeout
from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.health.probes.base import ProbeResult, ProbeState
from bot.i18n.said import Said
from bot.i18n.translator import N_
from bot.stores.db import Database

NOT_CONFIGURED = Said(N_("not configured"))


def _elapsed_ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


async def probe_database(db: Database | None, *, timeout_s: float) -> ProbeResult:
    """Connect, count active models, measure latency; name the reason when it fails."""
    name, group = "Database", "db"
    if db is None:
        return ProbeResult(name, group, ProbeState.UNKNOWN, None, NOT_CONFIGURED, "unconfigured")
    started = time.perf_counter()
    try:
        count = await db.count_active_models(timeout_s=min(1.0, timeout_s / 4))
    except (PoolTimeout, psycopg.Error) as exc:
        problem = await db.explain(exc, timeout_s=max(1.0, timeout_s / 2))
        # A server that answered (a missing table, a refused password) is not "unreachable".
        state = ProbeState.DOWN if problem.transient else ProbeState.DEGRADED
        code = "unreachable" if problem.transient else "query_failed"
        return ProbeResult(name, group, state, _elapsed_ms(started), problem.said, code)
    # The database itself is healthy whatever the count; an empty or shrunken model table is
    # the data checks' business (app probe, sync drop guard), so it is stated, not judged, here.
    detail = (
        Said(N_("%(num)s active models"), num=count)
        if count
        else Said(N_("0 active models (the models table is empty)"))
    )
    facts: dict[str, str | int | float | None] = {"active_models": count}
    return ProbeResult(name, group, ProbeState.OK, _elapsed_ms(started), detail, "ok", facts)


async def probe_cache(redis: Redis | None, *, timeout_s: float) -> ProbeResult:
    """Redis PING with its latency."""
    name, group = "Cache (Redis)", "cache"
    if redis is None:
        return ProbeResult(name, group, ProbeState.UNKNOWN, None, NOT_CONFIGURED, "unconfigured")
    started = time.perf_counter()
    try:
        pong = await redis.ping()
    except (RedisError, OSError) as exc:
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return ProbeResult(
            name, group, ProbeState.DOWN, _elapsed_ms(started), detail, "unreachable"
        )
    latency = _elapsed_ms(started)
    if not pong:
        return ProbeResult(
            name, group, ProbeState.DEGRADED, latency, Said(N_("PING got no PONG")), "bad_reply"
        )
    return ProbeResult(name, group, ProbeState.OK, latency, "PONG", "ok")
