"""Build the daily report from stored data: daily counts, sync runs, check outcomes,
incidents, the schedule. A section whose store fails says so; the others still show."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

import psycopg
from psycopg_pool import PoolTimeout

from bot.checks.store import CheckResultStore
from bot.i18n.said import Said
from bot.i18n.translator import N_
from bot.incidents.service import IncidentService
from bot.reports.counts import DailyCountStore
from bot.reports.model import (
    DailyReport,
    DataQuality,
    FailingCheck,
    Finding,
    IncidentSummary,
    KeyStates,
    ModelCounts,
    SyncSummary,
)
from bot.reports.overall import overall_state
from bot.reports.sections import (
    read_incidents,
    read_models,
    read_quality_from_sync,
    read_syncs,
    schedule_rows,
    split_checks,
)
from bot.scheduling.model import JobStatus
from bot.stores.db import Database

T = TypeVar("T")
_STORE_ERRORS = (PoolTimeout, psycopg.Error, OSError, TimeoutError)
WINDOW = timedelta(hours=24)
NO_SCHEDULE = Said(N_("the scheduler's state was not given"))


def utc_now() -> datetime:
    """The current time in UTC (the default clock)."""
    return datetime.now(UTC)


class ReportBuilder:
    """Builds ``DailyReport``s; ``snapshot_counts`` records today's counts for the trend.

    ``timezone`` decides what "today" is (the schedule's zone); ``key_stale_after_s``
    marks a key state older than that as stale (key checks run hourly).
    """

    def __init__(
        self,
        db: Database,
        *,
        incidents: IncidentService,
        timezone: str,
        clock: Callable[[], datetime] = utc_now,
        key_stale_after_s: float = 3 * 3600.0,
        timeout_s: float = 10.0,
    ) -> None:
        self._db = db
        self._incidents = incidents
        self._zone = ZoneInfo(timezone)
        self._timezone = timezone
        self._clock = clock
        self._key_stale_after_s = key_stale_after_s
        self._timeout_s = timeout_s
        self.counts = DailyCountStore(db, timeout_s=timeout_s)
        self._checks = CheckResultStore(db, timeout_s=timeout_s)

    def today(self, now: datetime | None = None) -> date:
        """The report's day in its time zone."""
        return (now or self._clock()).astimezone(self._zone).date()

    async def snapshot_counts(self, *, now: datetime | None = None) -> int:
        """Record today's active models per source and provider; returns the total."""
        moment = now or self._clock()
        return await self.counts.snapshot(day=self.today(moment), now=moment)

    async def build(
        self, *, schedule: Sequence[JobStatus] | None = None, now: datetime | None = None
    ) -> DailyReport:
        """The report as of ``now``; never raises for a store that is down."""
        moment = now or self._clock()
        day, start = self.today(moment), moment - WINDOW
        end = moment + timedelta(microseconds=1)  # up to and including now
        models, syncs, sync_findings, incidents, stored = await asyncio.gather(
            _attempt(read_models(self.counts, day=day)),
            _attempt(read_syncs(self._db, start=start, end=end, timeout_s=self._timeout_s)),
            _attempt(read_quality_from_sync(self._db, timeout_s=self._timeout_s)),
            _attempt(read_incidents(self._incidents, start=start, end=end)),
            _attempt(self._checks.all()),
        )
        checks, checks_unknown = stored
        keys = KeyStates(unknown=checks_unknown)
        failing: tuple[FailingCheck, ...] = ()
        check_findings: list[Finding] = []
        age: int | None = None
        if checks is not None:
            keys, failing, check_findings, age = split_checks(
                checks, now=moment, key_stale_after_s=self._key_stale_after_s
            )
        found, quality_unknown = sync_findings
        quality = DataQuality(
            unknown=quality_unknown,
            findings=(*(found or ()), *check_findings),
            backup_age_days=age,
        )
        report = DailyReport(
            generated_at=moment,
            day=day,
            timezone=self._timezone,
            overall="unknown",
            reasons=(),
            models=models[0] or ModelCounts(unknown=models[1]),
            syncs=syncs[0] or SyncSummary(unknown=syncs[1]),
            keys=keys,
            incidents=incidents[0] or IncidentSummary(unknown=incidents[1]),
            quality=quality,
            failing_checks=failing,
            checks_unknown=checks_unknown,
            schedule=schedule_rows(schedule) if schedule is not None else (),
            schedule_unknown="" if schedule is not None else NO_SCHEDULE,
        )
        state, reasons = overall_state(report)
        return replace(report, overall=state, reasons=tuple(reasons))


async def _attempt(work: Awaitable[T]) -> tuple[T | None, str]:
    """(the section, "") or (None, why the store could not answer)."""
    try:
        return await work, ""
    except _STORE_ERRORS as exc:
        return None, Said(N_("database unavailable (%(error)s)"), error=type(exc).__name__)
