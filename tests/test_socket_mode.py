"""Socket Mode: no public URL; envelopes over a local WebSocket, reconnecting after a drop."""

from __future__ import annotations

from bot.local_slack.payloads import slash_command_form
from bot.local_slack.server import LocalSlack
from tests.harness import start_bot_process


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
