"""Each firing runs once across replicas; a firing missed while all were down is caught up or
recorded missed; failures and stops are recorded, never lost."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.scheduling import (
    JobResult,
    ScheduleConfig,
    Scheduler,
    TriggerKind,
    TriggerSpec,
)
from bot.stores.db import Database
from tests.incidents.conftest import FakeClock
from tests.scheduling.conftest import CountingJob, job_rows

pytestmark = pytest.mark.stores  # depends on where PostgreSQL and Redis come from

SEOUL = ZoneInfo("Asia/Seoul")
EVERY_SECOND = TriggerSpec(TriggerKind.INTERVAL, "1s", 1.0)
# Fires only on 29 February: APScheduler's real clock never reaches it during a test, so
# only the catch-up at start (driven by the fake clock) can run it.
LEAP_DAY = TriggerSpec(TriggerKind.CRON, "0 10 29 2 *")
LEAP_FIRING = datetime(2024, 2, 29, 10, 0, tzinfo=SEOUL)
GRACE = ScheduleConfig(misfire_grace_s=600)
Pools = Callable[[], Awaitable[Database]]


class ShiftedClock:
    """The real clock, moved by ``offset`` (to make a replica wake up late)."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


async def _replicas(
    pools: Pools, count: int, job: CountingJob, trigger: TriggerSpec, **kw: object
) -> list[Scheduler]:
    config = kw.pop("config", GRACE)
    built = []
    for index in range(count):
        scheduler = Scheduler(
            await pools(),
            config=config,
            replica=f"replica-{index}",
            **kw,  # type: ignore[arg-type]
        )
        scheduler.add_job("source_checks", job, trigger=trigger)
        built.append(scheduler)
    return built


async def test_three_replicas_run_each_firing_once(
    replica_pools: Pools, counting_job: CountingJob, database_url: str
) -> None:
    """Three schedulers on one database, a 1 s trigger: one row and one run per firing."""
    replicas = await _replicas(replica_pools, 3, counting_job, EVERY_SECOND)
    await asyncio.gather(*(r.start() for r in replicas))
    try:
        await counting_job.wait_for_runs(6, timeout_s=20)
        for replica in replicas:  # every replica has taken part in the last firings too
            await replica.wait_until(lambda r: r.counts["won"] + r.counts["lost"] >= 5, 10)
    finally:
        await asyncio.gather(*(r.shutdown(wait_s=5) for r in replicas))
    rows = await job_rows(database_url, "source_checks")
    times = [row[0] for row in rows]
    assert len(times) == len(set(times)) >= 6
    assert set(counting_job.runs) == set(times)
    assert set(counting_job.runs.values()) == {1}
    assert {row[2] for row in rows} == {"ok"}
    assert sum(r.counts["won"] for r in replicas) == len(rows)
    assert all(t.microsecond == 0 for t in times)  # anchored: every replica, same instants


async def test_catch_up_within_grace_runs_once_after_everyone_was_down(
    replica_pools: Pools, counting_job: CountingJob, database_url: str
) -> None:
    """All replicas were down at 10:00; two restart at 10:05 (grace 10 min): it runs once."""
    clock = FakeClock(LEAP_FIRING + timedelta(minutes=5))
    replicas = await _replicas(replica_pools, 2, counting_job, LEAP_DAY, clock=clock)
    await asyncio.gather(*(r.start() for r in replicas))
    try:
        await counting_job.wait_for_runs(1)
        for replica in replicas:
            await replica.wait_until(lambda r: r.counts["won"] + r.counts["lost"] == 1, 10)
    finally:
        await asyncio.gather(*(r.shutdown() for r in replicas))
    assert counting_job.runs == {LEAP_FIRING: 1}
    firing = counting_job.firings[0]
    assert firing.catch_up and firing.late_by_s == 300
    rows = await job_rows(database_url, "source_checks")
    assert [(row[0], row[2]) for row in rows] == [(LEAP_FIRING, "ok")]


