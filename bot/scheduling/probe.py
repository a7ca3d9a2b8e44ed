"""The scheduler as a /health probe: each job's next run and how its last firing ended."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from datetime import UTC

import psycopg
from psycopg_pool import PoolTimeout

from bot.health.probes.base import ProbeResult, ProbeState
from bot.scheduling.model import JobStatus
from bot.scheduling.runs import Outcome

GROUP = "ops"
NAME = "Scheduler"
_BAD = frozenset({Outcome.FAILED, Outcome.ERROR, Outcome.MISSED, Outcome.INTERRUPTED})


def _job_line(status: JobStatus) -> str:
    if not status.enabled:
        return f"{status.job_id} off"
    nxt = f"{status.next_run_at.astimezone(UTC):%m-%d %H:%M} UTC" if status.next_run_at else "—"
    last = status.last_run.outcome.value if status.last_run else "never ran"
    return f"{status.job_id} next {nxt} (last {last})"


def scheduler_result(statuses: list[JobStatus], latency_ms: float | None = None) -> ProbeResult:
    """DEGRADED when an enabled job's last firing failed, errored, was missed or interrupted."""
    bad = [s.job_id for s in statuses if s.enabled and s.last_run and s.last_run.outcome in _BAD]
    facts: dict[str, str | int | float | None] = {}
    for s in statuses:
        facts[f"{s.job_id}_next"] = s.next_run_at.isoformat() if s.next_run_at else None
        facts[f"{s.job_id}_last"] = s.last_run.outcome.value if s.last_run else None
    detail = "; ".join(_job_line(s) for s in statuses) or "no jobs registered"
    state = ProbeState.DEGRADED if bad else ProbeState.OK
    status = "failing" if bad else "ok"
    return ProbeResult(NAME, GROUP, state, latency_ms, detail, status, facts)


async def probe_scheduler(read: Callable[[], Awaitable[list[JobStatus]]]) -> ProbeResult:
    """``read`` is ``Scheduler.statuses`` (or ``job_statuses`` bound to the config)."""
    started = time.perf_counter()
    try:
        statuses = await read()
    except (PoolTimeout, psycopg.Error, OSError) as exc:
        detail = f"cannot read job runs: database unavailable ({type(exc).__name__})"
        elapsed = round((time.perf_counter() - started) * 1000, 1)
        return ProbeResult(NAME, GROUP, ProbeState.UNKNOWN, elapsed, detail, "unknown")
    return scheduler_result(statuses, round((time.perf_counter() - started) * 1000, 1))
