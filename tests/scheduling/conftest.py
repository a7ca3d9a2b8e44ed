"""Fixtures for scheduled work: the test database opened like the bot opens it, one pool per
simulated replica, a job body that counts its runs per scheduled time, the incident layer
with a recording notifier, the upstream stand-ins and the check runner."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import datetime

import httpx
import psycopg
import pytest

from bot.checks import (
    CheckResultStore,
    CheckRun,
    CheckRunner,
    CheckState,
    NamedCheck,
    fetch_check,
)
from bot.incidents import (
    EscalationPolicy,
    EventKind,
    IncidentService,
    RecordingNotifier,
    State,
)
from bot.scheduling import Firing, JobResult
from bot.sources.github_backup import fetch_github_backup
from bot.sources.records import SourceResult
from bot.stores.db import Database
from tests.incidents.conftest import FakeClock, clock, db, notifier
from tests.sync_upstreams import GITHUB_PATH
from tests.upstreams import Upstreams

__all__ = ["clock", "db", "notifier"]  # the incident tests' fixtures, shared here


@pytest.fixture
async def replica_pools(database_url: str) -> AsyncIterator[Callable[[], Awaitable[Database]]]:
    """Open a separate pool per simulated replica (closed at the end)."""
    opened: list[Database] = []

    async def open_one() -> Database:
        database = Database(database_url, max_size=3, connect_timeout_s=30)
        await database.open()
        opened.append(database)
        return database

    yield open_one
    for database in opened:
        await database.close()


class CountingJob:
    """A job body that records who ran which scheduled time, and can be told to fail."""

    def __init__(self, *, fail_with: BaseException | None = None) -> None:
        self.runs: Counter[datetime] = Counter()
        self.firings: list[Firing] = []
        self.fail_with = fail_with
        self._changed = asyncio.Condition()

    async def __call__(self, firing: Firing) -> JobResult:
        async with self._changed:
            self.runs[firing.scheduled_for] += 1
            self.firings.append(firing)
            self._changed.notify_all()
        if self.fail_with is not None:
            raise self.fail_with
        return JobResult(True, f"ran on {firing.replica}")

    async def wait_for_runs(self, count: int, timeout_s: float = 10.0) -> None:
        """Wait until the body ran for ``count`` scheduled times."""
        async with asyncio.timeout(timeout_s), self._changed:
            await self._changed.wait_for(lambda: len(self.runs) >= count)


@pytest.fixture
def counting_job() -> CountingJob:
    """A fresh counting job body."""
    return CountingJob()


@pytest.fixture
def incidents(db: Database, clock: FakeClock, notifier: RecordingNotifier) -> IncidentService:
    """The incident layer on the test database: flap threshold 2, one escalation round."""
    policy = EscalationPolicy(primary=("UPRIMARY",), after_s=600, max_repeats=0, flap_threshold=2)
    return IncidentService(db, policy=policy, notifier=notifier, clock=clock)


@pytest.fixture
async def upstreams() -> AsyncIterator[Upstreams]:
    """The stand-in server on loopback."""
    async with Upstreams() as server:
        yield server


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    """The bot's kind of HTTP client."""
    async with httpx.AsyncClient(timeout=5) as client:
        yield client


@pytest.fixture
def runner(incidents: IncidentService, db: Database, clock: FakeClock) -> CheckRunner:
    """The check runner on the test database, 2 s per check."""
    return CheckRunner(
        incidents=incidents, store=CheckResultStore(db), clock=clock, check_timeout_s=2
    )


def failing(run: CheckRun) -> list[str]:
    """The ids of the checks that failed in a round."""
    return [r.check_id for r in run.results if r.state is CheckState.FAILED]


async def rounds(runner: CheckRunner, checks: Sequence[NamedCheck], count: int) -> list[CheckRun]:
    """Run the checks ``count`` times in a row."""
    return [await runner.run(checks) for _ in range(count)]


async def all_incidents(incidents: IncidentService) -> list[tuple[str, State, int]]:
    """(dedup key, state, repeat count) of every incident."""
    return [(i.dedup_key, i.state, i.count) for i in await incidents.list_all()]


async def assert_resolved_in_thread(
    incidents: IncidentService, notifier: RecordingNotifier, key: str
) -> None:
    """The incident of ``key`` is resolved by the check, with its thread line."""
    (incident,) = [i for i in await incidents.list_all() if i.dedup_key == key]
    assert incident.state is State.RESOLVED and incident.resolved_by == "system"
    assert incident.resolution_note == "check passed again"
    lines = [c for c in notifier.named("thread_line") if c.incident.id == incident.id]
    assert [c.args["event"].kind for c in lines][-1] is EventKind.RESOLVED


async def job_rows(database_url: str, job_id: str) -> list[tuple[datetime, str, str, str]]:
    """(scheduled time, replica, outcome, detail) of a job's firings, oldest first."""
    async with await psycopg.AsyncConnection.connect(database_url) as conn:
        cur = await conn.execute(
            "SELECT scheduled_for, replica, outcome, detail FROM chatops.job_runs"
            " WHERE job_id = %s ORDER BY scheduled_for",
            (job_id,),
        )
        return list(await cur.fetchall())


def backup_check(
    upstreams: Upstreams,
    http: httpx.AsyncClient,
    clock: FakeClock,
    max_age_days: int = 3650,
    timeout_s: float = 2,
) -> NamedCheck:
    """The GitHub backup as the sync fetches it, with the test's clock as 'now'."""

    async def fetch() -> SourceResult:
        url = upstreams.url + GITHUB_PATH
        return await fetch_github_backup(client=http, url=url, timeout_s=timeout_s, now=clock())

    return fetch_check("github_backup", fetch, backup_max_age_days=max_age_days)