async def test_firing_past_grace_is_recorded_missed_and_never_runs(
    db: Database, counting_job: CountingJob, database_url: str
) -> None:
    """Restarted 30 min after a firing (grace 10 min): a 'missed' row, the job never runs."""
    before = LEAP_FIRING - timedelta(days=4 * 365 + 1)  # the previous leap day's firing ran
    run_id = await Scheduler(db, config=GRACE, replica="old").runs.claim(
        job_id="source_checks", scheduled_for=before, replica="old", now=before
    )
    assert run_id is not None
    clock = FakeClock(LEAP_FIRING + timedelta(minutes=30))
    scheduler = Scheduler(db, config=GRACE, replica="restarted", clock=clock)
    scheduler.add_job("source_checks", counting_job, trigger=LEAP_DAY)
    await scheduler.start()
    await scheduler.wait_until(lambda s: s.counts["missed"] == 1, 10)
    await scheduler.shutdown()
    assert not counting_job.runs
    rows = await job_rows(database_url, "source_checks")
    assert rows[-1][:3] == (LEAP_FIRING, "restarted", "missed")
    assert "1800 s late, past the 600 s grace" in rows[-1][3]


async def test_a_fresh_install_records_no_missed_firings(
    db: Database, counting_job: CountingJob, database_url: str
) -> None:
    """A job that never ran before did not miss the firings before it existed."""
    clock = FakeClock(LEAP_FIRING + timedelta(hours=3))
    scheduler = Scheduler(db, config=GRACE, replica="new", clock=clock)
    scheduler.add_job("source_checks", counting_job, trigger=LEAP_DAY)
    await scheduler.start()
    await scheduler.wait_until(lambda s: s.counts["nothing_to_catch_up"] == 1, 10)
    await scheduler.shutdown()
    assert await job_rows(database_url, "source_checks") == []


async def test_a_replica_waking_past_the_grace_records_missed_instead_of_running(
    db: Database, counting_job: CountingJob, database_url: str
) -> None:
    """A firing handled later than the grace (a stalled replica) is recorded missed, not run."""
    clock = ShiftedClock()
    config = ScheduleConfig(misfire_grace_s=5)
    scheduler = Scheduler(db, config=config, replica="stalled", clock=clock)
    scheduler.add_job("source_checks", counting_job, trigger=EVERY_SECOND)
    await scheduler.start()
    try:
        await counting_job.wait_for_runs(1)
        clock.offset = timedelta(minutes=1)  # from now on every firing is handled 60 s late
        ran = len(counting_job.runs)
        await scheduler.wait_until(lambda s: s.counts["missed"] >= 2, 10)
    finally:
        await scheduler.shutdown()
    rows = await job_rows(database_url, "source_checks")
    missed = [row for row in rows if row[2] == "missed"]
    assert len(missed) >= 2 and all(row[0] not in counting_job.runs for row in missed)
    assert len(counting_job.runs) <= ran + 1  # at most one firing already past its claim


async def test_a_failing_job_is_recorded_as_error_with_an_id(
    db: Database, database_url: str
) -> None:
    """A job that raises: outcome 'error' naming the exception and an error id; next firing runs."""
    job = CountingJob(fail_with=RuntimeError("boom"))
    scheduler = Scheduler(db, config=GRACE, replica="r")
    scheduler.add_job("source_checks", job, trigger=EVERY_SECOND)
    await scheduler.start()
    try:
        await scheduler.wait_until(lambda s: s.counts["error"] >= 2, 10)
    finally:
        await scheduler.shutdown()
    rows = [row for row in await job_rows(database_url, "source_checks") if row[2] == "error"]
    assert len(rows) >= 2
    assert rows[0][3].startswith("RuntimeError (error id ")


async def test_a_job_reporting_failure_is_recorded_failed(db: Database, database_url: str) -> None:
    """A job returning ok=False: outcome 'failed' with its detail line."""

    async def refuse(_: object) -> JobResult:
        return JobResult(False, "sync refused: would deactivate 95% of active models")

    scheduler = Scheduler(db, config=GRACE, replica="r")
    scheduler.add_job("sync", refuse, trigger=EVERY_SECOND)
    await scheduler.start()
    try:
        await scheduler.wait_until(lambda s: s.counts["failed"] >= 1, 10)
    finally:
        await scheduler.shutdown()
    rows = await job_rows(database_url, "sync")
    assert ("failed", "sync refused: would deactivate 95% of active models") in {
        (row[2], row[3]) for row in rows
    }


