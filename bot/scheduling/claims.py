"""The claim side of a firing, tolerant of a database that comes and goes.

``FiringLedger`` wraps ``JobRunStore`` for one replica: a claim is retried while the
database is down and the firing is still within its grace (then ``UnclaimedError``); an
outcome is retried a few times; a missed firing is recorded when it can be.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

import psycopg
from psycopg_pool import PoolTimeout

from bot.scheduling.model import Clock
from bot.scheduling.runs import JobRunStore, Outcome

log = logging.getLogger(__name__)
DB_ERRORS = (PoolTimeout, psycopg.Error, OSError)


class UnclaimedError(Exception):
    """The claim could not be made before the firing's grace ended (database down)."""


def missed_detail(late_s: float, grace_s: float, *, at_start: bool) -> str:
    """The ``detail`` of a firing recorded as missed."""
    why = "every replica was down" if at_start else "this replica was too late"
    return f"not run: {late_s:.0f} s late, past the {grace_s:.0f} s grace ({why})"


class FiringLedger:
    """Claims, outcomes and missed firings of one replica in ``chatops.job_runs``."""

    def __init__(
        self, runs: JobRunStore, *, replica: str, clock: Clock, retry_s: float, grace_s: float
    ) -> None:
        self.runs = runs
        self._replica = replica
        self._clock = clock
        self._retry_s = retry_s
        self._grace_s = grace_s

    async def claim(self, job_id: str, scheduled_for: datetime) -> int | None:
        """The run id when this replica won, None when another did; ``UnclaimedError`` when
        the database stayed down past the firing's grace."""
        deadline = scheduled_for.timestamp() + self._grace_s
        while True:
            try:
                return await self.runs.claim(
                    job_id=job_id,
                    scheduled_for=scheduled_for,
                    replica=self._replica,
                    now=self._clock(),
                )
            except DB_ERRORS as exc:
                left = deadline - self._clock().timestamp()
                reason = type(exc).__name__
                if left <= 0:
                    log.error(
                        "job %s: firing of %s not run: database unavailable (%s)",
                        job_id,
                        scheduled_for.isoformat(),
                        reason,
                    )
                    raise UnclaimedError from exc
                log.warning("job %s: cannot claim its firing yet (%s); retrying", job_id, reason)
                await asyncio.sleep(min(self._retry_s, left))

    async def finish(self, run_id: int, job_id: str, outcome: Outcome, detail: str) -> None:
        """Record how a claimed firing ended (three attempts, then a log line)."""
        for attempt in range(3):
            try:
                await self.runs.finish(run_id, outcome=outcome, detail=detail, now=self._clock())
                return
            except DB_ERRORS as exc:
                log.warning(
                    "job %s: could not record its outcome (%s), attempt %d",
                    job_id,
                    type(exc).__name__,
                    attempt + 1,
                )
                await asyncio.sleep(self._retry_s)

    async def missed(
        self, job_id: str, scheduled_for: datetime, detail: str, *, only_if_known: bool = False
    ) -> bool:
        """Record a firing nobody ran in time; False when not recorded (ran, or no database)."""
        try:
            recorded = await self.runs.record_missed(
                job_id=job_id,
                scheduled_for=scheduled_for,
                replica=self._replica,
                detail=detail,
                only_if_known=only_if_known,
            )
        except DB_ERRORS as exc:
            log.warning("job %s: missed firing not recorded (%s)", job_id, type(exc).__name__)
            return False
        if recorded:
            log.warning(
                "job %s: the firing of %s was missed: %s", job_id, scheduled_for.isoformat(), detail
            )
        return recorded
