"""``chatops.check_results``: the latest outcome of each check, one row per check id."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.checks.model import CheckResult, CheckState, StoredCheck
from bot.stores.db import Database

_COLUMNS = "check_id, state, status, title, detail, facts, checked_at, changed_at"


def _stored(row: Sequence[Any]) -> StoredCheck:
    return StoredCheck(
        check_id=row[0],
        state=CheckState(row[1]),
        status=row[2],
        title=row[3],
        detail=row[4],
        facts=dict(row[5] or {}),
        checked_at=row[6],
        changed_at=row[7],
    )


class CheckResultStore:
    """Upserts check outcomes (``changed_at`` moves only when the state changes) and reads them."""

    def __init__(self, db: Database, *, timeout_s: float = 5.0) -> None:
        self._db = db
        self._timeout_s = timeout_s

    async def save(self, results: Sequence[CheckResult], *, now: datetime) -> None:
        """Store each result as its check's latest outcome (one statement per batch)."""
        if not results:
            return
        rows = [
            (
                r.check_id,
                r.state.value,
                r.status,
                r.title[:200],
                r.detail[:1000],
                json.dumps(dict(r.facts), default=str),
                now,
            )
            for r in results
        ]
        async with self._db.connection(self._timeout_s) as conn, conn.cursor() as cur:
            await cur.executemany(
                "INSERT INTO chatops.check_results AS c"
                " (check_id, state, status, title, detail, facts, checked_at, changed_at)"
                " VALUES (%s, %s, %s, %s, %s, %s::jsonb, %s, %s)"
                " ON CONFLICT (check_id) DO UPDATE SET state = EXCLUDED.state,"
                " status = EXCLUDED.status, title = EXCLUDED.title, detail = EXCLUDED.detail,"
                " facts = EXCLUDED.facts, checked_at = EXCLUDED.checked_at,"
                " changed_at = CASE WHEN c.state = EXCLUDED.state THEN c.changed_at"
                "  ELSE EXCLUDED.changed_at END",
                [(*row, row[-1]) for row in rows],
            )

    async def get(self, check_id: str) -> StoredCheck | None:
        """One check's latest outcome."""
        async with self._db.connection(self._timeout_s) as conn:
            cur = await conn.execute(
                f"SELECT {_COLUMNS} FROM chatops.check_results WHERE check_id = %s",  # noqa: S608
                (check_id,),
            )
            row = await cur.fetchone()
        return _stored(row) if row else None

    async def all(self, *, limit: int = 1000) -> list[StoredCheck]:
        """Every check's latest outcome, by id."""
        async with self._db.connection(self._timeout_s) as conn:
            cur = await conn.execute(
                f"SELECT {_COLUMNS} FROM chatops.check_results"  # noqa: S608
                " ORDER BY check_id LIMIT %s",
                (limit,),
            )
            rows = await cur.fetchall()
        return [_stored(row) for row in rows]
