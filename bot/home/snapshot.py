"""The App Home snapshot: the overall state from the latest stored checks, the open incidents,
the last sync of each source, the key states and the next scheduled runs.

Everything comes from the database (``chatops.check_results``, the incidents, ``sync_runs``,
``job_runs`` and the schedule in the settings): reading it never runs a probe or calls an
upstream, so the tab opens at the speed of a few indexed queries. A store that does not
answer leaves its section unknown (with the reason); the others still show.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import psycopg
from psycopg_pool import PoolTimeout

from bot.checks.model import CheckState, StoredCheck
from bot.checks.store import CheckResultStore
from bot.i18n.translator import N_
from bot.incidents.model import Incident, Severity
from bot.incidents.reading import IncidentReader
from bot.scheduling.model import JobStatus, job_statuses
from bot.settings.schedule import ScheduleConfig
from bot.stores.db import Database

T = TypeVar("T")
_STORE_ERRORS = (PoolTimeout, psycopg.Error, OSError, TimeoutError)
INCIDENTS_READ = 200  # the tab shows what fits; the total is counted from these
SYNC_RUNS_READ = 50  # the newest finished syncs: enough to find every source's last one
KEY_PREFIX = "key:"

# Why a section is unknown (translated where shown).
STORE_DOWN = N_("the database did not answer")
NO_CHECKS = N_("no check has run yet")
NO_KEYS = N_("no key check has run yet")
NO_SYNCS = N_("no sync has finished yet")


def utc_now() -> datetime:
    """The current time in UTC (the default clock)."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class HomeIncident:
    """An open (or acknowledged) incident, with what its buttons need."""

    id: int
    title: str
    severity: str  # critical | warning | info
    state: str  # open | acknowledged
    level: int
    count: int
    opened_at: datetime
    acknowledged_by: str | None


@dataclass(frozen=True)
class HomeSource:
    """A source's part in the last finished sync that asked it."""

    name: str
    status: str  # ok | failed | skipped | unknown
    at: datetime
    run_id: int
    reason: str


@dataclass(frozen=True)
class HomeKey:
    """A provider key as the last key check found it."""

    provider: str
    state: str  # ok | failed | unknown | skipped
    status: str  # valid | invalid | missing | quota | ...
    checked_at: datetime


@dataclass(frozen=True)
class HomeRun:
    """A scheduled job: when it fires next (None: off) and how its last firing ended."""

    job_id: str
    trigger: str
    enabled: bool
    next_run_at: datetime | None
    last_outcome: str | None
    last_at: datetime | None


@dataclass(frozen=True)
class HomeSnapshot:
    """What the App Home tab shows; each ``*_unknown`` names why its section is not known."""

    generated_at: datetime
    overall: str  # ok | degraded | down | unknown
    failing: tuple[str, ...]  # titles of the failing checks
    incidents: tuple[HomeIncident, ...]
    incidents_total: int
    sources: tuple[HomeSource, ...]
    keys: tuple[HomeKey, ...]
    schedule: tuple[HomeRun, ...]
    checks_unknown: str = ""
    incidents_unknown: str = ""
    sources_unknown: str = ""
    keys_unknown: str = ""
    schedule_unknown: str = ""
    checked_at: datetime | None = None  # the newest stored check


def overall_state(
    checks: Sequence[StoredCheck] | None, incidents: Sequence[HomeIncident] | None
) -> str:
    """down: a critical incident is open; degraded: a warning incident or a failed check;
    unknown: nothing is known (or a store did not answer); else ok."""
    if incidents is not None and any(i.severity == Severity.CRITICAL.value for i in incidents):
        return "down"
    failed = checks is not None and any(c.state is CheckState.FAILED for c in checks)
    if failed or (incidents is not None and incidents):
        return "degraded"
    if checks is None or incidents is None or not checks:
        return "unknown"
    return "ok"


def _incident(i: Incident) -> HomeIncident:
    return HomeIncident(
        i.id,
        i.title,
        i.severity.value,
        i.state.value,
        int(i.level),
        i.count,
        i.opened_at,
        i.acknowledged_by,
    )


