"""The one bounded executor for work after an ack: a few workers and a queue of fixed length.

``submit`` never waits: it queues the work or says at once why it cannot (the queue is
full, or the bot is stopping), so a handler can tell the person before it acks. On
shutdown the executor stops taking work, lets queued and running work finish within a
grace period, then cancels what is left and reports what was abandoned.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum

from bot.app.metrics import Metrics

log = logging.getLogger(__name__)

WorkFn = Callable[[], Awaitable[None]]

# After the grace period, cancelled work gets this long to record and say that it stopped.
CANCEL_WAIT_S = 2.0


class Admission(StrEnum):
    """What ``submit`` did with a piece of work."""

    ACCEPTED = "accepted"
    QUEUE_FULL = "queue_full"
    STOPPING = "stopping"


@dataclass(frozen=True)
class _Item:
    name: str
    run: WorkFn
    abandon: WorkFn | None  # tells the person it never ran (shutdown)


@dataclass(frozen=True)
class ShutdownSummary:
    """What happened to the work still there when the bot stopped."""

    finished_in_grace: bool
    abandoned_queued: Counter[str]
    cancelled_running: Counter[str]

    def line(self) -> str:
        """One log line: counts per work name."""
        if self.finished_in_grace:
            return "all acknowledged work finished"

        def part(what: str, counts: Counter[str]) -> str:
            names = ", ".join(f"{name}: {n}" for name, n in sorted(counts.items()))
            return f"{sum(counts.values())} {what}" + (f" ({names})" if names else "")

        return (
            f"abandoned {part('queued, never started', self.abandoned_queued)};"
            f" {part('running, cancelled', self.cancelled_running)}"
        )


class WorkExecutor:
    """N worker tasks consuming one asyncio queue of bounded length."""

    def __init__(self, *, workers: int, queue_length: int, metrics: Metrics) -> None:
        self._size = workers
        self._queue: asyncio.Queue[_Item] = asyncio.Queue(maxsize=queue_length)
        self._metrics = metrics
        self._workers: list[asyncio.Task[None]] = []
        self._running: dict[asyncio.Task[None], str] = {}
        self._urgent: dict[asyncio.Task[None], str] = {}
        self._accepting = True
        self._pending = 0  # queued + running
        self._idle = asyncio.Event()
        self._idle.set()
        metrics.work_queue.set_function(self._queue.qsize)
        metrics.work_running.set_function(lambda: len(self._running))

    @property
    def queued(self) -> int:
        """Work waiting for a worker."""
        return self._queue.qsize()

    @property
    def capacity(self) -> int:
        """How much work the queue holds at most."""
        return self._queue.maxsize

    @property
    def running(self) -> int:
        """Work a worker is running now."""
        return len(self._running)

    def start(self) -> None:
        """Start the workers (needs a running event loop)."""
        if not self._workers:
            self._workers = [
                asyncio.create_task(self._worker(), name=f"work-{i}") for i in range(self._size)
            ]

    def submit(self, name: str, run: WorkFn, *, abandon: WorkFn | None = None) -> Admission:
        """Queue ``run`` (named for metrics: a command name) without waiting.

        ``abandon`` runs instead (briefly, at shutdown) if the grace period ends first.
        """
        if not self._accepting:
            self._metrics.work_refused.labels(name).inc()
            return Admission.STOPPING
        try:
            self._queue.put_nowait(_Item(name, run, abandon))
        except asyncio.QueueFull:
            self._metrics.work_refused.labels(name).inc()
            return Admission.QUEUE_FULL
        self._pending += 1
        self._idle.clear()
        return Admission.ACCEPTED

    def start_now(self, name: str, run: WorkFn) -> Admission:
        """Start short work that cannot wait for a worker (opening a dialog before Slack's
        trigger id expires) in its own task, now. At most as many at once as there are
        workers; it counts for ``wait_idle`` and is cancelled by ``shutdown`` like the rest.
        """
        if not self._accepting:
            self._metrics.work_refused.labels(name).inc()
            return Admission.STOPPING
        if len(self._urgent) >= self._size:
            self._metrics.work_refused.labels(name).inc()
            return Admission.QUEUE_FULL
        task = asyncio.create_task(self._run_urgent(name, run), name=f"urgent-{name}")
        self._urgent[task] = name
        self._pending += 1
        self._idle.clear()
        return Admission.ACCEPTED

    async def _run_urgent(self, name: str, run: WorkFn) -> None:
        task = asyncio.current_task()
        assert task is not None
        try:
            await run()
        except Exception:  # work items report their own failures; this is a last resort
            log.exception("work item %s failed", name)
        else:
            self._metrics.work_completed.labels(name).inc()
        finally:
            self._urgent.pop(task, None)
            self._done_one()

    async def wait_idle(self, timeout_s: float) -> bool:
        """Wait until nothing is queued or running; False if something still was at the timeout."""
        if self._idle.is_set():
            return True
        try:
            await asyncio.wait_for(self._idle.wait(), max(timeout_s, 0))
        except TimeoutError:
            return False
        return True

    async def _worker(self) -> None:
        task = asyncio.current_task()
        assert task is not None
        while True:
            item = await self._queue.get()
            self._running[task] = item.name
            try:
                await item.run()
            except Exception:  # work items report their own failures; this is a last resort
                log.exception("work item %s failed", item.name)
            finally:
                del self._running[task]
                self._done_one()
            self._metrics.work_completed.labels(item.name).inc()  # not when cancelled

    def _done_one(self) -> None:
        self._pending -= 1
        if self._pending == 0:
            self._idle.set()

    async def shutdown(self, grace_s: float) -> ShutdownSummary:
        """Take no more work; wait up to ``grace_s`` for the rest, then cancel what remains."""
        self._accepting = False
        finished = await self.wait_idle(grace_s)
        abandoned: Counter[str] = Counter()
        notices: list[asyncio.Task[None]] = []
        while not self._queue.empty():
            item = self._queue.get_nowait()
            abandoned[item.name] += 1
            self._done_one()
            if item.abandon is not None:
                notices.append(asyncio.create_task(_quietly(item.name, item.abandon)))
        cancelled = Counter(self._running.values()) + Counter(self._urgent.values())
        for name, count in (abandoned + cancelled).items():
            self._metrics.work_abandoned.labels(name).inc(count)
        busy: list[asyncio.Task[None]] = [t for t in self._workers if t in self._running]
        busy += list(self._urgent)
        for task in [*self._workers, *self._urgent]:
            task.cancel()
        if busy or notices:
            # Cancelled work records that it was interrupted and says so, within a bounded time.
            _, still = await asyncio.wait([*busy, *notices], timeout=CANCEL_WAIT_S)
            for task in still:
                task.cancel()
            if still:
                log.warning("%d stopped work item(s) could not finish saying so", len(still))
        for task in self._workers:
            if task.done():
                with contextlib.suppress(asyncio.CancelledError):
                    task.result()
        self._workers = []
        return ShutdownSummary(finished, abandoned, cancelled)


async def _quietly(name: str, notice: WorkFn) -> None:
    try:
        await notice()
    except Exception as exc:  # the reply URL may be in the message: name the type only
        log.warning("could not tell the person that %s was not run: %s", name, type(exc).__name__)
