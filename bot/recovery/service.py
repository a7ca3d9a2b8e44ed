"""The recovery: steps in fixed order under one lock, live progress, an audit row, an incident.

``RecoveryService.run`` never raises for a failing step or store: everything it learnt is
in the returned ``RecoveryReport``. It re-raises only ``CancelledError`` (after marking the
run ``interrupted``).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime

from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.i18n.translator import N_, Translator, translator
from bot.recovery.access import NOT_OPERATOR, OperatorCheck, Operators, allowed
from bot.recovery.incident import AlertRaiser, open_incident
from bot.recovery.lock import LockLostError, LockRefusal, RecoveryGuard, RecoveryLocks
from bot.recovery.model import (
    ALL_STEPS,
    Outcome,
    RecoveryOptions,
    RecoveryReport,
    StepName,
    StepState,
)
from bot.recovery.steps import RecoveryStep, StepContext, StepFailedError, describe_error
from bot.recovery.store import RecoveryStore, StoreUnavailableError
from bot.stores.locks import LockHolder

log = logging.getLogger(__name__)

Progress = Callable[[RecoveryReport], Awaitable[None]]
REQUEST_PREFIX = "aisi-bot:recovery:request:"
# Reasons worded by the bot: catalog message ids the summary translates where it shows them.
DUPLICATE = N_("this request was already received; nothing new was started")
DUPLICATE_STARTING = N_(
    "this request was already received; nothing new was started"
    " (the first run is still starting)"
)
LOCK_LOST = N_("stopped: the recovery lock was lost (another run may start)")


def _normalise_key(key: str) -> str:
    return key if 0 < len(key) <= 200 else "sha256:" + hashlib.sha256(key.encode()).hexdigest()


class RecoveryService:
    """Runs recoveries. ``steps`` are the four step objects (see ``bot.recovery``);
    ``operators`` is a fixed set of user ids or a live ``OperatorCheck``."""

    def __init__(
        self,
        *,
        store: RecoveryStore,
        redis: Redis,
        locks: RecoveryLocks,
        steps: Sequence[RecoveryStep],
        operators: Operators,
        incidents: AlertRaiser | None = None,
        idempotency_ttl_s: int = 86_400,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._store = store
        self._redis = redis
        self._locks = locks
        self._steps = {step.name: step for step in steps}
        self._operators: Operators = (
            operators if isinstance(operators, OperatorCheck) else frozenset(operators)
        )
        self._incidents = incidents
        self._ttl_s = idempotency_ttl_s
        self._clock = clock
        self._live: dict[str, RecoveryReport] = {}

    def describe_steps(self, t: Translator | None = None) -> list[tuple[StepName, str]]:
        """Each configured step in run order, with what it will do (for the confirmation), in
        ``t``'s language (English by default)."""
        return [(name, self._steps[name].describe(t)) for name in ALL_STEPS if name in self._steps]

    async def may_run(self, actor: str) -> bool:
        """Whether ``actor`` may start a recovery (with the operators as they are now)."""
        return await allowed(actor, self._operators)

    async def current(self) -> LockHolder | None:
        """Who runs a recovery now and since when; None when none runs."""
        return await self._locks.holder()

    async def run(
        self,
        options: RecoveryOptions,
        *,
        actor: str,
        idempotency_key: str | None = None,
        progress: Progress | None = None,
        t: Translator | None = None,
    ) -> RecoveryReport:
        """Run one recovery (or refuse it, or return the run a repeated key already started).

        ``actor`` is ``user:<slack id>`` or ``cli:<name>``; ``idempotency_key`` (the modal's
        view id, a CLI run's own id) makes a repeat return the first run's report instead of
        starting another; ``progress`` hears a copy of the report after each change; ``t``
        (English by default) is the language the steps write their lines in.
        """
        report = RecoveryReport.start(options, actor=actor, now=self._clock())
        if not await self.may_run(actor):
            return await self.record_refusal(options, actor=actor, reason=NOT_OPERATOR)
        key = _normalise_key(idempotency_key) if idempotency_key else None
        if key is not None:
            earlier = await self._claim(key, report)
            if earlier is not None:
                return earlier
        guard: RecoveryGuard | None = None
        if not options.dry_run:
            got = await self._locks.acquire(actor)
            if isinstance(got, LockRefusal):
                return await self._refused(report, got, key)
            guard = got
            report.notes.extend(got.notes)
        earlier = await self._record(report, key)
        if earlier is not None:
            if guard is not None:
                await self._locks.release(guard)
            return earlier
        if key is not None:
            self._live[key] = report
        keeper = asyncio.create_task(self._locks.keep(guard)) if guard else None
        try:
            await self._execute(report, key, guard, progress, t or translator("en"))
        except asyncio.CancelledError:
            report.interrupt(self._clock())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._record(report, key), 5.0)
            raise
        finally:
            if keeper is not None:
                keeper.cancel()
                await asyncio.gather(keeper, return_exceptions=True)
            if guard is not None:
                await self._locks.release(guard)
            if key is not None:
                self._live.pop(key, None)
        return report

    async def record_refusal(
        self,
        options: RecoveryOptions,
        *,
        actor: str,
        reason: str,
        idempotency_key: str | None = None,
        holder: LockHolder | None = None,
    ) -> RecoveryReport:
        """Record a recovery refused before it started (e.g. not an operator, or ``holder``
        runs one already); audited."""
        report = RecoveryReport.start(options, actor=actor, now=self._clock())
        report.reason = reason
        if holder is not None:
            report.holder, report.holder_since = holder.holder, holder.since
        key = _normalise_key(idempotency_key) if idempotency_key else None
        return await self._finish_refused(report, key)

    # -- the run --------------------------------------------------------------------------

    async def _execute(
        self,
        report: RecoveryReport,
        key: str | None,
        guard: RecoveryGuard | None,
        progress: Progress | None,
        t: Translator,
    ) -> None:
        async def changed() -> None:
            if progress is None:
                return
            try:
                await progress(report.snapshot())
            except Exception:  # an injected callback's failure must not stop a recovery
                log.exception("recovery progress callback failed (error id %s)", _error_id())

        await changed()
        for item in report.steps:
            if guard is not None and guard.lost.is_set():
                report.reason = LOCK_LOST
                item.state = StepState.FAILED
                item.detail.append(t._(LOCK_LOST))
                break
            item.state = StepState.RUNNING
            await changed()
            started = time.monotonic()
            ctx = StepContext(report.options, report.actor, item, changed, t)
            try:
                await self._run_step(self._steps[item.name], ctx, guard)
                item.state = StepState.OK
            except StepFailedError as exc:
                item.state = StepState.FAILED
                item.detail.append(str(exc))
                item.data["error"] = str(exc)
            except LockLostError:
                item.state = StepState.FAILED
                report.reason = LOCK_LOST
                item.detail.append(t._(LOCK_LOST))
            except KeyError:
                item.state = StepState.FAILED
                item.detail.append(
                    t._("step %(step)s is not configured in this bot", step=item.name.value)
                )
            except Exception as exc:  # a bug in one step must still end in a report
                error_id = _error_id()
                log.exception("recovery step %s failed (error id %s)", item.name, error_id)
                item.state = StepState.FAILED
                item.detail.append(
                    t._(
                        "unexpected error %(error)s (error id %(id)s)",
                        error=describe_error(exc),
                        id=error_id,
                    )
                )
            item.duration_s = round(time.monotonic() - started, 3)
            await self._store.save(report)
            await changed()
            if report.reason or (
                item.state is StepState.FAILED and not report.options.continue_on_failure
            ):
                break
        report.settle()
        report.finished_at = self._clock()
        failed = report.outcome in (Outcome.FAILED, Outcome.PARTIAL)
        if failed and not report.options.dry_run and self._incidents is not None:
            await open_incident(self._incidents, report)
        if guard is not None:
            report.notes.extend(n for n in guard.notes if n not in report.notes)
        await self._record(report, key)
        await changed()

    async def _run_step(
        self, step: RecoveryStep, ctx: StepContext, guard: RecoveryGuard | None
    ) -> None:
        """Run one step; when the lock is lost meanwhile, cancel it and raise LockLostError."""
        if guard is None:
            await step.run(ctx)
            return
        work = asyncio.create_task(step.run(ctx))
        lost = asyncio.create_task(guard.lost.wait())
        try:
            await asyncio.wait({work, lost}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            lost.cancel()
            stopped = not work.done()
            if stopped:
                work.cancel()
            await asyncio.gather(work, lost, return_exceptions=True)
        if stopped:
            raise LockLostError
        work.result()  # the step's exception, if it raised

    # -- idempotency and the audit row ----------------------------------------------------

    async def _claim(self, key: str, report: RecoveryReport) -> RecoveryReport | None:
        """None when this key is new (now claimed); else the report of the earlier request."""
        value = json.dumps({"actor": report.actor, "at": report.started_at.isoformat()})
        try:
            fresh = await self._redis.set(REQUEST_PREFIX + key, value, nx=True, ex=self._ttl_s)
        except (RedisError, OSError):
            fresh = True  # Redis down: the row's unique key still catches a repeat
        if fresh:
            return None
        live = self._live.get(key)
        earlier: RecoveryReport | None
        if live is not None:
            earlier = live.snapshot()
        else:
            try:
                earlier = await self._store.find(key)
            except StoreUnavailableError:
                earlier = None
        if earlier is None:
            earlier = report.snapshot()
            earlier.reason = DUPLICATE_STARTING
        earlier.duplicate = True
        return earlier

    async def _record(self, report: RecoveryReport, key: str | None) -> RecoveryReport | None:
        """Write the audit row: insert it once (retried later while the database is down),
        then update it. Returns the earlier run when ``key`` was already recorded."""
        if report.run_id is not None:
            await self._store.save(report)
            return None
        try:
            row = await self._store.insert(report, key)
        except StoreUnavailableError as exc:
            note = f"the audit row could not be written yet ({exc})"
            if note not in report.notes:
                report.notes.append(note)
            return None
        if row is not None:
            report.run_id = row.run_id
            return None
        if key is None:
            return None
        try:
            earlier = await self._store.find(key)
        except StoreUnavailableError:
            earlier = None
        if earlier is None:
            return None
        earlier.duplicate = True
        earlier.reason = earlier.reason or DUPLICATE
        return earlier

    async def _refused(
        self, report: RecoveryReport, refusal: LockRefusal, key: str | None
    ) -> RecoveryReport:
        report.reason = refusal.reason
        if refusal.holder is not None:
            report.holder, report.holder_since = refusal.holder.holder, refusal.holder.since
        return await self._finish_refused(report, key)

    async def _finish_refused(self, report: RecoveryReport, key: str | None) -> RecoveryReport:
        report.outcome = Outcome.REFUSED
        for item in report.steps:
            item.state = StepState.SKIPPED
        report.finished_at = report.started_at
        return await self._record(report, key) or report


def _error_id() -> str:
    return uuid.uuid4().hex[:8]