def _run(s: JobStatus) -> HomeRun:
    last = s.last_run
    return HomeRun(
        s.job_id,
        s.trigger,
        s.enabled,
        s.next_run_at,
        last.outcome.value if last is not None else None,
        last.scheduled_for if last is not None else None,
    )


def last_per_source(rows: Sequence[Sequence[Any]]) -> tuple[HomeSource, ...]:
    """Each source's entry in the newest run that lists it (rows: id, finished_at, sources,
    newest first), by name."""
    found: dict[str, HomeSource] = {}
    for run_id, finished_at, sources in rows:
        for item in sources if isinstance(sources, list) else []:
            if not isinstance(item, dict) or not isinstance(item.get("name"), str):
                continue
            name = item["name"]
            if name not in found:
                status = str(item.get("status", "unknown"))
                reason = str(item.get("reason", ""))
                found[name] = HomeSource(name, status, finished_at, int(run_id), reason)
    return tuple(found[name] for name in sorted(found))


class HomeReader:
    """Reads a ``HomeSnapshot`` from the stores (never a live probe)."""

    def __init__(
        self,
        db: Database,
        *,
        schedule: ScheduleConfig,
        clock: Callable[[], datetime] = utc_now,
        timeout_s: float = 5.0,
    ) -> None:
        self._db = db
        self._schedule = schedule
        self._clock = clock
        self._timeout_s = timeout_s
        self._checks = CheckResultStore(db, timeout_s=timeout_s)
        self._incidents = IncidentReader(db, clock=clock, db_timeout_s=timeout_s)

    async def read(self) -> HomeSnapshot:
        """The snapshot as of now; never raises for a store that is down."""
        now = self._clock()
        (checks, _), (incidents, _), (sources, _), (statuses, _) = await asyncio.gather(
            _attempt(self._checks.all()),
            _attempt(self._incidents.list_open(limit=INCIDENTS_READ)),
            _attempt(self._syncs()),
            _attempt(
                job_statuses(self._db, config=self._schedule, now=now, timeout_s=self._timeout_s)
            ),
        )
        shown = tuple(_incident(i) for i in incidents) if incidents is not None else None
        others = [c for c in checks or () if not c.check_id.startswith(KEY_PREFIX)]
        keys = tuple(
            HomeKey(c.check_id.removeprefix(KEY_PREFIX), c.state.value, c.status, c.checked_at)
            for c in checks or ()
            if c.check_id.startswith(KEY_PREFIX)
        )
        return HomeSnapshot(
            generated_at=now,
            overall=overall_state(checks, shown),
            failing=tuple(c.title for c in others if c.state is CheckState.FAILED),
            incidents=shown or (),
            incidents_total=len(shown or ()),
            sources=sources or (),
            keys=keys,
            schedule=tuple(_run(s) for s in statuses or ()),
            checks_unknown=STORE_DOWN if checks is None else ("" if checks else NO_CHECKS),
            incidents_unknown=STORE_DOWN if incidents is None else "",
            sources_unknown=STORE_DOWN if sources is None else ("" if sources else NO_SYNCS),
            keys_unknown=STORE_DOWN if checks is None else ("" if keys else NO_KEYS),
            schedule_unknown=STORE_DOWN if statuses is None else "",
            checked_at=max((c.checked_at for c in checks or ()), default=None),
        )

    async def _syncs(self) -> tuple[HomeSource, ...]:
        async with self._db.connection(self._timeout_s) as conn:
            cur = await conn.execute(
                "SELECT id, finished_at, sources FROM chatops.sync_runs"
                " WHERE finished_at IS NOT NULL AND NOT dry_run"
                " ORDER BY started_at DESC LIMIT %s",
                (SYNC_RUNS_READ,),
            )
            rows = await cur.fetchall()
        return last_per_source(rows)


async def _attempt(work: Awaitable[T]) -> tuple[T | None, str]:
    """(the value, "") or (None, the error's type) when the store could not answer."""
    try:
        return await work, ""
    except _STORE_ERRORS as exc:
        return None, type(exc).__name__
