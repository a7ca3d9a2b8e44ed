"""Database or cache unreachable: /health still answers, names what is down; /readyz says 503."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager

import pytest

from local_slack.server import LocalSlack
from tests.harness import BotUnderTest, start_bot_in_process

pytestmark = pytest.mark.stores  # depends on where PostgreSQL and Redis come from


def _closed_port() -> int:
    """A loopback port with nobody listening (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def hung_server() -> AsyncIterator[int]:
    """A TCP server that accepts connections and never answers."""
    held: list[asyncio.StreamWriter] = []

    async def accept(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    yield int(server.sockets[0].getsockname()[1])
    for writer in held:
        writer.close()
    server.close()
    await server.wait_closed()


def _text(call_body: dict[str, object]) -> str:
    blocks = call_body.get("blocks") or []
    assert isinstance(blocks, list)
    return "\n".join(str(b.get("text", {}).get("text", "")) for b in blocks if isinstance(b, dict))


async def _health_text(bot: BotUnderTest, slack: LocalSlack, key: str) -> str:
    reply = await bot.sender.command("/health", "", response_url=slack.response_url_for(key))
    assert reply.status == 200
    assert reply.elapsed_ms < 3000
    call = await slack.wait_for("response_url", predicate=lambda c: c.key == key, timeout=15)
    return _text(call.body)


async def test_database_down_is_named_and_bot_keeps_serving(
    bot_env: dict[str, str], local_slack: LocalSlack
) -> None:
    """With the database on a closed port, /health names it down, the cache OK; /readyz is 503."""
    env = {**bot_env, "DATABASE_URL": f"postgresql://postgres@127.0.0.1:{_closed_port()}/none"}
    async with _running(env) as bot:
        text = await _health_text(bot, local_slack, "db-down")
        assert "🔴 *Database* — " in text and "refused" in text.lower()
        assert "✅ *Cache (Redis)* — PONG" in text
        status, body = await bot.get("/readyz")
        assert status == 503 and '"database": "unavailable' in body
        status, _ = await bot.get("/healthz")
        assert status == 200
        assert "Health: down" in (await local_slack.wait_for("response_url")).body["text"]


async def test_redis_down_is_named_and_bot_keeps_serving(
    bot_env: dict[str, str], local_slack: LocalSlack
) -> None:
    """With Redis on a closed port, /health names the cache down and the database OK-or-empty."""
    env = {**bot_env, "REDIS_URL": f"redis://127.0.0.1:{_closed_port()}/0"}
    async with _running(env) as bot:
        text = await _health_text(bot, local_slack, "redis-down")
        assert "🔴 *Cache (Redis)* — " in text
        assert "*Database* — " in text and "🔴 *Database*" not in text
        status, body = await bot.get("/readyz")
        assert status == 503 and '"cache": "unavailable' in body
        again = await _health_text(bot, local_slack, "redis-down-again")
        assert "🔴 *Cache (Redis)*" in again


async def test_hung_database_times_out_and_report_still_arrives(
    bot_env: dict[str, str], local_slack: LocalSlack, hung_server: int
) -> None:
    """A database that accepts and never answers shows as a timeout/down, never as OK."""
    env = {
        **bot_env,
        "DATABASE_URL": f"postgresql://postgres@127.0.0.1:{hung_server}/none?connect_timeout=1",
    }
    async with _running(env) as bot:
        text = await _health_text(bot, local_slack, "db-hung")
        assert "✅ *Database*" not in text
        assert "*Database* — " in text


def _running(env: dict[str, str]) -> AbstractAsyncContextManager[BotUnderTest]:
    return start_bot_in_process(env, wait_migrated=False)
