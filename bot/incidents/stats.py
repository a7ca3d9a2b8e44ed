"""Incident figures for metrics and the daily report, computed by SQL aggregates."""

from __future__ import annotations

from datetime import datetime

from bot.incidents.model import IncidentStats, Severity
from bot.stores.db import Database


class StatsStore:
    """Open incidents by severity; counts and median times over a window."""

    def __init__(self, db: Database, *, timeout_s: float = 10.0) -> None:
        self._db = db
        self._timeout_s = timeout_s

    async def open_by_severity(self) -> dict[Severity, int]:
        """How many incidents are open (or acknowledged) per severity; every severity present."""
        counts = dict.fromkeys(Severity, 0)
        async with self._db.connection(self._timeout_s) as conn:
            cur = await conn.execute(
                "SELECT severity, count(*) FROM chatops.incidents WHERE state <> 'resolved'"
                " GROUP BY severity"
            )
            for severity, count in await cur.fetchall():
                counts[Severity(severity)] = int(count)
        return counts

    async def window(self, *, start: datetime, end: datetime) -> IncidentStats:
        """Incidents opened, acknowledged and resolved in [start, end) and their median times.

        The medians are over the acknowledgements and resolutions that happened in the window.
        """
        async with self._db.connection(self._timeout_s) as conn:
            cur = await conn.execute(
                "SELECT"
                " count(*) FILTER (WHERE opened_at >= %(s)s AND opened_at < %(e)s),"
                " count(*) FILTER (WHERE acknowledged_at >= %(s)s AND acknowledged_at < %(e)s),"
                " count(*) FILTER (WHERE resolved_at >= %(s)s AND resolved_at < %(e)s),"
                " percentile_cont(0.5) WITHIN GROUP"
                "  (ORDER BY extract(epoch FROM acknowledged_at - opened_at))"
                "  FILTER (WHERE acknowledged_at >= %(s)s AND acknowledged_at < %(e)s),"
                " percentile_cont(0.5) WITHIN GROUP"
                "  (ORDER BY extract(epoch FROM resolved_at - opened_at))"
                "  FILTER (WHERE resolved_at >= %(s)s AND resolved_at < %(e)s)"
                " FROM chatops.incidents WHERE opened_at < %(e)s"
                " AND (opened_at >= %(s)s OR acknowledged_at >= %(s)s OR resolved_at >= %(s)s)",
                {"s": start, "e": end},
            )
            row = await cur.fetchone()
        assert row is not None
        return IncidentStats(
            opened=int(row[0]),
            acknowledged=int(row[1]),
            resolved=int(row[2]),
            median_time_to_acknowledge_s=float(row[3]) if row[3] is not None else None,
            median_time_to_resolve_s=float(row[4]) if row[4] is not None else None,
            open_by_severity=await self.open_by_severity(),
        )
