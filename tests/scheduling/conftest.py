"""Fixtures for scheduled work: the test database opened like the bot opens it, one pool per
simulated replica, and a job body that counts its runs per scheduled time."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime

import pytest

from bot.db import Database
from bot.scheduling import Firing, JobResult


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    """The module's emptied database through the bot's pool."""
    database = Database(database_url, max_size=10, connect_timeout_s=30)
    await database.open()
    yield database
    await database.close()


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
