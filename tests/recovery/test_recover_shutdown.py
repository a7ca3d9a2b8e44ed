"""SIGTERM on a real `aisi-bot serve` during a recovery: the run is recorded interrupted, its
message says so and how far it got, and the lock is given back."""

from __future__ import annotations

import asyncio
from pathlib import Path

import psycopg
from redis.asyncio import Redis

from bot.stores.locks import LOCK_PREFIX
from local_slack.server import LocalSlack
from tests.harness import start_bot_process
from tests.recovery.slack_flow import WAIT_S, RecoverDriver, recovery_env, texts
from tests.recovery.vercel_standin import VercelStandIn
from tests.sync_upstreams import SyncUpstreams


async def test_a_recovery_cut_off_by_shutdown_says_so_and_frees_the_lock(
    bot_env: dict[str, str],
    upstreams: SyncUpstreams,
    vercel: VercelStandIn,
    local_slack: LocalSlack,
    redis: Redis,
    database_url: str,
    tmp_path: Path,
) -> None:
    """The deploy hook never answers; SIGTERM: the message ends 'stopped', the row says
    interrupted with the redeploy failed and nothing after it run, the lock is free."""
    env = recovery_env(bot_env, upstreams, vercel, tmp_path / "cfg")
    with (tmp_path / "cfg" / "local.toml").open("a") as handle:
        handle.write("\n[work]\nshutdown_grace_seconds = 1\n")
    vercel.gate_hook()  # released only when the stand-in stops
    async with start_bot_process(env) as served:
        drive = RecoverDriver(served, local_slack)
        view = await drive.open_dialog()
        await drive.submit(view, choices={"steps": ["cache", "deploy"], "options": []})
        await asyncio.wait_for(vercel.hook_arrived.wait(), WAIT_S)
        assert await redis.get(LOCK_PREFIX + "recovery") is not None
        served.terminate()
        assert await served.wait_exit(30) == 0
    [posted] = local_slack.calls_for("chat.postMessage")
    last = local_slack.calls_for("chat.update")[-1]
    assert last.body["ts"] == posted.response["ts"]
    shown = texts(last.body)
    assert "🛑 Recovery stopped — the bot shut down during the run" in shown
    assert "✅ *1. Clear the app's cache* — ok" in shown
    assert "❌ *2. Redeploy the app* — failed" in shown and "interrupted" in shown
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT outcome, steps FROM chatops.recovery_runs").fetchone()
    assert row is not None and row[0] == "interrupted"
    assert [s["state"] for s in row[1]] == ["ok", "failed"]
    assert await redis.get(LOCK_PREFIX + "recovery") is None
