"""Signed requests from another workspace are refused; Slack's event retries run once."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlencode

import pytest

from bot.slack.workspace import Installation, same_workspace
from local_slack.payloads import signed_headers, slash_command_form
from local_slack.server import LocalSlack
from tests.conftest import SIGNING_SECRET
from tests.harness import BotUnderTest, start_bot_in_process, start_bot_process

OWN_TEAM = "T0LOCAL"


def _home_opened(event_id: str, team_id: str, authorized_team: str) -> str:
    return json.dumps(
        {
            "token": "x",
            "team_id": team_id,
            "api_app_id": "A0LOCAL",
            "type": "event_callback",
            "event_id": event_id,
            "event_time": 1,
            "authorizations": [
                {"team_id": authorized_team, "user_id": "U0LOCALBOT", "is_bot": True}
            ],
            "event": {"type": "app_home_opened", "user": "U0ALICE", "channel": "D1", "tab": "home"},
        }
    )


async def _post_event(bot: BotUnderTest, body: str, retry: int | None = None) -> int:
    headers = signed_headers(SIGNING_SECRET, body, content_type="application/json")
    if retry is not None:
        headers |= {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
    reply = await bot.sender.post_raw(body, headers)
    return reply.status


async def test_a_command_from_another_workspace_is_refused(
    bot: BotUnderTest, local_slack: LocalSlack
) -> None:
    """A correctly signed /health from team T0OTHER: told ephemerally, nothing runs or posts."""
    form = slash_command_form(
        "/health", "", response_url=local_slack.response_url_for("x"), team_id="T0OTHER"
    )
    body = urlencode(form)
    reply = await bot.sender.post_raw(body, signed_headers(SIGNING_SECRET, body))
    assert reply.status == 200
    answer = json.loads(reply.text)
    assert answer["response_type"] == "ephemeral" and "another Slack workspace" in answer["text"]
    assert [c.method for c in local_slack.calls if c.method != "auth.test"] == []
    _, metrics = await bot.get("/metrics")
    assert 'aisi_edge_rejections_total{reason="foreign_workspace"} 1.0' in metrics
    assert 'aisi_commands_total{command="/health"} 0.0' in metrics  # not counted


async def test_an_event_for_another_installation_is_ignored(
    bot: BotUnderTest, local_slack: LocalSlack
) -> None:
    """An event delivered for another workspace's installation publishes nothing."""
    assert await _post_event(bot, _home_opened("Ev0FOREIGN", "T0OTHER", "T0OTHER")) == 200
    assert local_slack.calls_for("views.publish") == []


async def test_a_shared_channel_event_for_this_installation_passes(
    bot: BotUnderTest, local_slack: LocalSlack
) -> None:
    """An event from a partner's team, delivered to this installation, is handled."""
    assert await _post_event(bot, _home_opened("Ev0SHARED", "T0PARTNER", OWN_TEAM)) == 200
    await local_slack.wait_for("views.publish", timeout=10)


async def test_configured_team_id_is_the_one_that_counts(
    bot_env: dict[str, str], local_slack: LocalSlack
) -> None:
    """With slack.team_id set to another team, even auth.test's own team is refused."""
    local = Path(bot_env["BOT_CONFIG_DIR"]) / "local.toml"
    local.write_text(local.read_text() + '\n[slack]\nteam_id = "T0CONFIGURED"\n')
    async with start_bot_in_process(bot_env) as bot:
        reply = await bot.sender.command(
            "/health", "", response_url=local_slack.response_url_for("c")
        )
    assert "another Slack workspace" in reply.text


async def test_event_retries_publish_once_over_a_real_process(
    bot_env: dict[str, str], local_slack: LocalSlack
) -> None:
    """app_home_opened delivered three times (two Slack retries) publishes the home view once."""
    async with start_bot_process(bot_env) as served:
        body = _home_opened("Ev0RETRIED", OWN_TEAM, OWN_TEAM)
        statuses = [await _post_event(served, body, retry) for retry in (None, 1, 2)]
        await local_slack.wait_for("views.publish", timeout=10)
        other = _home_opened("Ev0ANOTHER", OWN_TEAM, OWN_TEAM)  # a different event still runs
        assert await _post_event(served, other) == 200
        await local_slack.wait_for(
            "views.publish", timeout=10, since=local_slack.calls_for("views.publish")[0].index + 1
        )
        _, metrics = await served.get("/metrics")
    assert statuses == [200, 200, 200]
    assert len(local_slack.calls_for("views.publish")) == 2
    assert "aisi_events_deduplicated_total 2.0" in metrics


async def test_event_deduplication_works_with_redis_down() -> None:
    """With Redis unreachable, the process's own ledger still drops a repeated event id."""
    from bot.stores.cache import build_redis
    from bot.stores.dedupe import EventLedger

    redis = build_redis("redis://127.0.0.1:9/0", timeout_s=0.5)
    try:
        ledger = EventLedger(redis)
        assert await ledger.first_delivery("Ev0DOWN") is True
        assert await ledger.first_delivery("Ev0DOWN") is False
        assert await ledger.first_delivery("Ev0OTHER") is True
    finally:
        await redis.aclose()


@pytest.mark.parametrize(
    ("own", "team", "enterprise", "allowed"),
    [
        (Installation("T1", None), "T1", None, True),
        (Installation("T1", None), "T2", None, False),
        (Installation("T1", "E1"), "T1", "E1", True),
        (Installation("T1", "E1"), "T1", "E2", False),
        (Installation("T1", "E1"), "T2", "E1", False),  # another workspace of the same org
        (Installation(None, "E1"), "T7", "E1", True),  # org-wide installation
        (Installation("E1", "E1"), "T7", "E1", True),  # org-wide: auth.test's team is the org
        (Installation(None, "E1"), "T7", "E2", False),
        (Installation(None, None), "T1", None, False),  # nothing known: deny
    ],
)
def test_the_workspace_rule(
    own: Installation, team: str, enterprise: str | None, allowed: bool
) -> None:
    """Same team (and organisation when both name one), or any team of an org-wide install."""
    assert same_workspace(own, team, enterprise) is allowed
