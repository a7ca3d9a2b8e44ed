"""Run checks concurrently, raise or clear each one's incident, store the latest outcomes.

Each OK or FAILED result goes to ``IncidentService.record_check`` under its check id (the
flap threshold is the incident layer's); UNKNOWN and SKIPPED results leave incidents as
they are. Every result, whatever its state, becomes its check's row in
``chatops.check_results`` (what the daily report and the next check read).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import httpx
import psycopg
from psycopg_pool import PoolTimeout
from redis.exceptions import RedisError

from bot.checks.model import CheckResult, CheckState, NamedCheck, StoredCheck, unknown
from bot.checks.store import CheckResultStore
from bot.incidents import Action, CheckOutcome, IncidentService

log = logging.getLogger(__name__)
_EXPECTED = (PoolTimeout, psycopg.Error, OSError, httpx.HTTPError, RedisError)
_ALERTING = (Action.CREATED, Action.UPDATED)


@dataclass(frozen=True)
class CheckRun:
    """What one round of checks found and did."""

    results: tuple[CheckResult, ...]
    outcomes: tuple[CheckOutcome, ...]
    errors: tuple[str, ...] = ()

    @property
    def counts(self) -> Counter[str]:
        """Results per state."""
        return Counter(r.state.value for r in self.results)

    def keys_with(self, action: Action) -> list[str]:
        """The dedup keys whose incident this round created, updated or resolved."""
        return [
            o.dedup_key
            for o in self.outcomes
            if o.outcome is not None and o.outcome.action is action
        ]

    def summary(self) -> str:
        """One line: '9 checks: 7 ok, 1 failed, 1 unknown; opened: source:x; resolved: key:y'."""
        counts = self.counts
        states = ", ".join(f"{counts[s.value]} {s.value}" for s in CheckState if counts[s.value])
        parts = [f"{len(self.results)} checks: {states or 'none'}"]
        for word, action in (("opened", Action.CREATED), ("resolved", Action.RESOLVED)):
            keys = self.keys_with(action)
            if keys:
                parts.append(f"{word}: {', '.join(keys)}")
        if self.errors:
            parts.append("not recorded: " + "; ".join(self.errors))
        return "; ".join(parts)


class _Context:
    """What a check may read: the time, its previous outcome, whether its incident is open."""

    def __init__(
        self, store: CheckResultStore, incidents: IncidentService, clock: Callable[[], datetime]
    ) -> None:
        self._store = store
        self._incidents = incidents
        self._clock = clock

    def now(self) -> datetime:
        return self._clock()

    async def previous(self, check_id: str) -> StoredCheck | None:
        return await self._store.get(check_id)

    async def incident_open(self, check_id: str) -> bool:
        return await self._incidents.find_open(check_id) is not None


def utc_now() -> datetime:
    """The current time in UTC (the default clock)."""
    return datetime.now(UTC)


class CheckRunner:
    """Runs ``NamedCheck``s under one deadline each and reports them to the incident layer."""

    def __init__(
        self,
        *,
        incidents: IncidentService,
        store: CheckResultStore,
        clock: Callable[[], datetime] = utc_now,
        check_timeout_s: float = 30.0,
        source: str = "aisi-bot",
    ) -> None:
        self._incidents = incidents
        self._store = store
        self._clock = clock
        self._timeout_s = check_timeout_s
        self._source = source

    async def run(self, checks: Sequence[NamedCheck]) -> CheckRun:
        """Run every check concurrently; never raises for a check's or a store's failure."""
        ctx = _Context(self._store, self._incidents, self._clock)
        found = await asyncio.gather(*(self._one(check, ctx) for check in checks))
        results = [result for group in found for result in group]
        outcomes: list[CheckOutcome] = []
        errors: list[str] = []
        stored: list[CheckResult] = []
        for result in results:
            if result.state not in (CheckState.OK, CheckState.FAILED):
                stored.append(result)
                continue
            try:
                outcome = await self._incidents.record_check(
                    result.check_id,
                    ok=result.state is CheckState.OK,
                    title=result.title,
                    severity=result.severity,
                    source=self._source,
                    details={"detail": result.detail, **dict(result.facts)},
                )
            except _EXPECTED as exc:
                errors.append(f"{result.check_id} ({type(exc).__name__})")
                stored.append(result)
                continue
            outcomes.append(outcome)
            alerted = outcome.outcome is not None and outcome.outcome.action in _ALERTING
            facts = {**result.facts, "failures": outcome.consecutive_failures, "alerted": alerted}
            stored.append(replace(result, facts=facts))
        try:
            await self._store.save(stored, now=self._clock())
        except _EXPECTED as exc:
            errors.append(f"check results ({type(exc).__name__})")
        return CheckRun(tuple(stored), tuple(outcomes), tuple(errors))

    async def _one(self, check: NamedCheck, ctx: _Context) -> list[CheckResult]:
        try:
            async with asyncio.timeout(self._timeout_s):
                return await check.run(ctx)
        except TimeoutError:
            why = f"timed out after {self._timeout_s:g} s"
        except _EXPECTED as exc:
            why = f"could not check: {type(exc).__name__}"
        except Exception as exc:  # one check's bug must not stop the others; logged with an id
            error_id = uuid.uuid4().hex[:8]
            log.exception("check %s failed (error id %s)", check.name, error_id)
            why = f"check failed: {type(exc).__name__} (error id {error_id})"
        return [unknown(check.check_id, f"{check.name} check", why)]
