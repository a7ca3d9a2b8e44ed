"""Overload: work after the ack is bounded; a full queue is told at once; /health is shared."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from local_slack.server import LocalSlack
from tests.harness import BotUnderTest, start_bot_in_process
from tests.sync_upstreams import SYNC_KEYS, SyncUpstreams
from tests.upstreams import APP_HEALTH, KEY_PATHS, all_ok, env_for, write_config


@pytest.fixture
async def upstreams() -> AsyncIterator[SyncUpstreams]:
    """A healthy world whose paths can be held (gated) until a test releases them."""
    async with SyncUpstreams() as server:
        all_ok(server)
        yield server


def _env(
    bot_env: dict[str, str], upstreams: SyncUpstreams, folder: Path, *, workers: int, queue: int
) -> dict[str, str]:
    """The bot with every upstream on the stand-in, valid keys and a small work pool."""
    write_config(folder, upstreams, probe_timeout_s=20, deadline_s=30)
    with (folder / "local.toml").open("a") as handle:
        handle.write(f"\n[work]\nworkers = {workers}\nqueue_length = {queue}\n")
    return {**bot_env, **env_for(upstreams), **SYNC_KEYS, "BOT_CONFIG_DIR": str(folder)}


def _metric(text: str, name: str, labels: dict[str, str]) -> float:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return float(sample.value)
    return 0.0


async def _keys(bot: BotUnderTest, slack: LocalSlack, key: str) -> None:
    reply = await bot.sender.command("/keys", "", response_url=slack.response_url_for(key))
    assert reply.status == 200 and not reply.text.strip(), reply.text


async def test_saturated_executor_acks_health_busy_at_once_and_posts_nothing_twice(
    bot_env: dict[str, str], upstreams: SyncUpstreams, local_slack: LocalSlack, tmp_path: Path
) -> None:
    """Worker busy, queue full: a new /health is acked busy within 1 s and never queued."""
    env = _env(bot_env, upstreams, tmp_path / "cfg", workers=1, queue=1)
    release = upstreams.gate(KEY_PATHS["openai"])
    async with start_bot_in_process(env) as bot:
        assert bot.runtime is not None
        await _keys(bot, local_slack, "keys-running")
        await upstreams.arrived(KEY_PATHS["openai"])  # the one worker is held upstream
        await _keys(bot, local_slack, "keys-queued")  # fills the queue of one

        started = time.perf_counter()
        reply = await bot.sender.command(
            "/health", "", response_url=local_slack.response_url_for("health-refused")
        )
        assert time.perf_counter() - started < 1.0
        assert reply.status == 200
        assert json.loads(reply.text)["response_type"] == "ephemeral"
        assert "`/health` not started: the bot is busy" in reply.text
        assert "Try again in a moment" in reply.text

        release.set()
        for key in ("keys-running", "keys-queued"):
            await local_slack.wait_for("response_url", predicate=lambda c, k=key: c.key == k)
        assert await bot.runtime.wait_idle(10)
        posted = Counter(call.key for call in local_slack.calls_for("response_url"))
        assert posted == {"keys-running": 1, "keys-queued": 1}
        _, metrics = await bot.get("/metrics")
    assert _metric(metrics, "aisi_work_refused_total", {"work": "/health"}) == 1
    assert _metric(metrics, "aisi_work_completed_total", {"work": "/keys"}) == 2
    assert _metric(metrics, "aisi_work_queue_length", {}) == 0
    assert _metric(metrics, "aisi_work_running", {}) == 0


async def test_health_requests_during_one_check_share_its_report_and_message(
    bot_env: dict[str, str], upstreams: SyncUpstreams, local_slack: LocalSlack, tmp_path: Path
) -> None:
    """Three /health during one check: one check upstream, one rendering, three equal replies."""
    env = _env(bot_env, upstreams, tmp_path / "cfg", workers=8, queue=8)
    release = upstreams.gate(APP_HEALTH)
    async with start_bot_in_process(env) as bot:
        assert bot.runtime is not None
        await bot.sender.command("/health", "", response_url=local_slack.response_url_for("h0"))
        await upstreams.arrived(APP_HEALTH)
        for key in ("h1", "h2"):
            await bot.sender.command("/health", "", response_url=local_slack.response_url_for(key))
        release.set()
        assert await bot.runtime.wait_idle(20)
        replies = local_slack.calls_for("response_url")
        _, metrics = await bot.get("/metrics")
    assert sorted(call.key for call in replies) == ["h0", "h1", "h2"]
    assert replies[0].body["blocks"] == replies[1].body["blocks"] == replies[2].body["blocks"]
    assert upstreams.count(APP_HEALTH) == 1
    checks = sum(
        _metric(metrics, "aisi_health_checks_total", {"state": state})
        for state in ("ok", "degraded", "down", "unknown")
    )
    assert checks == 1
    assert _metric(metrics, "aisi_work_completed_total", {"work": "/health"}) == 3
