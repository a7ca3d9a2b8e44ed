"""Plain results shared by every probe: no Slack, no I/O."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum

from bot.i18n.said import Said
from bot.i18n.translator import N_


class ProbeState(StrEnum):
    """What a probe learned. UNKNOWN is never shown as OK or as down."""

    OK = "ok"
    DEGRADED = "degraded"
    DOWN = "down"
    UNKNOWN = "unknown"


# Severity order used to fold many probe states into one overall state.
_SEVERITY = {ProbeState.OK: 0, ProbeState.UNKNOWN: 1, ProbeState.DEGRADED: 2, ProbeState.DOWN: 3}


def worst(states: list[ProbeState]) -> ProbeState:
    """The most severe state of a list (OK for an empty list)."""
    if not states:
        return ProbeState.OK
    return max(states, key=lambda s: _SEVERITY[s])


@dataclass(frozen=True)
class ProbeResult:
    """One probe's outcome: a name, a group, a state, how long it took and why.

    ``status`` is a finer machine-readable word (for keys: valid, missing, invalid,
    rate_limited, quota, provider_down, timeout, unreachable); ``detail`` is one short
    human line; ``facts`` holds extra plain values (counts, masked keys, waits).
    """

    name: str
    group: str
    state: ProbeState
    latency_ms: float | None
    detail: str
    status: str = ""
    facts: dict[str, str | int | float | None] = field(default_factory=dict)


ProbeFn = Callable[[], Awaitable[ProbeResult]]


async def run_with_deadline(name: str, group: str, probe: ProbeFn, timeout_s: float) -> ProbeResult:
    """Run one probe under its own deadline; a hang becomes 'timeout after N s'."""
    started = time.perf_counter()
    try:
        return await asyncio.wait_for(probe(), timeout=timeout_s)
    except TimeoutError:
        return ProbeResult(
            name=name,
            group=group,
            state=ProbeState.UNKNOWN,
            latency_ms=(time.perf_counter() - started) * 1000,
            detail=Said(N_("timeout after %(n)s s"), n=f"{timeout_s:g}"),
            status="timeout",
        )
