"""The system health check: every probe concurrently, each under its own deadline."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.health.probes.base import ProbeFn, ProbeResult, ProbeState, run_with_deadline, worst
from bot.i18n.said import Said
from bot.i18n.translator import N_

# component word → title shown in reports (a catalog message id), in report order
GROUP_TITLES: dict[str, str] = {
    "keys": N_("Provider keys"),
    "db": N_("Database"),
    "cache": N_("Cache"),
    "app": N_("App endpoints"),
    "vendors": N_("Vendor status pages"),
    "ops": N_("Bot operations"),
}

@dataclass(frozen=True)
class NamedProbe:
    """A probe the health check can run: its name, its group and the coroutine factory."""

    name: str
    group: str
    run: ProbeFn


@dataclass(frozen=True)
class HealthGroup:
    """The results of one component group."""

    key: str
    title: str
    state: ProbeState
    results: tuple[ProbeResult, ...]


@dataclass(frozen=True)
class HealthReport:
    """A whole health check: overall state, groups in a fixed order, timing."""

    state: ProbeState
    groups: tuple[HealthGroup, ...]
    checked_at: datetime
    duration_ms: float
    component: str | None = None
    unknown: tuple[str, ...] = field(default=())

    @property
    def results(self) -> list[ProbeResult]:
        """Every probe result, group by group."""
        return [r for g in self.groups for r in g.results]


# Told of every probe run: its result and how long it took (seconds), e.g. for a histogram.
ProbeObserver = Callable[[ProbeResult, float], None]


class HealthCheck:
    """Runs the probes it was given and folds them into a HealthReport."""

    def __init__(
        self,
        probes: Sequence[NamedProbe],
        *,
        probe_timeout_s: float,
        deadline_s: float,
        observe: ProbeObserver | None = None,
    ) -> None:
        self._probes = list(probes)
        self._observe = observe
        self._components = [k for k in GROUP_TITLES if any(p.group == k for p in self._probes)]
        self._probe_timeout_s = probe_timeout_s
        self._deadline_s = deadline_s
        self._in_flight: dict[str | None, asyncio.Task[HealthReport]] = {}

    @property
    def probes(self) -> tuple[NamedProbe, ...]:
        """The probes this check runs, in report order."""
        return tuple(self._probes)

    @property
    def components(self) -> list[str]:
        """The component words that have at least one probe."""
        return self._components

    async def run(self, component: str | None = None) -> HealthReport:
        """The report for ``component`` (None: everything); the report always comes back.

        Callers that ask while the same check is running share its report instead of
        starting another: twenty people typing /health during an incident cost one check,
        not twenty times every upstream request.
        """
        task = self._in_flight.get(component)
        if task is None or task.done():
            task = asyncio.create_task(self._run_once(component))
            self._in_flight[component] = task
            task.add_done_callback(lambda done: self._forget(component, done))
        return await asyncio.shield(task)

    def _forget(self, component: str | None, task: asyncio.Task[HealthReport]) -> None:
        if self._in_flight.get(component) is task:
            del self._in_flight[component]

    async def _run_once(self, component: str | None) -> HealthReport:
        started = time.perf_counter()
        chosen = [p for p in self._probes if component is None or p.group == component]
        tasks = {
            asyncio.create_task(run_with_deadline(p.name, p.group, p.run, self._probe_timeout_s)): p
            for p in chosen
        }
        finished: dict[asyncio.Task[ProbeResult], float] = {}
        for task in tasks:
            task.add_done_callback(lambda t: finished.setdefault(t, time.perf_counter()))
        done, pending = (
            await asyncio.wait(tasks, timeout=self._deadline_s) if tasks else (set(), set())
        )
        results: dict[NamedProbe, ProbeResult] = {}
        for task in pending:
            task.cancel()
            probe = tasks[task]
            results[probe] = ProbeResult(
                probe.name,
                probe.group,
                ProbeState.UNKNOWN,
                self._deadline_s * 1000,
                Said(N_("no answer within the %(n)s s deadline"), n=f"{self._deadline_s:g}"),
                "timeout",
            )
        for task in done:
            probe = tasks[task]
            results[probe] = _result_of(task, probe)
        if self._observe is not None:
            now = time.perf_counter()
            for task, probe in tasks.items():
                self._observe(results[probe], finished.get(task, now) - started)
        return _fold(results, chosen, component, started)


def _result_of(task: asyncio.Task[ProbeResult], probe: NamedProbe) -> ProbeResult:
    exc = task.exception()
    if exc is None:
        return task.result()
    return ProbeResult(
        probe.name,
        probe.group,
        ProbeState.UNKNOWN,
        None,
        Said(N_("probe failed: %(error)s"), error=type(exc).__name__),
        "probe_error",
    )


def _fold(
    results: Mapping[NamedProbe, ProbeResult],
    order: Sequence[NamedProbe],
    component: str | None,
    started: float,
) -> HealthReport:
    groups = []
    for key, title in GROUP_TITLES.items():
        members = tuple(results[p] for p in order if p.group == key)
        if members:
            groups.append(HealthGroup(key, title, worst([r.state for r in members]), members))
    all_results = [r for g in groups for r in g.results]
    return HealthReport(
        state=worst([g.state for g in groups]),
        groups=tuple(groups),
        checked_at=datetime.now(UTC),
        duration_ms=round((time.perf_counter() - started) * 1000, 1),
        component=component,
        unknown=tuple(r.name for r in all_results if r.state is ProbeState.UNKNOWN),
    )
