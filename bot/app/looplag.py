"""The event loop's own health: how late a short periodic sleep wakes up.

A handler that blocks the loop (a quadratic regex, a big parse, a full garbage collection)
delays every other request, /healthz and signal handling alike. A ticker that asks to wake
every ``interval_s`` and records how late it actually woke measures exactly that stall.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

TICK_S = 0.02


async def watch_loop_lag(record: Callable[[float], None], interval_s: float = TICK_S) -> None:
    """Forever: sleep ``interval_s``, then report the lateness (seconds) to ``record``."""
    while True:
        expected = time.perf_counter() + interval_s
        await asyncio.sleep(interval_s)
        record(max(0.0, time.perf_counter() - expected))
