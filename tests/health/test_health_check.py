"""HealthCheck itself: concurrency, deadlines, sharing one check between callers."""

from __future__ import annotations

import asyncio

from bot.health.check import HealthCheck, NamedProbe
from bot.health.probes.base import ProbeResult, ProbeState


def _probe(
    name: str, gate: asyncio.Event, calls: list[str], entered: asyncio.Event | None = None
) -> NamedProbe:
    async def run() -> ProbeResult:
        calls.append(name)
        if entered is not None:
            entered.set()
        await gate.wait()
        return ProbeResult(name, "db", ProbeState.OK, 1.0, "fine")

    return NamedProbe(name, "db", run)


async def test_concurrent_callers_share_one_check() -> None:
    """Five /health at once run the probes once and all get the same report."""
    gate, entered, calls = asyncio.Event(), asyncio.Event(), []
    check = HealthCheck([_probe("A", gate, calls, entered)], probe_timeout_s=5, deadline_s=5)
    waiters = [asyncio.create_task(check.run()) for _ in range(5)]
    await entered.wait()
    gate.set()
    reports = await asyncio.gather(*waiters)
    assert calls == ["A"]
    assert all(r is reports[0] for r in reports)
    await check.run()
    assert calls == ["A", "A"]


async def test_a_cancelled_caller_does_not_cancel_the_shared_check() -> None:
    """One caller giving up leaves the check running for the others."""
    gate, entered, calls = asyncio.Event(), asyncio.Event(), []
    check = HealthCheck([_probe("A", gate, calls, entered)], probe_timeout_s=5, deadline_s=5)
    first, second = asyncio.create_task(check.run()), asyncio.create_task(check.run())
    await entered.wait()
    first.cancel()
    gate.set()
    report = await second
    assert report.state is ProbeState.OK


async def test_probe_past_the_deadline_is_unknown_not_down() -> None:
    """A probe still running at the overall deadline is reported unknown, and the report comes."""
    never = asyncio.Event()
    check = HealthCheck([_probe("Hung", never, [])], probe_timeout_s=5, deadline_s=0.2)
    report = await check.run()
    assert report.state is ProbeState.UNKNOWN
    assert report.results[0].detail == "no answer within the 0.2 s deadline"
    assert report.unknown == ("Hung",)


async def test_a_crashing_probe_is_unknown() -> None:
    """A probe that raises becomes unknown with the exception type, the others still report."""

    async def boom() -> ProbeResult:
        raise RuntimeError("secret-ish detail")

    gate = asyncio.Event()
    gate.set()
    check = HealthCheck(
        [NamedProbe("Boom", "db", boom), _probe("A", gate, [])], probe_timeout_s=1, deadline_s=1
    )
    report = await check.run()
    details = {r.name: r.detail for r in report.results}
    assert details["Boom"] == "probe failed: RuntimeError"
    assert details["A"] == "fine"
