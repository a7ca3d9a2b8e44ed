"""Socket Mode: no public URL; envelopes over a local WebSocket, reconnecting after a drop."""

from __future__ import annotations

import asyncio
import json
import signal
import time
from typing import Any

import psycopg
import pytest

from bot.stores.db import _MIGRATION_LOCK_KEY
from local_slack.payloads import slash_command_form
from local_slack.server import LocalSlack
from tests.conftest import LOOPBACK_CLOSED
from tests.harness import BotUnderTest, start_bot_process


def _socket_env(bot_env: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in bot_env.items() if k != "SLACK_SIGNING_SECRET"}
    env["SLACK_APP_TOKEN"] = "xapp-test-" + "1" * 20
    return env


async def _health_over_socket(slack: LocalSlack, key: str) -> None:
    payload = slash_command_form("/health", "cache", response_url=slack.response_url_for(key))
    envelope_id = await slack.socket_send("slash_commands", dict(payload), timeout=20)
    ack = await slack.wait_socket_ack(envelope_id, timeout=10)
    assert ack["envelope_id"] == envelope_id
    call = await slack.wait_for("response_url", predicate=lambda c: c.key == key, timeout=15)
    assert "PONG" in str(call.body["blocks"])


async def test_health_arrives_over_socket_mode_and_survives_a_dropped_connection(
    bot_env: dict[str, str], local_slack: LocalSlack
) -> None:
    """/health over Socket Mode is acked and answered; after a drop the bot reconnects."""
    async with start_bot_process(_socket_env(bot_env)) as bot:
        await local_slack.wait_socket_connected(1, timeout=20)
        assert local_slack.calls_for("apps.connections.open")
        await _health_over_socket(local_slack, "socket-1")

        await local_slack.drop_socket_connections()
        await local_slack.wait_socket_connected(2, timeout=30)
        await _health_over_socket(local_slack, "socket-2")
        assert len(local_slack.calls_for("apps.connections.open")) >= 2
        assert any("Socket Mode connected" in line for line in bot.output)
        status, _ = await bot.get("/slack/events")
        assert status in (404, 405)


async def _ready(bot: BotUnderTest) -> tuple[int, dict[str, Any]]:
    status, text = await bot.get("/readyz")
    return status, json.loads(text)


async def _until_readyz(bot: BotUnderTest, wanted: int, within_s: float) -> dict[str, Any]:
    """Ask /readyz until it answers ``wanted`` (the bot's connection state is outside the test)."""
    deadline = time.monotonic() + within_s
    while True:
        status, body = await _ready(bot)
        if status == wanted:
            return body
        assert time.monotonic() < deadline, f"/readyz still {status} {body}"
        await asyncio.sleep(0.05)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
async def test_socket_mode_with_slack_unreachable_is_not_ready_and_stops_on_a_signal(
    bot_env: dict[str, str], sig: signal.Signals
) -> None:
    """Slack at a closed port: /readyz says not connected; SIGTERM/SIGINT exit within 5 s."""
    env = {**_socket_env(bot_env), "SLACK_API_URL": LOOPBACK_CLOSED + "/api/"}
    async with start_bot_process(env) as bot:
        status, body = await _ready(bot)
        assert status == 503
        assert body["checks"]["slack"].startswith("not connected to Slack")
        assert body["checks"]["database"] == body["checks"]["cache"] == "ok"
        assert bot.process is not None
        started = time.monotonic()
        bot.process.send_signal(sig)
        assert await bot.wait_exit(10) == 0
        assert time.monotonic() - started < 5.0
    assert not any("Socket Mode connected" in line for line in bot.output)


async def test_socket_mode_reconnecting_to_a_vanished_slack_stops_on_sigterm(
    bot_env: dict[str, str], local_slack: LocalSlack
) -> None:
    """Connected (ready), then Slack goes away: not ready while reconnecting; SIGTERM < 5 s."""
    async with start_bot_process(_socket_env(bot_env)) as bot:
        await local_slack.wait_socket_connected(1, timeout=20)
        body = await _until_readyz(bot, 200, within_s=10)
        assert body["checks"]["slack"] == "ok"
        await local_slack.stop()  # drops the WebSocket; connections.open now refused
        body = await _until_readyz(bot, 503, within_s=15)
        assert body["checks"]["slack"].startswith("not connected to Slack")
        started = time.monotonic()
        bot.terminate()
        assert await bot.wait_exit(10) == 0
        assert time.monotonic() - started < 5.0


async def test_no_socket_mode_connection_before_the_migrations_are_applied(
    bot_env: dict[str, str], local_slack: LocalSlack, empty_database: str
) -> None:
    """The migration lock held elsewhere: /readyz names the migrations and the bot has not
    asked Slack for a WebSocket; released, it connects and answers."""
    env = {**_socket_env(bot_env), "DATABASE_URL": empty_database}
    async with await psycopg.AsyncConnection.connect(empty_database, autocommit=True) as holder:
        await holder.execute("SELECT pg_advisory_lock(%s)", (_MIGRATION_LOCK_KEY,))
        async with start_bot_process(env, wait_accepting=False) as bot:
            for _ in range(10):  # half a second of "migrations running"
                status, body = await _ready(bot)
                assert status == 503 and body["checks"]["startup"] == "migrations running"
                await asyncio.sleep(0.05)
            assert local_slack.calls_for("apps.connections.open") == []
            await holder.execute("SELECT pg_advisory_unlock(%s)", (_MIGRATION_LOCK_KEY,))
            await local_slack.wait_socket_connected(1, timeout=30)
            await _health_over_socket(local_slack, "socket-after-migrations")
