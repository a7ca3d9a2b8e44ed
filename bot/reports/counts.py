"""``chatops.daily_model_counts``: a small table of active models per day, source and provider.

``snapshot`` writes today's counts from ``public.models`` (idempotent: run it after every
sync and before the report; it drops days older than ``KEEP_DAYS``); ``read`` returns at
most ``days`` days of these rows, so the report's trend never scans history.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from bot.stores.db import Database

TOTAL = "*"  # source and provider of the row holding the day's total
KEEP_DAYS = 400  # older daily counts are deleted by the snapshot
_SNAPSHOT_LOCK = 0x616973690012  # pg_advisory_xact_lock key: one snapshot at a time

_SNAPSHOT = """
INSERT INTO chatops.daily_model_counts (day, source, provider, active, recorded_at)
SELECT %(day)s, coalesce(nullif(m.data_source, ''), 'unknown'), coalesce(p.slug, 'unknown'),
       count(*), %(now)s
FROM public.models AS m LEFT JOIN public.providers AS p ON p.id = m.provider_id
WHERE m.is_active
GROUP BY 2, 3
UNION ALL
SELECT %(day)s, '*', '*', count(*), %(now)s FROM public.models WHERE is_active
"""


@dataclass
class DailyCounts:
    """Counts per day: the total, per source, per provider, and when each day was taken."""

    totals: dict[date, int] = field(default_factory=dict)
    by_source: dict[str, dict[date, int]] = field(default_factory=lambda: defaultdict(dict))
    by_provider: dict[str, dict[date, int]] = field(default_factory=lambda: defaultdict(dict))
    taken_at: dict[date, datetime] = field(default_factory=dict)

    def series(self, values: dict[date, int], days: list[date]) -> tuple[int | None, ...]:
        """One value per day: the count, 0 on a known day without this name, None when the
        day has no snapshot at all."""
        return tuple(values.get(day, 0) if day in self.totals else None for day in days)


class DailyCountStore:
    """Writes and reads the daily counts."""

    def __init__(self, db: Database, *, timeout_s: float = 10.0) -> None:
        self._db = db
        self._timeout_s = timeout_s

    async def snapshot(self, *, day: date, now: datetime) -> int:
        """Record today's active models per source and provider; returns the total."""
        async with self._db.connection(self._timeout_s) as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock(%s)", (_SNAPSHOT_LOCK,))
            # Replace the day's rows (names that had models earlier today may have none now).
            await conn.execute(
                "DELETE FROM chatops.daily_model_counts WHERE day = %s OR day < %s",
                (day, day - timedelta(days=KEEP_DAYS)),
            )
            await conn.execute(_SNAPSHOT, {"day": day, "now": now})
            cur = await conn.execute(
                "SELECT active FROM chatops.daily_model_counts"
                " WHERE day = %s AND source = '*' AND provider = '*'",
                (day,),
            )
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def read(self, *, until: date, days: int) -> DailyCounts:
        """The ``days`` days ending with ``until`` (a bounded range of the primary key)."""
        since = until - timedelta(days=days - 1)
        async with self._db.connection(self._timeout_s) as conn:
            cur = await conn.execute(
                "SELECT day, source, provider, active, recorded_at"
                " FROM chatops.daily_model_counts WHERE day BETWEEN %s AND %s",
                (since, until),
            )
            rows = await cur.fetchall()
        counts = DailyCounts()
        for day, source, provider, active, recorded_at in rows:
            if source == TOTAL and provider == TOTAL:
                counts.totals[day] = int(active)
                counts.taken_at[day] = recorded_at
                continue
            per_source = counts.by_source[source]
            per_source[day] = per_source.get(day, 0) + int(active)
            per_provider = counts.by_provider[provider]
            per_provider[day] = per_provider.get(day, 0) + int(active)
        return counts
