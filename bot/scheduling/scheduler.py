"""One APScheduler ``AsyncIOScheduler`` per replica; each firing runs once across replicas.

Every replica schedules every job (in-memory job store, the same anchored triggers, so they
all compute the same firing times). When a firing is due, the replica first claims
``(job_id, scheduled_for)`` in ``chatops.job_runs``; only the winner runs it. At start, the
latest firing of each job before now is caught up: run once if it is within the misfire
grace and nobody ran it, else recorded ``missed``.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from apscheduler.executors.base import BaseExecutor
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.scheduling.claims import DB_ERRORS, FiringLedger, UnclaimedError, missed_detail
from bot.scheduling.model import Clock, Firing, JobFunc, JobStatus, utc_now
from bot.scheduling.runs import JobRunStore, Outcome
from bot.scheduling.triggers import JobTrigger, TriggerSpec
from bot.settings.schedule import ScheduleConfig
from bot.stores.db import Database

log = logging.getLogger(__name__)

EXECUTOR = "claiming"


@dataclass(frozen=True)
class _Job:
    job_id: str
    func: JobFunc
    trigger: JobTrigger
    timeout_s: float


class _ClaimingExecutor(BaseExecutor):  # type: ignore[misc]
    """Hands the (coalesced) scheduled time of each due firing to the scheduler's claim."""

    def __init__(self, submit: Callable[[str, datetime], asyncio.Task[None]]) -> None:
        super().__init__()
        self._submit = submit

    def _do_submit_job(self, job: object, run_times: list[datetime]) -> None:
        job_id = str(getattr(job, "id", ""))
        task = self._submit(job_id, run_times[-1])
        task.add_done_callback(lambda _: self._run_job_success(job_id, []))

    def shutdown(self, wait: bool = True) -> None:
        """Nothing to do here: the scheduler waits for (or cancels) its own firings."""


