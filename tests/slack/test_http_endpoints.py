"""/healthz, /readyz and /metrics on the bot's own HTTP server."""

from __future__ import annotations

import json

from local_slack.server import LocalSlack
from tests.harness import BotUnderTest


async def test_healthz_and_readyz_when_everything_is_up(bot: BotUnderTest) -> None:
    """/healthz says alive; /readyz says ready with database and cache ok."""
    status, body = await bot.get("/healthz")
    assert status == 200 and json.loads(body)["status"] == "alive"
    status, body = await bot.get("/readyz")
    assert status == 200
    assert json.loads(body)["checks"] == {"startup": "ok", "database": "ok", "cache": "ok"}


async def test_metrics_count_commands(bot: BotUnderTest, local_slack: LocalSlack) -> None:
    """/metrics is Prometheus text and counts /health commands and check outcomes."""
    await bot.sender.command("/health", "", response_url=local_slack.response_url_for("m1"))
    await local_slack.wait_for("response_url", timeout=10)
    status, body = await bot.get("/metrics")
    assert status == 200
    assert 'aisi_commands_total{command="/health"} 1.0' in body
    assert "aisi_health_checks_total" in body


async def test_app_home_is_published(bot: BotUnderTest, local_slack: LocalSlack) -> None:
    """Opening App Home publishes the home view through views.publish."""
    body = json.dumps(
        {
            "token": "x",
            "team_id": "T0LOCAL",
            "api_app_id": "A0LOCAL",
            "type": "event_callback",
            "event_id": "Ev1",
            "event_time": 1,
            "authorizations": [{"team_id": "T0LOCAL", "user_id": "U0LOCALBOT", "is_bot": True}],
            "event": {
                "type": "app_home_opened",
                "user": "U0ALICE",
                "channel": "D1",
                "tab": "home",
                "event_ts": "1.0",
            },
        }
    )
    from local_slack.payloads import signed_headers

    reply = await bot.sender.post_raw(
        body,
        signed_headers("test-signing-secret-" + "s" * 12, body, content_type="application/json"),
    )
    assert reply.status == 200
    call = await local_slack.wait_for("views.publish", timeout=10)
    assert call.ok and call.body["user_id"] == "U0ALICE"


async def test_every_probe_run_records_its_duration(
    bot: BotUnderTest, local_slack: LocalSlack
) -> None:
    """aisi_probe_seconds gets one observation per probe run, by group, probe and state."""
    await bot.sender.command("/health", "db", response_url=local_slack.response_url_for("p1"))
    await local_slack.wait_for("response_url", timeout=10)
    _, metrics = await bot.get("/metrics")
    assert 'aisi_probe_seconds_count{group="db",probe="Database",state="ok"} 1.0' in metrics
    assert 'group="cache"' not in metrics  # only the probes that ran
