"""Job ``daily_report``: snapshot today's counts, build the report, post it once.

Exactly once per firing across replicas (the scheduler's claim); a post that fails is
recorded as the firing's failure and is not retried (a retry could post twice).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Protocol

import psycopg
from psycopg_pool import PoolTimeout

from bot.i18n.translator import DEFAULT_LANGUAGE
from bot.reports import DailyReport, ReportBuilder
from bot.scheduling import Firing, JobId, JobResult, JobStatus, Scheduler
from bot.slack.post import PostError, PostMessage
from bot.slack.render import Message, Renderer
from bot.slack.report_view import ReportLayout

log = logging.getLogger(__name__)
JOB_ID = JobId.DAILY_REPORT.value
TEMPLATE = "daily_report"
_DB_ERRORS = (PoolTimeout, psycopg.Error, OSError)
KEEP_JOB_RUNS = timedelta(days=90)


class DailyReportServices(Protocol):
    """What the daily report job needs."""

    @property
    def reports(self) -> ReportBuilder: ...

    @property
    def renderer(self) -> Renderer: ...

    @property
    def post(self) -> PostMessage: ...

    @property
    def language(self) -> str: ...


async def daily_report_message(
    reports: ReportBuilder,
    renderer: Renderer,
    *,
    schedule: list[JobStatus] | None,
    lang: str = DEFAULT_LANGUAGE,
) -> tuple[DailyReport, Message]:
    """Snapshot today's counts (best effort), build the report and render it.

    Shared by the job and ``aisi-bot report``; a snapshot that fails leaves the report to
    say the counts are unknown. ``lang``: the language it is written in.
    """
    try:
        await reports.snapshot_counts()
    except _DB_ERRORS as exc:
        log.warning("daily report: could not count today's models (%s)", type(exc).__name__)
    report = await reports.build(schedule=schedule)
    return report, renderer.render(TEMPLATE, lang=lang, layout=ReportLayout(report))


async def run_daily_report(
    services: DailyReportServices, scheduler: Scheduler | None, firing: Firing
) -> JobResult:
    """One firing: the report for today, posted to the channel."""
    schedule: list[JobStatus] | None = None
    if scheduler is not None:
        try:
            schedule = await scheduler.statuses()
        except _DB_ERRORS as exc:
            log.warning("daily report: schedule unknown (%s)", type(exc).__name__)
    report, message = await daily_report_message(
        services.reports, services.renderer, schedule=schedule, lang=services.language
    )
    try:
        await services.post(message)
    except PostError as exc:
        return JobResult(False, f"report built ({report.overall}) but not posted: {exc}")
    unknown = len(report.unknowns())
    pruned = await _prune_job_runs(scheduler, firing)
    return JobResult(
        True, f"posted: {report.overall}" + (f", {unknown} unknown" if unknown else "") + pruned
    )


async def _prune_job_runs(scheduler: Scheduler | None, firing: Firing) -> str:
    """Forget firings older than KEEP_JOB_RUNS (once a day is enough)."""
    if scheduler is None:
        return ""
    before = firing.scheduled_for - KEEP_JOB_RUNS
    try:
        removed = await scheduler.runs.prune(job_ids=scheduler.job_ids(), before=before)
    except _DB_ERRORS as exc:
        log.warning("daily report: old job runs not pruned (%s)", type(exc).__name__)
        return ""
    return f"; {removed} job runs older than {KEEP_JOB_RUNS.days} days pruned" if removed else ""


def register(scheduler: Scheduler, services: DailyReportServices) -> bool:
    """Schedule the job on ``[schedule] daily_report``; False when it is off."""

    async def run(firing: Firing) -> JobResult:
        return await run_daily_report(services, scheduler, firing)

    return scheduler.add_job(JOB_ID, run, trigger=scheduler.config.daily_report, timeout_s=300)
