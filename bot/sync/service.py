"""The sync: sources concurrently, merge, validate, diff, guard, apply once, clear the cache.

What a sync is asked and what it reports are in :mod:`bot.sync.request` (re-exported here).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence

import psycopg
from psycopg_pool import PoolTimeout
from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.i18n.said import Said
from bot.i18n.translator import N_
from bot.sources.records import SourceResult, failed, skipped
from bot.stores.app_cache import clear_prefixes
from bot.stores.db import Database
from bot.stores.locks import RedisLocks
from bot.sync.merge import MergedModel, category, merge
from bot.sync.plan import check_guard, plan_sync
from bot.sync.request import (
    ALL_SCOPES,
    SourceStep,
    SyncReport,
    SyncRequest,
)
from bot.sync.store import apply_plan, finish_run, load_existing, start_run

__all__ = [
    "ALL_SCOPES",
    "SourceStep",
    "SyncReport",
    "SyncRequest",
    "SyncService",
]

log = logging.getLogger(__name__)

LOCK_NAME = "sync"
LOCK_TTL_S = 300.0
# A cancelled sync (shutdown) gets this long to record that it was interrupted.
INTERRUPTED_WRITE_S = 1.0

Progress = Callable[[str, SourceResult], Awaitable[None]]
AfterApply = Callable[[], Awaitable[object]]


class SyncService:
    """Runs syncs; one applying sync at a time across replicas."""

    def __init__(
        self,
        *,
        db: Database,
        redis: Redis,
        steps: Sequence[SourceStep],
        cache_prefixes: Sequence[str],
        max_deactivate_share: float,
        min_active_models: int,
        source_timeout_s: float = 60.0,
        person_fresh_window_s: float = 600.0,
        after_apply: AfterApply | None = None,
    ) -> None:
        """``after_apply`` runs (best effort) after every applied sync, whoever started it:
        the wiring records today's model counts there for the daily report's trend."""
        self._db = db
        self._redis = redis
        self._locks = RedisLocks(redis)
        self._steps = list(steps)
        self._prefixes = list(cache_prefixes)
        self._max_share = max_deactivate_share
        self._min_active = min_active_models
        self._source_timeout_s = source_timeout_s
        self._fresh_window_s = person_fresh_window_s
        self._after_apply = after_apply

    def max_cache_age(self, request: SyncRequest) -> float | None:
        """How old a cached answer a sync accepts: scheduled runs any, a person's a short window."""
        return None if request.trigger.startswith("schedule:") else self._fresh_window_s

    def steps_for(self, scope: str) -> list[SourceStep]:
        """The steps a scope selects."""
        return [s for s in self._steps if scope == "all" or scope in s.scopes]

    async def run(
        self,
        request: SyncRequest,
        progress: Progress | None = None,
        *,
        report: SyncReport | None = None,
    ) -> SyncReport:
        """Run one sync; never raises for source, database or cache failures.

        Cancelled (the bot is stopping), it records the run as ``interrupted`` in ``report``
        and in ``chatops.sync_runs`` within a bounded time, then lets the cancellation go on.
        """
        started = time.perf_counter()
        report = report or SyncReport(request)
        lock = None
        if not request.dry_run:
            try:
                lock = await self._locks.acquire(
                    LOCK_NAME, holder=request.trigger, ttl_s=LOCK_TTL_S
                )
            except (RedisError, OSError) as exc:
                return self._end(
                    report,
                    "failed",
                    f"cache (Redis) unavailable for the sync lock: {type(exc).__name__}",
                    started,
                )
            except asyncio.CancelledError:
                await self._interrupted(report, started)
                raise
            if lock is None:
                holder = await self._locks.holder(LOCK_NAME)
                report.holder = (
                    Said(
                        N_("%(holder)s since %(when)s UTC"),
                        holder=holder.holder,
                        when=f"{holder.since:%H:%M:%S}",
                    )
                    if holder
                    else Said(N_("another sync"))
                )
                running = Said(N_("a sync is already running (%(holder)s)"), holder=report.holder)
                return self._end(report, "busy", running, started)
        try:
            await self._run_locked(report, progress)
        except asyncio.CancelledError:
            await self._interrupted(report, started)
            raise
        finally:
            if lock is not None:
                try:
                    await self._locks.release(lock)
                except (RedisError, OSError):
                    log.warning("could not release the sync lock; it expires by itself")
        self._end(report, report.outcome, report.reason, started)
        if report.outcome == "applied" and self._after_apply is not None:
            try:
                await self._after_apply()
            except (PoolTimeout, psycopg.Error, OSError) as exc:
                log.warning("after the sync: could not record counts (%s)", type(exc).__name__)
        return report

    async def _interrupted(self, report: SyncReport, started: float) -> None:
        """Say what a cancelled sync had done, and record it (bounded; never raises)."""
        finished = {name for name, _ in report.sources}
        report.not_finished = [
            s.name for s in self.steps_for(report.request.scope) if s.name not in finished
        ]
        if report.stage == "writing":
            report.reason = Said(
                N_(
                    "the bot shut down while writing; the transaction was rolled back,"
                    " nothing was written"
                )
            )
        elif report.stage == "written" and report.rows_written:
            report.reason = Said(
                N_(
                    "the bot shut down after the changes were written (%(num)s rows); the"
                    " app's cache may not have been cleared (clear it with /recover)"
                ),
                num=report.rows_written,
            )
        elif report.stage == "written":
            report.reason = Said(
                N_(
                    "the bot shut down after the changes were written; the app's cache may"
                    " not have been cleared (clear it with /recover)"
                )
            )
        else:
            report.reason = Said(
                N_("the bot shut down before the sync finished; nothing was written")
            )
        self._end(report, "interrupted", report.reason, started)
        try:
            await asyncio.wait_for(asyncio.shield(self._finish(report)), INTERRUPTED_WRITE_S)
        except TimeoutError:
            log.warning("could not record sync run %s as interrupted in time", report.run_id)

    def _end(self, report: SyncReport, outcome: str, reason: str, started: float) -> SyncReport:
        report.outcome, report.reason = outcome, reason
        report.duration_ms = round((time.perf_counter() - started) * 1000, 1)
        return report

    async def _fetch_all(
        self, steps: list[SourceStep], report: SyncReport, progress: Progress | None
    ) -> None:
        max_age = self.max_cache_age(report.request)

        async def one(step: SourceStep) -> None:
            started = time.perf_counter()
            fetch = step.fetch_max_age(max_age) if step.fetch_max_age else step.fetch()
            try:
                result = await asyncio.wait_for(fetch, self._source_timeout_s)
            except TimeoutError:
                result = failed(step.name, f"timeout after {self._source_timeout_s:g} s", started)
            report.sources.append((step.name, result))
            if progress is not None:
                await progress(step.name, result)

        primary = [s for s in steps if not s.fallback_for]
        await asyncio.gather(*(one(s) for s in primary))
        ok = {name for name, r in report.sources if r.status == "ok"}
        fallbacks = [s for s in steps if s.fallback_for and s.fallback_for not in ok]
        for step in steps:
            if step.fallback_for and step.fallback_for in ok:
                not_needed = skipped(step.name, f"not needed: {step.fallback_for} succeeded")
                report.sources.append((step.name, not_needed))
                report.not_needed.append(step.name)
                if progress is not None:
                    await progress(step.name, not_needed)
        await asyncio.gather(*(one(s) for s in fallbacks))
        results = dict(report.sources)
        for step in fallbacks:
            if results[step.name].status == "ok" and results[step.name].records:
                report.covered.append(step.fallback_for)
        order = {step.name: index for index, step in enumerate(steps)}
        report.sources.sort(key=lambda item: order.get(item[0], len(order)))

    async def _run_locked(self, report: SyncReport, progress: Progress | None) -> None:
        request = report.request
        try:
            async with self._db.connection(5.0) as conn:
                report.run_id = await start_run(
                    conn,
                    trigger=request.trigger,
                    scope=request.scope,
                    dry_run=request.dry_run,
                    force=request.force,
                )
        except (PoolTimeout, psycopg.Error) as exc:
            report.outcome = "failed"
            report.reason = Said(N_("database unavailable: %(error)s"), error=type(exc).__name__)
            return
        steps = self.steps_for(request.scope)
        report.stage = "fetching"
        await self._fetch_all(steps, report, progress)
        results = [r for _, r in report.sources]
        outcome = merge(results)
        report.violations = outcome.violations
        unverified = {category(r) for r in results if r.status != "ok"}
        try:
            await self._plan_and_apply(report, outcome.models, unverified, outcome.order)
        except (PoolTimeout, psycopg.Error) as exc:
            report.outcome = "failed"
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            report.reason = Said(
                N_("database error, nothing written (rolled back): %(error)s"), error=first
            )
        await self._finish(report)

    async def _plan_and_apply(
        self,
        report: SyncReport,
        models: list[MergedModel],
        unverified: set[str],
        order: tuple[str, ...],
    ) -> None:
        request = report.request
        ok_count = sum(1 for _, r in report.sources if r.status == "ok")
        async with self._db.connection(5.0) as conn:
            existing = await load_existing(conn)
            plan = plan_sync(
                models,
                existing,
                complete=request.scope == "all" and ok_count > 0,
                unverified_sources=unverified,
                priority=order,
            )
            report.plan = plan
            report.guard = check_guard(
                plan, max_share=self._max_share, min_active=self._min_active, force=request.force
            )
            if ok_count == 0:
                report.outcome = "failed"
                report.reason = Said(N_("every source failed; nothing changed"))
                return
            if request.dry_run:
                report.outcome = "dry_run"
                report.reason = "" if report.guard.allowed else report.guard.reason
                return
            if not report.guard.allowed:
                report.outcome, report.reason = "refused", report.guard.reason
                return
            if not plan.writes and not plan.deactivate:
                report.outcome = "nothing_to_do"
                return
            report.stage = "writing"
            report.rows_written = await apply_plan(conn, plan, run_id=report.run_id)
            report.stage = "written"
        report.outcome = "applied"
        report.reason = report.guard.reason if report.guard.overridden else ""
        try:
            report.cache_keys_cleared = await clear_prefixes(self._redis, self._prefixes)
        except (RedisError, OSError) as exc:
            not_cleared = Said(
                N_("the app's cache could not be cleared (%(error)s); clear it with /recover"),
                error=type(exc).__name__,
            )
            report.reason = Said.joined(
                "; ", [report.reason, not_cleared] if report.reason else [not_cleared]
            )

    async def _finish(self, report: SyncReport) -> None:
        if report.run_id is None:
            return
        plan = report.plan
        diff: dict[str, object] = {}
        if plan is not None:
            diff = {
                "added": plan.added,
                "updated": plan.updated,
                "unchanged": plan.unchanged,
                "deactivated": len(plan.deactivate),
                "kept_unverified": len(plan.kept_unverified),
                "rows_written": report.rows_written,
                "from_source": dict(plan.from_source),
                "violations": len(report.violations),
            }
        diff["partial"] = report.partial
        diff["sources_delivered"] = len(report.delivered)
        diff["sources_expected"] = len(report.expected)
        sources = [
            {
                "name": name,
                "status": r.status,
                "reason": r.reason,
                "count": len(r.records),
                "duration_ms": r.duration_ms,
                "placeholder": r.placeholder,
            }
            for name, r in report.sources
        ]
        try:
            async with self._db.connection(5.0) as conn:
                await finish_run(
                    conn,
                    report.run_id,
                    sources=sources,
                    diff=diff,
                    outcome=report.outcome,
                    reason=report.reason,
                )
        except (PoolTimeout, psycopg.Error) as exc:
            log.warning(
                "could not record the end of sync run %s: %s", report.run_id, type(exc).__name__
            )
