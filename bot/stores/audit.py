"""The authorisation audit: who asked for what, when, and whether it was allowed (chatops.audit).

Decisions are taken on the ack path, so ``record`` never waits on the database: each row is
written by a background task, and a row the database does not take is logged in full
instead (who, what, allowed or refused, why), so no decision goes unrecorded.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime

import psycopg
from psycopg_pool import PoolTimeout

from bot.stores.db import Database

log = logging.getLogger(__name__)

# Rows waiting for the database at most; beyond this a decision is only logged.
MAX_PENDING = 1000
WRITE_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class AuditEntry:
    """One authorisation decision. ``what`` names the request: ``command:/sync``,
    ``action:incident_ack``, ``view:recover_confirm``."""

    user_id: str
    team_id: str | None
    what: str
    allowed: bool
    why: str
    at: datetime | None = None  # set when read back

    def line(self) -> str:
        """One log line: the whole decision."""
        verdict = "allowed" if self.allowed else "refused"
        return f"{verdict} {self.what} for {self.user_id} ({self.team_id or '-'}): {self.why}"


class AuditLog:
    """Writes decisions to ``chatops.audit`` in the background; ``flush`` waits for them."""

    def __init__(self, db: Database, *, write_timeout_s: float = WRITE_TIMEOUT_S) -> None:
        self._db = db
        self._timeout_s = write_timeout_s
        self._pending: set[asyncio.Task[None]] = set()

    def record(self, entry: AuditEntry) -> None:
        """Keep one decision (never waits, never raises)."""
        if len(self._pending) >= MAX_PENDING:
            log.warning("audit backlog full; decision only logged: %s", entry.line())
            return
        task = asyncio.get_running_loop().create_task(self._write(entry))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _write(self, entry: AuditEntry) -> None:
        try:
            async with self._db.connection(self._timeout_s) as conn:
                await conn.execute(
                    "INSERT INTO chatops.audit (user_id, team_id, what, allowed, why)"
                    " VALUES (%s, %s, %s, %s, %s)",
                    (entry.user_id, entry.team_id, entry.what[:200], entry.allowed, entry.why),
                )
        except (PoolTimeout, psycopg.Error) as exc:
            log.warning(
                "audit row not written (%s); decision: %s", type(exc).__name__, entry.line()
            )
        except asyncio.CancelledError:
            log.warning("audit row not written (shutting down); decision: %s", entry.line())
            raise

    async def flush(self, timeout_s: float = WRITE_TIMEOUT_S) -> None:
        """Wait for the rows being written (tests, shutdown)."""
        if self._pending:
            await asyncio.wait(set(self._pending), timeout=timeout_s)

    async def aclose(self, timeout_s: float = WRITE_TIMEOUT_S) -> None:
        """Write what is pending within ``timeout_s``; cancel the rest (logged)."""
        await self.flush(timeout_s)
        for task in list(self._pending):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def recent(self, limit: int = 50) -> list[AuditEntry]:
        """The newest decisions first."""
        async with self._db.connection(WRITE_TIMEOUT_S) as conn:
            cur = await conn.execute(
                "SELECT user_id, team_id, what, allowed, why, at FROM chatops.audit"
                " ORDER BY at DESC, id DESC LIMIT %s",
                (limit,),
            )
            rows = await cur.fetchall()
        return [AuditEntry(u, t, w, a, y, at) for u, t, w, a, y, at in rows]
