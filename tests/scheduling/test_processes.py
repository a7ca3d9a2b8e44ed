"""Exactly once across processes: two replica processes and one in this process share the
database; each scheduled time runs its job body once."""

from __future__ import annotations

import asyncio
import sys
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import psycopg

from bot.scheduling import Firing, JobResult, ScheduleConfig, Scheduler, TriggerKind, TriggerSpec
from bot.stores.db import Database

REPO = Path(__file__).resolve().parents[2]


@asynccontextmanager
async def replica_process(database_url: str, name: str) -> AsyncIterator[None]:
    """A replica process, started and scheduling; SIGTERMed (and awaited) at the end."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.scheduling.replica_process",
        database_url,
        name,
        cwd=REPO,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        line = await asyncio.wait_for(proc.stdout.readline(), 30)
        assert line.strip() == b"STARTED", line
        yield
    finally:
        if proc.returncode is None:
            proc.terminate()
        assert await asyncio.wait_for(proc.wait(), 30) in (0, -15)


async def bodies(database_url: str) -> list[tuple[object, str]]:
    """Every (scheduled time, replica) a job body ran for."""
    async with await psycopg.AsyncConnection.connect(database_url) as conn:
        cur = await conn.execute("SELECT scheduled_for, replica FROM test_job_bodies")
        return list(await cur.fetchall())


async def test_three_processes_run_each_firing_once(db: Database, database_url: str) -> None:
    """Two processes and this one, 1 s trigger, ~6 firings: one body run and one row per time."""
    async with db.connection() as conn:
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS test_job_bodies (scheduled_for timestamptz, replica text)"
        )
        await conn.execute("TRUNCATE test_job_bodies")

    async def body(firing: Firing) -> JobResult:
        async with db.connection() as conn:
            await conn.execute(
                "INSERT INTO test_job_bodies (scheduled_for, replica) VALUES (%s, 'in-test')",
                (firing.scheduled_for,),
            )
        return JobResult(True, "ran in the test process")

    local = Scheduler(db, config=ScheduleConfig(misfire_grace_s=60), replica="in-test")
    local.add_job("source_checks", body, trigger=TriggerSpec(TriggerKind.INTERVAL, "1s", 1.0))
    async with AsyncExitStack() as stack:
        await stack.enter_async_context(replica_process(database_url, "proc-a"))
        await stack.enter_async_context(replica_process(database_url, "proc-b"))
        await local.start()
        try:
            # This replica takes part in every firing (wins or loses its claim).
            await local.wait_until(lambda s: s.counts["won"] + s.counts["lost"] >= 6, 30)
        finally:
            await local.shutdown(wait_s=5)
    ran = await bodies(database_url)  # every process has stopped: its firings are done
    per_time = Counter(t for t, _ in ran)
    assert set(per_time.values()) == {1}
    async with db.connection() as conn:
        cur = await conn.execute(
            "SELECT scheduled_for, replica, outcome FROM chatops.job_runs"
            " WHERE job_id = 'source_checks'"
        )
        rows = await cur.fetchall()
    assert {t for t, _, _ in rows} == set(per_time)
    assert {(t, r) for t, r, _ in rows} == set(ran)
    assert {o for _, _, o in rows} == {"ok"}
