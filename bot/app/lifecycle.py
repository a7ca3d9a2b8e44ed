"""Start-up and shutdown helpers shared by every way the bot runs (serve, local mode)."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import time
from typing import Any

from bot.app.work import WorkExecutor

log = logging.getLogger(__name__)


def freeze_startup_objects() -> None:
    """Move everything built at start-up out of the collector's reach.

    A full garbage collection walks every tracked object while holding the GIL; on a
    running bot that is tens of milliseconds during which the event loop cannot run, even
    when the work that triggered it (parsing the AA page) is in a worker thread.
    """
    gc.collect()
    gc.freeze()


def stop_on_signals(stop: asyncio.Event) -> None:
    """SIGINT and SIGTERM set ``stop`` (where the loop supports signal handlers)."""
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)


async def until_stopped(stop: asyncio.Event, work: asyncio.Future[Any]) -> bool:
    """Wait for ``work`` or ``stop``; on stop, cancel ``work``. True when ``work`` finished."""
    stopped: asyncio.Future[object] = asyncio.ensure_future(stop.wait())
    watched: set[asyncio.Future[Any]] = {work, stopped}
    try:
        await asyncio.wait(watched, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopped.cancel()
    if work.done():
        work.result()
        return True
    work.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await work
    return False


async def finish_work(work: WorkExecutor, deadline: float) -> None:
    """Let acknowledged work finish until ``deadline`` (monotonic), then cancel and log the rest."""
    grace = max(deadline - time.monotonic(), 0.0)
    log.info("shutting down: waiting for work in progress (at most %.0f s)", grace)
    summary = await work.shutdown(grace)
    if summary.finished_in_grace:
        log.info("shutdown: %s", summary.line())
    else:
        log.warning("shutdown grace period ended: %s", summary.line())
