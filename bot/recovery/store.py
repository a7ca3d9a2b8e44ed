"""``chatops.recovery_runs``: the audit row of every recovery, refused ones included.

Every write is best effort with a bounded wait: a recovery runs when the database may be
down, so a failed write is logged and retried at the end of the run, never fatal.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import psycopg
from psycopg_pool import PoolTimeout

from bot.recovery.model import Outcome, RecoveryOptions, RecoveryReport, StepReport
from bot.stores.db import Database

log = logging.getLogger(__name__)

_INSERT = """
INSERT INTO chatops.recovery_runs
    (actor, idempotency_key, dry_run, options, steps, outcome, reason, started_at, finished_at,
     incident_id)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (idempotency_key) DO NOTHING
RETURNING id, actor, options, steps, outcome, reason, started_at, finished_at, incident_id
"""
_UPDATE = """
UPDATE chatops.recovery_runs SET steps = %s, outcome = %s, reason = %s, finished_at = %s,
    incident_id = %s, updated_at = now()
WHERE id = %s
"""
_BY_KEY = """
SELECT id, actor, options, steps, outcome, reason, started_at, finished_at, incident_id
FROM chatops.recovery_runs WHERE idempotency_key = %s
"""


class StoreUnavailableError(Exception):
    """The audit table could not be reached; the message names why."""


def _steps_json(report: RecoveryReport) -> str:
    return json.dumps([s.as_json() for s in report.steps], default=str)


def _from_row(row: tuple[Any, ...]) -> RecoveryReport:
    options = RecoveryOptions.from_json(row[2])
    report = RecoveryReport(
        actor=str(row[1]),
        options=options,
        started_at=row[6],
        steps=[StepReport.from_json(item) for item in row[3] or []],
        outcome=Outcome(row[4]),
        finished_at=row[7],
        reason=str(row[5]),
        run_id=int(row[0]),
        incident_id=int(row[8]) if row[8] is not None else None,
    )
    return report


class RecoveryStore:
    """Reads and writes recovery rows through the bot's pool."""

    def __init__(self, db: Database, *, timeout_s: float = 5.0) -> None:
        self._db = db
        self._timeout_s = timeout_s

    async def insert(self, report: RecoveryReport, key: str | None) -> RecoveryReport | None:
        """Record a run; returns the row, or None when ``key`` was already recorded."""
        args = (
            report.actor,
            key,
            report.options.dry_run,
            json.dumps(report.options.as_json()),
            _steps_json(report),
            report.outcome.value,
            report.reason,
            report.started_at,
            report.finished_at,
            report.incident_id,
        )
        return await self._one(_INSERT, args)

    async def find(self, key: str) -> RecoveryReport | None:
        """The run recorded under an idempotency key."""
        return await self._one(_BY_KEY, (key,))

    async def _one(self, sql: str, args: tuple[Any, ...]) -> RecoveryReport | None:
        """The run one statement returns; StoreUnavailableError when the table is out of reach."""
        try:
            async with self._db.connection(self._timeout_s) as conn:
                cur = await conn.execute(sql, args)
                row = await cur.fetchone()
        except (PoolTimeout, psycopg.Error) as exc:
            raise StoreUnavailableError(type(exc).__name__) from None
        return _from_row(row) if row else None

    async def save(self, report: RecoveryReport) -> bool:
        """Write the steps and the outcome of a recorded run; False when it could not."""
        if report.run_id is None:
            return False
        args = (
            _steps_json(report),
            report.outcome.value,
            report.reason,
            report.finished_at,
            report.incident_id,
            report.run_id,
        )
        try:
            async with self._db.connection(self._timeout_s) as conn:
                await conn.execute(_UPDATE, args)
        except (PoolTimeout, psycopg.Error) as exc:
            log.warning("could not record recovery run %s: %s", report.run_id, type(exc).__name__)
            return False
        return True