class Scheduler:
    """Runs the registered jobs on their triggers, each firing once across all replicas.

    ``clock`` is used for the claim, the misfire check and the catch-up at start (tests
    move it); APScheduler itself wakes on the real clock. ``replica`` names this process
    in ``job_runs`` (use the same id after a restart so its unfinished rows are marked
    ``interrupted``).
    """

    def __init__(
        self,
        db: Database,
        *,
        config: ScheduleConfig,
        replica: str,
        clock: Clock = utc_now,
        db_timeout_s: float = 5.0,
        claim_retry_s: float = 2.0,
    ) -> None:
        self.config = config
        self.replica = replica
        self._clock = clock
        self._runs = JobRunStore(db, timeout_s=db_timeout_s)
        self._ledger = FiringLedger(
            self._runs,
            replica=replica,
            clock=clock,
            retry_s=claim_retry_s,
            grace_s=config.misfire_grace_s,
        )
        self._jobs: dict[str, _Job] = {}
        self._specs: dict[str, TriggerSpec] = {}
        self._aps: AsyncIOScheduler | None = None
        self._running: set[asyncio.Task[None]] = set()
        self._progress = asyncio.Condition()
        self.counts: Counter[str] = Counter()  # won, lost, missed and each outcome

    @property
    def runs(self) -> JobRunStore:
        """The job_runs store (for reading history)."""
        return self._runs

    def add_job(
        self, job_id: str, func: JobFunc, *, trigger: TriggerSpec, timeout_s: float = 900.0
    ) -> bool:
        """Register a job before ``start()``; False (and nothing scheduled) when it is off."""
        if self._aps is not None:
            raise RuntimeError("add jobs before start()")
        if job_id in self._specs:
            raise ValueError(f"job {job_id!r} is already registered")
        self._specs[job_id] = trigger
        if not trigger.enabled:
            return False
        built = JobTrigger.build(trigger, self.config.timezone)
        self._jobs[job_id] = _Job(job_id, func, built, timeout_s)
        return True

    def job_ids(self) -> list[str]:
        """Every registered job id (enabled or off), in registration order."""
        return list(self._specs)

    async def start(self) -> None:
        """Start firing; then catch up the latest firing each job may have missed."""
        if self._aps is not None:
            raise RuntimeError("the scheduler is already started")
        zone = ZoneInfo(self.config.timezone)
        grace = max(1, round(self.config.misfire_grace_s))
        aps = AsyncIOScheduler(timezone=zone)
        aps.add_executor(_ClaimingExecutor(self._submit), alias=EXECUTOR)
        for job in self._jobs.values():
            aps.add_job(
                _never_called,
                job.trigger.trigger,
                id=job.job_id,
                name=job.job_id,
                executor=EXECUTOR,
                misfire_grace_time=grace,
                coalesce=True,
                max_instances=1,
                replace_existing=True,
            )
        aps.start()
        self._aps = aps
        try:
            interrupted = await self._runs.mark_interrupted(replica=self.replica, now=self._clock())
            if interrupted:
                log.warning("%d firing(s) of this replica were interrupted by a stop", interrupted)
        except DB_ERRORS as exc:
            log.warning("scheduler: could not mark interrupted firings (%s)", type(exc).__name__)
        for job in self._jobs.values():
            await self._catch_up(job)

    async def shutdown(self, *, wait_s: float = 20.0) -> None:
        """Stop firing; let running firings finish for ``wait_s``, then cancel them."""
        if self._aps is not None:
            self._aps.shutdown(wait=False)
            self._aps = None
        running = list(self._running)
        if running:
            _, pending = await asyncio.wait(running, timeout=wait_s)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending, timeout=5.0)

    def next_runs(self) -> dict[str, datetime | None]:
        """Each enabled job's next scheduled firing (from the trigger when not started)."""
        now = self._clock()
        result: dict[str, datetime | None] = {}
        for job_id, job in self._jobs.items():
            scheduled = self._aps.get_job(job_id) if self._aps is not None else None
            at = getattr(scheduled, "next_run_time", None) if scheduled is not None else None
            result[job_id] = at if at is not None else job.trigger.next_after(now)
        return result

    async def statuses(self) -> list[JobStatus]:
        """Every registered job: trigger, next run, last run (database errors are raised)."""
        latest = await self._runs.latest(self.job_ids())
        upcoming = self.next_runs()
        return [
            JobStatus(
                job_id=job_id,
                trigger=spec.describe(),
                enabled=spec.enabled,
                next_run_at=upcoming.get(job_id),
                last_run=latest.get(job_id),
            )
            for job_id, spec in self._specs.items()
        ]

    async def wait_until(self, predicate: Callable[[Scheduler], bool], timeout_s: float) -> None:
        """Wait (bounded) until ``predicate(self)`` holds after some firing was handled."""
        async with asyncio.timeout(timeout_s), self._progress:
            await self._progress.wait_for(lambda: predicate(self))

    # -- firing ---------------------------------------------------------------------------

    def _submit(
        self, job_id: str, scheduled_for: datetime, catch_up: bool = False
    ) -> asyncio.Task[None]:
        """Start one firing as a task this scheduler tracks (and waits for on shutdown)."""
        work = self._claim_and_run(self._jobs[job_id], scheduled_for, catch_up=catch_up)
        task = asyncio.get_running_loop().create_task(work, name=f"job:{job_id}")
        self._running.add(task)
        task.add_done_callback(self._running.discard)
        return task

    async def _catch_up(self, job: _Job) -> None:
        now = self._clock()
        latest = job.trigger.previous(now)
        if latest is None:
            return
        late = (now - latest).total_seconds()
        if late <= self.config.misfire_grace_s:
            self._submit(job.job_id, latest, catch_up=True)
            return
        detail = missed_detail(late, self.config.misfire_grace_s, at_start=True)
        recorded = await self._ledger.missed(job.job_id, latest, detail, only_if_known=True)
        await self._count("missed" if recorded else "nothing_to_catch_up")

    async def _claim_and_run(self, job: _Job, scheduled_for: datetime, *, catch_up: bool) -> None:
        late = (self._clock() - scheduled_for).total_seconds()
        grace = self.config.misfire_grace_s
        if late > grace:
            detail = missed_detail(late, grace, at_start=False)
            if await self._ledger.missed(job.job_id, scheduled_for, detail):
                await self._count("missed")
            return
        try:
            run_id = await self._ledger.claim(job.job_id, scheduled_for)
        except UnclaimedError:
            await self._count("unclaimed")
            return
        if run_id is None:
            await self._count("lost")
            return
        await self._count("won")
        firing = Firing(job.job_id, scheduled_for, self.replica, max(0.0, late), catch_up)
        try:
            outcome, detail = await self._run(job, firing)
        except asyncio.CancelledError:
            log.warning("job %s cancelled while running (shutdown)", job.job_id)
            stopped = self._ledger.finish(
                run_id, job.job_id, Outcome.INTERRUPTED, "stopped by shutdown"
            )
            await asyncio.shield(asyncio.wait_for(stopped, 3.0))
            raise
        await self._ledger.finish(run_id, job.job_id, outcome, detail)
        await self._count(outcome.value)

    async def _run(self, job: _Job, firing: Firing) -> tuple[Outcome, str]:
        try:
            async with asyncio.timeout(job.timeout_s):
                result = await job.func(firing)
        except TimeoutError:
            return Outcome.ERROR, f"timed out after {job.timeout_s:g} s"
        except Exception as exc:  # a job's bug must not kill the scheduler; logged with an id
            error_id = uuid.uuid4().hex[:8]
            log.exception("job %s failed (error id %s)", job.job_id, error_id)
            return Outcome.ERROR, f"{type(exc).__name__} (error id {error_id})"
        return (Outcome.OK if result.ok else Outcome.FAILED), result.detail

    async def _count(self, what: str) -> None:
        async with self._progress:
            self.counts[what] += 1
            self._progress.notify_all()


async def _never_called() -> None:
    """APScheduler needs a callable per job; the claiming executor runs the real one."""
    raise AssertionError("the claiming executor runs jobs")
