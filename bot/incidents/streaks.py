"""Consecutive failures of the bot's own checks (``chatops.check_streaks``): flap suppression."""

from __future__ import annotations

from datetime import datetime

from bot.stores.db import Database


class StreakStore:
    """Counts consecutive failures per dedup key; a pass resets the count."""

    def __init__(self, db: Database, *, timeout_s: float = 10.0) -> None:
        self._db = db
        self._timeout_s = timeout_s

    async def record(self, dedup_key: str, *, ok: bool, now: datetime) -> int:
        """Record one check result (one upsert, safe across replicas); returns the streak."""
        async with self._db.connection(self._timeout_s) as conn:
            cur = await conn.execute(
                "INSERT INTO chatops.check_streaks AS s (dedup_key, failures, last_ok, last_at)"
                " VALUES (%s, CASE WHEN %s THEN 0 ELSE 1 END, %s, %s)"
                " ON CONFLICT (dedup_key) DO UPDATE SET"
                " failures = CASE WHEN EXCLUDED.last_ok THEN 0 ELSE s.failures + 1 END,"
                " last_ok = EXCLUDED.last_ok, last_at = EXCLUDED.last_at"
                " RETURNING failures",
                (dedup_key, ok, ok, now),
            )
            row = await cur.fetchone()
        assert row is not None
        return int(row[0])

    async def failures(self, dedup_key: str) -> int:
        """The current failure streak of a key (0 when unknown)."""
        async with self._db.connection(self._timeout_s) as conn:
            cur = await conn.execute(
                "SELECT failures FROM chatops.check_streaks WHERE dedup_key = %s", (dedup_key,)
            )
            row = await cur.fetchone()
        return int(row[0]) if row else 0
