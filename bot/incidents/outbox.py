"""Timeline lines not yet delivered to Slack: the outbox a notifier catches up from."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime

from bot.incidents.model import IncidentEvent
from bot.incidents.rows import EVENT_COLUMNS, fetch_events
from bot.stores.db import Database

# pg_try_advisory_lock key: one replica at a time catches up on the outbox.
_DELIVERY_LOCK_KEY = 0x616973690010


class OutboxStore:
    """Reads undelivered thread lines and marks lines delivered."""

    def __init__(self, db: Database, *, timeout_s: float = 10.0) -> None:
        self._db = db
        self._timeout_s = timeout_s

    async def undelivered(self, *, before: datetime, limit: int = 100) -> list[IncidentEvent]:
        """Thread lines written before ``before`` that never reached Slack, oldest first."""
        async with self._db.connection(self._timeout_s) as conn:
            return await fetch_events(
                conn,
                f"SELECT {EVENT_COLUMNS} FROM chatops.incident_events"  # noqa: S608 - constant
                " WHERE thread AND posted_at IS NULL AND at < %s ORDER BY id LIMIT %s",
                (before, limit),
            )

    async def mark_delivered(self, event_ids: Sequence[int], *, now: datetime) -> int:
        """Mark lines as posted to the thread; returns how many were still pending."""
        if not event_ids:
            return 0
        async with self._db.connection(self._timeout_s) as conn:
            cur = await conn.execute(
                "UPDATE chatops.incident_events SET posted_at = %s"
                " WHERE id = ANY(%s) AND posted_at IS NULL",
                (now, list(event_ids)),
            )
        return cur.rowcount

    @asynccontextmanager
    async def exclusive(self) -> AsyncIterator[bool]:
        """Yields True while this process alone catches up (a session advisory lock held on
        one connection); False when another replica is at it. A killed holder's lock ends
        with its connection."""
        async with self._db.connection(self._timeout_s) as conn:
            cur = await conn.execute("SELECT pg_try_advisory_lock(%s)", (_DELIVERY_LOCK_KEY,))
            row = await cur.fetchone()
            mine = bool(row and row[0])
            try:
                yield mine
            finally:
                if mine:
                    await conn.execute("SELECT pg_advisory_unlock(%s)", (_DELIVERY_LOCK_KEY,))
