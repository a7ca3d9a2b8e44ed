"""/health's scheduler probe: each job's next run and last outcome; a bad last firing
degrades it; a database it cannot read makes it unknown, never OK."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial

from bot.health.probes.base import ProbeState
from bot.scheduling import (
    Outcome,
    ScheduleConfig,
    TriggerKind,
    TriggerSpec,
    job_statuses,
    probe_scheduler,
)
from bot.scheduling.runs import JobRunStore
from bot.stores.db import Database

NOW = datetime(2026, 11, 26, 0, 30, tzinfo=UTC)


async def test_all_good_lists_each_job(db: Database) -> None:
    """Every job with its next run (UTC) and 'never ran'; one job off."""
    config = ScheduleConfig(sync=TriggerSpec(TriggerKind.OFF, "off"))
    result = await probe_scheduler(partial(job_statuses, db, config=config, now=NOW))
    assert result.state is ProbeState.OK
    assert result.detail.startswith("daily_report next 11-27 00:00 UTC (last never ran); ")
    assert "; sync off; " in result.detail
    assert result.facts["daily_report_next"] == "2026-11-27T09:00:00+09:00"


async def test_a_missed_firing_degrades_the_scheduler(db: Database) -> None:
    """The daily report's last firing was missed: DEGRADED, naming it."""
    runs = JobRunStore(db)
    await runs.record_missed(job_id="daily_report", scheduled_for=NOW, replica="r", detail="late")
    result = await probe_scheduler(partial(job_statuses, db, config=ScheduleConfig(), now=NOW))
    assert result.state is ProbeState.DEGRADED
    assert "daily_report next 11-27 00:00 UTC (last missed)" in result.detail
    assert result.facts["daily_report_last"] == Outcome.MISSED.value


async def test_with_the_database_down_the_scheduler_is_unknown() -> None:
    """No database: unknown with the reason, not OK."""
    down = Database("postgresql://postgres@127.0.0.1:9/none", connect_timeout_s=1)
    await down.open()
    try:
        read = partial(job_statuses, down, config=ScheduleConfig(), timeout_s=1)
        result = await probe_scheduler(read)
    finally:
        await down.close()
    assert result.state is ProbeState.UNKNOWN
    assert result.detail == "cannot read job runs: database unavailable (PoolTimeout)"
