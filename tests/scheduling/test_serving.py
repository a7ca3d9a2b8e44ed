"""The scheduler inside a serving bot: started by the composition root, posting to the
channel, shown by /health, stopped on SIGTERM (a running firing recorded interrupted)."""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg

from local_slack.server import LocalSlack
from tests.harness import REPO, clean_env, start_bot_in_process, start_bot_process
from tests.scheduling.serving import finished, healthy_sources, serving_env, wait_rows
from tests.sync_upstreams import GITHUB_PATH, SyncUpstreams


def is_report(call: object) -> bool:
    """A chat.postMessage of the daily report."""
    body = getattr(call, "body", {})
    return str(body.get("text", "")).startswith("Daily report")


async def test_a_serving_bot_posts_the_report_runs_checks_and_shows_them_in_health(
    bot_env: dict[str, str], local_slack: LocalSlack, database_url: str, tmp_path: Path
) -> None:
    """daily_report every minute (its last firing caught up at start) and source checks every
    2 s: the report is posted to the channel once, checks run, /health ops shows both jobs."""
    async with SyncUpstreams() as upstreams:
        healthy_sources(upstreams)
        schedule = {"daily_report": "* * * * *", "source_checks": "2s"}
        env = serving_env(bot_env, upstreams, tmp_path / "cfg", schedule)
        async with start_bot_in_process(env) as bot:
            assert bot.runtime is not None and bot.runtime.scheduler is not None
            scheduler = bot.runtime.scheduler
            post = await local_slack.wait_for("chat.postMessage", predicate=is_report, timeout=30)
            checks = await wait_rows(
                database_url, "source_checks", lambda r: len(finished(r)) >= 3, 30
            )
            report = await bot.runtime.health.run("ops")
            rendered = bot.runtime.renderer.render("health_report", report=report)
    assert post.ok and post.body["channel"] == "#ai-monitoring"
    assert scheduler.replica.endswith(f":{bot.url.rsplit(':', 1)[1]}")  # <host>:<port>
    reports = await wait_rows(database_url, "daily_report", lambda r: bool(finished(r)), 5)
    assert [(row[1], row[2]) for row in reports] == [(scheduler.replica, "ok")]
    assert reports[0][3].startswith("posted: ")
    assert len([c for c in local_slack.calls_for("chat.postMessage") if is_report(c)]) == 1
    assert {row[2] for row in finished(checks)} == {"ok"}
    (probe,) = [r for r in report.results if r.name == "Scheduler"]
    assert "daily_report next" in probe.detail and "source_checks next" in probe.detail
    assert "key_checks off" in probe.detail and probe.facts["daily_report_last"] == "ok"
    assert "*Scheduler*" in str(rendered.blocks)
    today = datetime.now(UTC).astimezone(ZoneInfo("Asia/Seoul")).date()
    async with await psycopg.AsyncConnection.connect(database_url) as conn:
        cur = await conn.execute(
            "SELECT active FROM chatops.daily_model_counts"
            " WHERE day = %s AND source = '*' AND provider = '*'",
            (today,),
        )
        assert await cur.fetchone() is not None  # the report recorded today's count


async def test_sigterm_while_a_firing_runs_records_it_interrupted(
    bot_env: dict[str, str], database_url: str, tmp_path: Path
) -> None:
    """A source check held by the backup stand-in when SIGTERM comes: no new firing, the
    process exits within the grace, and the firing is recorded ``interrupted``."""
    async with SyncUpstreams() as upstreams:
        healthy_sources(upstreams)
        held = upstreams.gate(GITHUB_PATH)
        env = serving_env(
            bot_env,
            upstreams,
            tmp_path / "cfg",
            {"source_checks": "2s"},
            extra_toml="\n[work]\nshutdown_grace_seconds = 1\n",
            source_timeout_s=60,
        )
        async with start_bot_process(env) as bot:
            await upstreams.arrived(GITHUB_PATH, timeout_s=30)
            bot.terminate()
            assert await bot.wait_exit(20) == 0, "".join(bot.output)
        held.set()
    rows = await wait_rows(database_url, "source_checks", lambda r: bool(r), 5)
    assert [(row[2], row[3]) for row in rows] == [("interrupted", "stopped by shutdown")]


async def test_local_mode_shows_the_scheduled_report_in_the_terminal(
    bot_env: dict[str, str], tmp_path: Path
) -> None:
    """Local mode lists its jobs at start and prints the daily report when it is posted."""
    env = {k: v for k, v in bot_env.items() if not k.startswith("SLACK_") and k != "PORT"}
    with (Path(env["BOT_CONFIG_DIR"]) / "local.toml").open("a", encoding="utf-8") as handle:
        handle.write('\n[schedule]\ndaily_report = "* * * * *"\n')
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "serve",
        cwd=REPO,
        env=clean_env(env),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    assert proc.stdin is not None and proc.stdout is not None
    seen: list[str] = []
    try:
        async with asyncio.timeout(90):
            while not any(line.startswith("📊 Daily report") for line in seen):
                line = await proc.stdout.readline()
                assert line, "local mode ended early:\n" + "".join(seen)
                seen.append(line.decode(errors="replace"))
        proc.stdin.write(b"quit\n")
        await proc.stdin.drain()
        rest, _ = await asyncio.wait_for(proc.communicate(), 60)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    output = "".join(seen) + rest.decode(errors="replace")
    assert proc.returncode == 0, output
    assert "Scheduled jobs (Asia/Seoul), posting to #ai-monitoring here:" in output
    assert "daily_report cron * * * * * · source_checks off" in output
    assert "── posted in #ai-monitoring ──" in output
