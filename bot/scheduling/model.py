"""What a job receives and returns, and what the CLI and /health show of each job."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.scheduling.runs import JobRun, JobRunStore
from bot.scheduling.triggers import JobTrigger
from bot.settings.schedule import JobId, ScheduleConfig
from bot.stores.db import Database

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The current time in UTC (the default clock)."""
    return datetime.now(UTC)


def default_replica_id() -> str:
    """'<host>-<pid>-<random>': unique per process, readable in job_runs."""
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


@dataclass(frozen=True)
class Firing:
    """One firing this replica won: which job, for which scheduled time, how late."""

    job_id: str
    scheduled_for: datetime
    replica: str
    late_by_s: float
    catch_up: bool = False


@dataclass(frozen=True)
class JobResult:
    """What a job returns: whether it did its work, and one line saying what happened."""

    ok: bool = True
    detail: str = ""


JobFunc = Callable[[Firing], Awaitable[JobResult]]


@dataclass(frozen=True)
class JobStatus:
    """One job for ``aisi-bot jobs`` and ``/health``: trigger, next run, last run."""

    job_id: str
    trigger: str
    enabled: bool
    next_run_at: datetime | None
    last_run: JobRun | None

    def as_json(self) -> dict[str, Any]:
        """JSON-able view for ``aisi-bot jobs --json``."""
        return {
            "job_id": self.job_id,
            "trigger": self.trigger,
            "enabled": self.enabled,
            "next_run_at": self.next_run_at.isoformat() if self.next_run_at else None,
            "last_run": self.last_run.as_json() if self.last_run else None,
        }


async def job_statuses(
    db: Database, *, config: ScheduleConfig, now: datetime | None = None, timeout_s: float = 5.0
) -> list[JobStatus]:
    """The five jobs as configured, without a running scheduler (``aisi-bot jobs``).

    Next runs come from the triggers, last runs from ``job_runs``; a database error is
    raised for the caller to name.
    """
    moment = now or utc_now()
    ids = [job.value for job in JobId]
    latest = await JobRunStore(db, timeout_s=timeout_s).latest(ids)
    statuses = []
    for job_id in ids:
        spec = config.trigger_for(job_id)
        upcoming = (
            JobTrigger.build(spec, config.timezone).next_after(moment) if spec.enabled else None
        )
        statuses.append(
            JobStatus(job_id, spec.describe(), spec.enabled, upcoming, latest.get(job_id))
        )
    return statuses
