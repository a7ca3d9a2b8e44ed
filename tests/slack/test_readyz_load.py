"""/readyz under a crowd of pollers: no false 503, and the stores asked about once a second."""

from __future__ import annotations

import asyncio
import time

import aiohttp
from redis.asyncio import Redis

from tests.harness import BotUnderTest

CLIENTS = 300
SECONDS = 5.0


async def _pings(redis_url: str) -> int:
    client = Redis.from_url(redis_url)
    try:
        stats = await client.info("commandstats")
    finally:
        await client.aclose()
    return int(stats.get("cmdstat_ping", {}).get("calls", 0))


async def test_300_pollers_get_no_false_503_and_the_stores_are_asked_rarely(
    bot: BotUnderTest, redis_url: str
) -> None:
    """300 clients polling for 5 s: every answer 200; Redis PINGed < 10 times a second."""
    statuses: dict[int, int] = {}
    before = await _pings(redis_url)
    started = time.monotonic()

    async def poller(session: aiohttp.ClientSession) -> None:
        while time.monotonic() - started < SECONDS:
            async with session.get(bot.url + "/readyz") as resp:
                await resp.read()
                statuses[resp.status] = statuses.get(resp.status, 0) + 1

    connector = aiohttp.TCPConnector(limit=CLIENTS)
    async with aiohttp.ClientSession(connector=connector) as session:
        await asyncio.gather(*(poller(session) for _ in range(CLIENTS)))
    elapsed = time.monotonic() - started
    pings = await _pings(redis_url) - before
    assert set(statuses) == {200}, statuses
    assert sum(statuses.values()) > CLIENTS
    assert pings / elapsed < 10, (pings, elapsed)
