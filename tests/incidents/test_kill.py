"""A replica SIGKILLed with a timer in hand: the timer still fires exactly once."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import psycopg

from bot.incidents import EventKind, IncidentService, RecordingNotifier
from tests.incidents.conftest import FakeClock, alert

REPO_ROOT = __file__.rsplit("/tests/", 1)[0]


@asynccontextmanager
async def doomed_replica(database_url: str, now: str, mode: str) -> AsyncIterator[None]:
    """Start a replica process, wait until it hangs at ``mode``, yield, then SIGKILL it."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.incidents.replica_process",
        database_url,
        now,
        mode,
        cwd=REPO_ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        line = await asyncio.wait_for(proc.stdout.readline(), 30)
        assert line.strip() == b"HANGING", line
        yield
    finally:
        if proc.returncode is None:
            proc.kill()
        await proc.wait()


async def wait_for_firing(service: IncidentService, timeout_s: float = 20.0) -> list[object]:
    """Fire due timers until one fires (the dead replica's locks go when PostgreSQL notices)."""
    async with asyncio.timeout(timeout_s):
        while True:
            fired = await service.fire_due_timers(replica="survivor")
            if fired:
                return list(fired)
            await asyncio.sleep(0.05)  # polling a condition with a deadline, not a sync sleep


async def test_killed_in_the_middle_of_firing_the_timer_fires_once_elsewhere(
    service: IncidentService, clock: FakeClock, database_url: str
) -> None:
    """SIGKILL while the firing transaction is open: nothing committed, the survivor fires it."""
    outcome = await service.raise_alert(alert("db_down"), actor="system")
    assert outcome.incident is not None
    now = clock.advance(61)
    async with doomed_replica(database_url, now.isoformat(), "in-transaction"):
        assert await service.fire_due_timers(replica="survivor") == []  # held by the doomed one
    fired = await wait_for_firing(service)
    assert len(fired) == 1
    assert await service.fire_due_timers(replica="survivor") == []
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT fired_by FROM chatops.incident_timers WHERE fired_at IS NOT NULL"
        ).fetchall()
    assert rows == [("survivor",)]


async def test_killed_after_committing_the_step_it_is_not_repeated_and_the_page_goes_out(
    service: IncidentService, clock: FakeClock, database_url: str, notifier: RecordingNotifier
) -> None:
    """SIGKILL while paging (step committed): no second firing; the outbox sends the page."""
    outcome = await service.raise_alert(alert("db_down"), actor="system")
    assert outcome.incident is not None
    now = clock.advance(61)
    async with doomed_replica(database_url, now.isoformat(), "after-commit"):
        pass
    assert await service.fire_due_timers(replica="survivor") == []
    clock.advance(120)  # the outbox delivers lines older than its grace period
    assert await service.deliver_pending(older_than_s=60) == 1
    pages = notifier.named("page_level2")
    assert [c.args["user_ids"] for c in pages] == [("UPRIMARY",)]
    assert [c.args["event"].kind for c in notifier.named("thread_line")] == [EventKind.ESCALATED]
    assert await service.deliver_pending(older_than_s=60) == 0
