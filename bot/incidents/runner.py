"""The escalation timer loop of one replica: fire due timers, sleep until the next is due.

Every replica may run it: each timer fires once across replicas (PostgreSQL decides). A
database that is down is waited out with a growing pause; the loop never dies of it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import Any

import psycopg
from psycopg_pool import PoolTimeout

from bot.incidents.service import IncidentService

log = logging.getLogger(__name__)


class EscalationTimerLoop:
    """Runs ``fire_due_timers`` whenever a timer is due, polling at most every ``poll_s``."""

    def __init__(
        self,
        service: IncidentService,
        *,
        replica: str,
        poll_s: float = 1.0,
        max_backoff_s: float = 30.0,
    ) -> None:
        self._service = service
        self._replica = replica
        self._poll_s = poll_s
        self._max_backoff_s = max_backoff_s
        self._stop = asyncio.Event()
        self._wake = asyncio.Event()
        self.fired = 0
        self.failures = 0
        self._progress = asyncio.Condition()

    def wake(self) -> None:
        """Look for due timers now (e.g. right after a new incident opened)."""
        self._wake.set()

    def stop(self) -> None:
        """Ask the loop to finish after the current round."""
        self._stop.set()

    async def wait_until(
        self, predicate: Callable[[EscalationTimerLoop], bool], timeout_s: float
    ) -> None:
        """Wait (bounded) until ``predicate(loop)`` holds after some round."""
        async with asyncio.timeout(timeout_s), self._progress:
            await self._progress.wait_for(lambda: predicate(self))

    async def run(self) -> None:
        """Fire due timers until ``stop()``; survives database outages."""
        failures = 0
        while not self._stop.is_set():
            try:
                self.fired += len(await self._service.fire_due_timers(replica=self._replica))
                wait = await self._until_next_due()
                failures = 0
            except (psycopg.Error, PoolTimeout, OSError) as exc:
                task = asyncio.current_task()
                if task is not None and task.cancelling():
                    raise asyncio.CancelledError from exc  # a cancelled query, not an outage
                failures += 1
                self.failures += 1
                wait = min(self._max_backoff_s, self._poll_s * 2**failures)
                log.warning(
                    "escalation timers: database unavailable (%s); retry in %.0f s",
                    type(exc).__name__,
                    wait,
                )
            async with self._progress:
                self._progress.notify_all()
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise asyncio.CancelledError  # Python 3.11's wait_for may swallow a cancel
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(wait):
                    await _first(self._stop.wait(), self._wake.wait())

    async def _until_next_due(self) -> float:
        due: datetime | None = await self._service.next_timer_due()
        if due is None:
            return self._poll_s
        seconds = (due - self._service.now()).total_seconds()
        return max(0.0, min(self._poll_s, seconds))


async def _first(*waits: Coroutine[Any, Any, object]) -> None:
    tasks = [asyncio.ensure_future(w) for w in waits]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