async def test_a_replica_restarting_marks_its_unfinished_firings_interrupted(
    db: Database, counting_job: CountingJob, database_url: str
) -> None:
    """A row left 'running' by a replica that died is marked 'interrupted' when it restarts."""
    scheduler = Scheduler(db, config=GRACE, replica="pod-1")
    at = datetime(2026, 1, 1, tzinfo=UTC)
    await scheduler.runs.claim(job_id="sync", scheduled_for=at, replica="pod-1", now=at)
    await scheduler.runs.claim(
        job_id="sync", scheduled_for=at + timedelta(hours=6), replica="pod-2", now=at
    )
    restarted = Scheduler(db, config=GRACE, replica="pod-1")
    await restarted.start()
    await restarted.shutdown()
    rows = await job_rows(database_url, "sync")
    assert [(row[1], row[2]) for row in rows] == [("pod-1", "interrupted"), ("pod-2", "running")]


async def test_shutdown_waits_for_a_running_firing_then_records_it(
    db: Database, database_url: str
) -> None:
    """Stopping while a firing runs: it finishes within the wait and its outcome is recorded."""
    started, release = asyncio.Event(), asyncio.Event()

    async def slow(_: object) -> JobResult:
        started.set()
        await release.wait()
        return JobResult(True, "finished during shutdown")

    scheduler = Scheduler(db, config=GRACE, replica="r")
    scheduler.add_job("sync", slow, trigger=EVERY_SECOND)
    await scheduler.start()
    await asyncio.wait_for(started.wait(), 10)
    stopping = asyncio.create_task(scheduler.shutdown(wait_s=10))
    release.set()
    await stopping
    rows = await job_rows(database_url, "sync")
    assert ("ok", "finished during shutdown") in {(row[2], row[3]) for row in rows}


async def test_shutdown_past_its_wait_records_the_firing_interrupted(
    db: Database, database_url: str
) -> None:
    """A firing still running when the shutdown wait ends is cancelled and recorded interrupted."""
    started = asyncio.Event()

    async def stuck(_: object) -> JobResult:
        started.set()
        await asyncio.Event().wait()
        return JobResult()

    scheduler = Scheduler(db, config=GRACE, replica="r")
    scheduler.add_job("sync", stuck, trigger=EVERY_SECOND)
    await scheduler.start()
    await asyncio.wait_for(started.wait(), 10)
    await scheduler.shutdown(wait_s=0.2)
    rows = await job_rows(database_url, "sync")
    assert rows[0][2:] == ("interrupted", "stopped by shutdown")


async def test_with_the_database_down_nothing_runs_and_the_scheduler_survives(
    counting_job: CountingJob,
) -> None:
    """No database: no claim, so no run; start and shutdown still return."""
    down = Database("postgresql://postgres@127.0.0.1:9/none", connect_timeout_s=1)
    await down.open()
    scheduler = Scheduler(
        down, config=ScheduleConfig(misfire_grace_s=2), replica="r", claim_retry_s=0.2
    )
    scheduler.add_job("source_checks", counting_job, trigger=EVERY_SECOND)
    try:
        await asyncio.wait_for(scheduler.start(), 10)
        await scheduler.wait_until(lambda s: s.counts["unclaimed"] >= 1, 15)
    finally:
        await scheduler.shutdown(wait_s=8)
        await down.close()
    assert not counting_job.runs
    assert scheduler.counts["won"] == 0


async def test_old_firings_are_pruned_and_recent_ones_kept(db: Database, database_url: str) -> None:
    """Pruning before a moment deletes only older firings of the named jobs."""
    scheduler = Scheduler(db, config=GRACE, replica="r")
    base = datetime(2026, 1, 1, tzinfo=UTC)
    for days in (0, 100, 200):
        at = base + timedelta(days=days)
        await scheduler.runs.claim(job_id="sync", scheduled_for=at, replica="r", now=at)
    await scheduler.runs.claim(job_id="other", scheduled_for=base, replica="r", now=base)
    removed = await scheduler.runs.prune(job_ids=["sync"], before=base + timedelta(days=150))
    assert removed == 2
    assert [row[0] for row in await job_rows(database_url, "sync")] == [base + timedelta(days=200)]
    assert len(await job_rows(database_url, "other")) == 1
