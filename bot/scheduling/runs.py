"""``chatops.job_runs``: the claim that makes each firing run once, and its recorded outcome."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.stores.db import Database


class Outcome(StrEnum):
    """How a firing ended (``running`` until it does)."""

    RUNNING = "running"
    OK = "ok"
    FAILED = "failed"  # the job ran and reported a failure (a sync refused, a post rejected)
    ERROR = "error"  # the job raised; the detail names the error id in the log
    MISSED = "missed"  # no replica ran it within the misfire grace time
    INTERRUPTED = "interrupted"  # the replica running it stopped before it finished


@dataclass(frozen=True)
class JobRun:
    """One row of ``chatops.job_runs``."""

    job_id: str
    scheduled_for: datetime
    replica: str
    started_at: datetime | None
    finished_at: datetime | None
    outcome: Outcome
    detail: str

    def as_json(self) -> dict[str, Any]:
        """JSON-able view for ``aisi-bot jobs --json``."""

        def iso(value: datetime | None) -> str | None:
            return value.isoformat() if value else None

        return {
            "job_id": self.job_id,
            "scheduled_for": iso(self.scheduled_for),
            "replica": self.replica,
            "started_at": iso(self.started_at),
            "finished_at": iso(self.finished_at),
            "outcome": self.outcome.value,
            "detail": self.detail,
        }


_COLUMNS = "job_id, scheduled_for, replica, started_at, finished_at, outcome, detail"
DETAIL_LIMIT = 1000


def _run(row: Sequence[Any]) -> JobRun:
    return JobRun(row[0], row[1], row[2], row[3], row[4], Outcome(row[5]), row[6])


class JobRunStore:
    """Claims, outcomes and the latest run of each job. Every method is one statement."""

    def __init__(self, db: Database, *, timeout_s: float = 5.0) -> None:
        self._db = db
        self._timeout_s = timeout_s

    async def claim(
        self, *, job_id: str, scheduled_for: datetime, replica: str, now: datetime
    ) -> int | None:
        """Claim a firing; its row id when this replica won, None when another one did."""
        async with self._db.connection(self._timeout_s) as conn:
            cur = await conn.execute(
                "INSERT INTO chatops.job_runs (job_id, scheduled_for, replica, started_at, outcome)"
                " VALUES (%s, %s, %s, %s, 'running')"
                " ON CONFLICT (job_id, scheduled_for) DO NOTHING RETURNING id",
                (job_id, scheduled_for, replica, now),
            )
            row = await cur.fetchone()
        return int(row[0]) if row else None

    async def finish(self, run_id: int, *, outcome: Outcome, detail: str, now: datetime) -> None:
        """Record how a claimed firing ended."""
        async with self._db.connection(self._timeout_s) as conn:
            await conn.execute(
                "UPDATE chatops.job_runs SET finished_at = %s, outcome = %s, detail = %s"
                " WHERE id = %s",
                (now, outcome.value, detail[:DETAIL_LIMIT], run_id),
            )

    async def record_missed(
        self,
        *,
        job_id: str,
        scheduled_for: datetime,
        replica: str,
        detail: str,
        only_if_known: bool = False,
    ) -> bool:
        """Record a firing nobody ran in time (never when a row exists); True if recorded.

        ``only_if_known``: record it only when the job has run before (a fresh install did
        not miss the firings before it existed).
        """
        async with self._db.connection(self._timeout_s) as conn:
            cur = await conn.execute(
                "INSERT INTO chatops.job_runs (job_id, scheduled_for, replica, outcome, detail)"
                " SELECT %(job)s, %(at)s, %(replica)s, 'missed', %(detail)s"
                " WHERE NOT %(only_if_known)s"
                "  OR EXISTS (SELECT 1 FROM chatops.job_runs WHERE job_id = %(job)s)"
                " ON CONFLICT (job_id, scheduled_for) DO NOTHING RETURNING id",
                {
                    "job": job_id,
                    "at": scheduled_for,
                    "replica": replica,
                    "detail": detail[:DETAIL_LIMIT],
                    "only_if_known": only_if_known,
                },
            )
            row = await cur.fetchone()
        return row is not None

    async def mark_interrupted(self, *, replica: str, now: datetime) -> int:
        """This replica's firings left ``running`` by its previous life; returns how many."""
        async with self._db.connection(self._timeout_s) as conn:
            cur = await conn.execute(
                "UPDATE chatops.job_runs SET outcome = 'interrupted', finished_at = %s,"
                " detail = 'the replica stopped before the job finished'"
                " WHERE replica = %s AND outcome = 'running'",
                (now, replica),
            )
            return cur.rowcount

    async def latest(self, job_ids: Sequence[str]) -> dict[str, JobRun]:
        """The most recent firing of each job (by scheduled time), read through the index."""
        async with self._db.connection(self._timeout_s) as conn:
            cur = await conn.execute(
                "SELECT r.* FROM unnest(%s::text[]) AS j(id) CROSS JOIN LATERAL ("  # noqa: S608
                f"  SELECT {_COLUMNS} FROM chatops.job_runs"
                "  WHERE job_id = j.id ORDER BY scheduled_for DESC LIMIT 1) AS r",
                (list(job_ids),),
            )
            rows = await cur.fetchall()
        return {row[0]: _run(row) for row in rows}

    async def prune(self, *, job_ids: Sequence[str], before: datetime) -> int:
        """Delete the firings of these jobs scheduled before ``before``; returns how many."""
        async with self._db.connection(self._timeout_s) as conn:
            cur = await conn.execute(
                "DELETE FROM chatops.job_runs WHERE job_id = ANY(%s) AND scheduled_for < %s",
                (list(job_ids), before),
            )
            return cur.rowcount
