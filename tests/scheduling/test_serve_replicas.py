"""Real `aisi-bot serve` processes sharing PostgreSQL and Redis: each firing runs once whatever
replica wins, and a firing missed while every replica was down runs once within the grace,
not at all after it.

These wait for wall-clock firing times (the condition under test is time passing) on
second-level triggers: no test waits for a minute boundary. The daily report's cron fires at
most once a minute, so across processes it is seen through the firing every replica catches
up at start; its every-minute firings are counted on an injected clock in
``test_exactly_once.py``. The first test takes about 40 s, the second about 45 s.
"""

from __future__ import annotations

import asyncio
import itertools
import socket
from collections import Counter
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

from bot.scheduling import ScheduleConfig
from bot.scheduling.triggers import JobTrigger
from local_slack.server import LocalSlack
from tests.harness import BotUnderTest, start_bot_process
from tests.scheduling.serving import finished, healthy_sources, serving_env, wait_rows
from tests.sync_upstreams import GITHUB_PATH, SyncUpstreams


def is_report(call: object) -> bool:
    """A chat.postMessage of the daily report."""
    return str(getattr(call, "body", {}).get("text", "")).startswith("Daily report")


async def stop(bot: BotUnderTest) -> None:
    """SIGTERM a serve process and check it exits cleanly."""
    bot.terminate()
    assert await bot.wait_exit(30) == 0, "".join(bot.output)


async def wall_clock_past(moment: datetime) -> None:
    """Return once the wall clock has passed ``moment`` (a firing time, not a process)."""
    await asyncio.sleep(max(0.0, (moment - datetime.now(UTC)).total_seconds()))


async def test_three_serve_processes_run_each_firing_once(
    bot_env: dict[str, str], local_slack: LocalSlack, database_url: str, tmp_path: Path
) -> None:
    """source_checks every 3 s and daily_report every minute on three replicas: one
    job_runs row and one Slack post per scheduled time, no firing skipped, the report's
    latest firing caught up once by whichever replica wins, one incident for the placeholder
    backup repeated once per firing."""
    interval = timedelta(seconds=3)
    schedule = {"daily_report": "* * * * *", "source_checks": "3s"}
    async with SyncUpstreams() as upstreams, AsyncExitStack() as stack:
        healthy_sources(upstreams)
        env = serving_env(bot_env, upstreams, tmp_path / "cfg", schedule)
        bots = [await stack.enter_async_context(start_bot_process(env)) for _ in range(3)]
        started = datetime.now(UTC)

        def twelve_after_start(rows: list[tuple[datetime, str, str, str]]) -> bool:
            return len([row for row in finished(rows) if row[0] > started]) >= 12

        await wait_rows(database_url, "daily_report", lambda r: bool(finished(r)), 60)
        await wait_rows(database_url, "source_checks", twelve_after_start, 90)
        await asyncio.gather(*(stop(bot) for bot in bots))
        replicas = {f"{socket.gethostname()}:{bot.url.rsplit(':', 1)[1]}" for bot in bots}
    reports = await wait_rows(database_url, "daily_report", lambda r: True, 1)
    posts = [call for call in local_slack.calls_for("chat.postMessage") if is_report(call)]
    assert {row[2] for row in reports} == {"ok"}, reports
    assert len(posts) == len(reports) >= 1  # the firing caught up at start, and any later one
    assert all(b[0] - a[0] == timedelta(minutes=1) for a, b in itertools.pairwise(reports))
    assert all(call.ok and call.body["channel"] == "#ai-monitoring" for call in posts)
    checks = await wait_rows(database_url, "source_checks", lambda r: True, 1)
    times = [row[0] for row in checks]
    assert len(times) >= 13 and {row[2] for row in checks} == {"ok"}, checks
    assert all(b - a == interval for a, b in itertools.pairwise(times))
    winners = Counter(row[1] for row in reports + checks)
    assert set(winners) <= replicas and len(replicas) == 3, winners
    async with await psycopg.AsyncConnection.connect(database_url) as conn:
        cur = await conn.execute(
            "SELECT count(*), max(count) FROM chatops.incidents"
            " WHERE dedup_key = 'source:github_backup:placeholder'"
        )
        incidents = await cur.fetchone()
    # The first failure is a flap; each later firing adds exactly one repeat.
    assert incidents == (1, len(checks) - 1)


async def test_a_firing_missed_while_every_replica_is_down(
    bot_env: dict[str, str], database_url: str, tmp_path: Path
) -> None:
    """source_checks every 20 s, 10 s grace: a firing passed while no replica ran is run once
    by a replica starting within the grace; the next one, started past it, is recorded
    missed and not run (the backup stand-in is asked once in all)."""
    schedule = {"source_checks": "20s", "misfire_grace": "10s"}
    config = ScheduleConfig.from_mapping(schedule)
    trigger = JobTrigger.build(config.source_checks, config.timezone)
    async with SyncUpstreams() as upstreams:
        healthy_sources(upstreams)
        env = serving_env(bot_env, upstreams, tmp_path / "cfg", schedule)
        first = trigger.next_after(datetime.now(UTC) + timedelta(seconds=1))
        assert first is not None
        await wall_clock_past(first + timedelta(seconds=0.5))  # nobody is running
        async with start_bot_process(env) as bot:
            ran = await wait_rows(database_url, "source_checks", lambda r: bool(finished(r)), 30)
            await stop(bot)
        second = trigger.next_after(datetime.now(UTC))
        assert second is not None
        await wall_clock_past(second + timedelta(seconds=config.misfire_grace_s + 1))
        async with start_bot_process(env) as bot:
            rows = await wait_rows(database_url, "source_checks", lambda r: len(r) >= 2, 30)
            await stop(bot)
        asked = upstreams.count(GITHUB_PATH)
    assert [(row[0], row[2]) for row in ran] == [(first, "ok")]
    assert [(row[0], row[2]) for row in rows[:2]] == [(first, "ok"), (second, "missed")]
    assert "every replica was down" in rows[1][3]
    assert asked == 1
