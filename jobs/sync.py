"""Job ``sync``: the periodic sync along the priority chain, then today's counts.

A scheduled sync that fails or is refused (the drop guard) is a check of its own,
``sync:scheduled``: two in a row open an incident, the next good one resolves it. A sync
already running (someone's /sync) is not an error: this firing says so and does nothing.
"""

from __future__ import annotations

import logging
from typing import Protocol

import psycopg
from psycopg_pool import PoolTimeout

from bot.incidents import IncidentService, Severity
from bot.reports import ReportBuilder
from bot.scheduling import Firing, JobId, JobResult, Scheduler
from bot.sync.service import SyncReport, SyncRequest, SyncService

log = logging.getLogger(__name__)
JOB_ID = JobId.SYNC.value
CHECK_ID = "sync:scheduled"
TRIGGER = "schedule:sync"
_DB_ERRORS = (PoolTimeout, psycopg.Error, OSError)
_GOOD = ("applied", "nothing_to_do")


class SyncJobServices(Protocol):
    """What the sync job needs."""

    @property
    def sync(self) -> SyncService: ...

    @property
    def reports(self) -> ReportBuilder: ...

    @property
    def incidents(self) -> IncidentService: ...


def _detail(report: SyncReport) -> str:
    plan = report.plan
    changed = (
        f"; {plan.added} added, {plan.updated} updated, {len(plan.deactivate)} deactivated"
        if plan is not None and report.outcome == "applied"
        else ""
    )
    return f"{report.outcome}{': ' + report.reason if report.reason else ''}{changed}"


async def run_sync(services: SyncJobServices, _: Firing) -> JobResult:
    """One scheduled sync of every source."""
    request = SyncRequest(scope="all", dry_run=False, force=False, trigger=TRIGGER)
    report = await services.sync.run(request)
    detail = _detail(report)
    if report.outcome == "busy":
        return JobResult(True, f"skipped: {report.reason}")
    ok = report.outcome in _GOOD
    try:
        await services.incidents.record_check(
            CHECK_ID,
            ok=ok,
            title="Scheduled sync failing",
            severity=Severity.WARNING,
            source="aisi-bot:sync",
            details={"detail": detail, "run_id": report.run_id},
        )
        if ok:
            await services.reports.snapshot_counts()
    except _DB_ERRORS as exc:
        log.warning("sync job: bookkeeping failed (%s)", type(exc).__name__)
        detail += f" (incident and counts not recorded: {type(exc).__name__})"
    return JobResult(ok, detail)


def register(scheduler: Scheduler, services: SyncJobServices) -> bool:
    """Schedule the job on ``[schedule] sync``; False when it is off."""

    async def run(firing: Firing) -> JobResult:
        return await run_sync(services, firing)

    return scheduler.add_job(JOB_ID, run, trigger=scheduler.config.sync, timeout_s=1800)
