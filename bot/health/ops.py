"""Probes of the bot's own operations: errors it recorded, when each source last synced."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import psycopg
from psycopg_pool import PoolTimeout

from bot.health.probes.base import ProbeResult, ProbeState
from bot.i18n.said import Said
from bot.i18n.translator import N_
from bot.stores.db import Database

GROUP = "ops"


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


async def probe_recent_errors(db: Database, *, timeout_s: float) -> ProbeResult:
    """The failures the bot recorded in the last 24 h (none is OK; any is degraded)."""
    name = N_("Recent errors")
    started = time.perf_counter()
    try:
        async with db.connection(min(1.0, timeout_s / 4)) as conn:
            cur = await conn.execute(
                "SELECT count(*) OVER (), created_at, source, summary, error_id"
                " FROM chatops.bot_errors WHERE created_at > now() - interval '24 hours'"
                " ORDER BY created_at DESC LIMIT 1"
            )
            row = await cur.fetchone()
    except (PoolTimeout, psycopg.Error) as exc:
        detail = Said(
            N_("cannot read the error log: database unavailable (%(error)s)"),
            error=type(exc).__name__,
        )
        return ProbeResult(name, GROUP, ProbeState.UNKNOWN, _ms(started), detail, "unknown")
    if row is None:
        return ProbeResult(
            name, GROUP, ProbeState.OK, _ms(started), Said(N_("none in the last 24 h")), "none"
        )
    count, created_at, source, summary, error_id = row
    when = created_at.astimezone(UTC).strftime("%H:%M UTC")
    detail = Said(
        N_("%(num)s in the last 24 h; latest %(when)s in %(source)s (id %(id)s): %(summary)s"),
        num=count,
        when=when,
        source=source,
        id=error_id,
        summary=summary[:150],
    )
    return ProbeResult(
        name, GROUP, ProbeState.DEGRADED, _ms(started), detail, "errors", {"count": int(count)}
    )


_LAST_OK_PER_SOURCE = """
SELECT DISTINCT ON (src->>'name') src->>'name', r.finished_at, (src->>'placeholder')::boolean
FROM chatops.sync_runs r, jsonb_array_elements(r.sources) AS src
WHERE r.finished_at IS NOT NULL AND src->>'status' = 'ok' AND NOT r.dry_run
ORDER BY src->>'name', r.finished_at DESC
"""


async def probe_last_sync(db: Database, *, timeout_s: float) -> ProbeResult:
    """When each source last delivered data in a real sync; 'never' until one has."""
    name = N_("Last sync")
    started = time.perf_counter()
    try:
        async with db.connection(min(1.0, timeout_s / 4)) as conn:
            cur = await conn.execute("SELECT to_regclass('chatops.sync_runs') IS NOT NULL")
            row = await cur.fetchone()
            rows: list[tuple[str, datetime, bool | None]] = []
            if row and row[0]:
                cur = await conn.execute(_LAST_OK_PER_SOURCE)
                rows = list(await cur.fetchall())
    except (PoolTimeout, psycopg.Error) as exc:
        detail = Said(
            N_("cannot read sync history: database unavailable (%(error)s)"),
            error=type(exc).__name__,
        )
        return ProbeResult(name, GROUP, ProbeState.UNKNOWN, _ms(started), detail, "unknown")
    if not rows:
        return ProbeResult(
            name, GROUP, ProbeState.OK, _ms(started), Said(N_("never (no sync has run)")), "never"
        )
    parts = [
        Said(
            N_("%(source)s %(when)s UTC (placeholder data)")
            if flagged
            else N_("%(source)s %(when)s UTC"),
            source=source,
            when=f"{finished.astimezone(UTC):%m-%d %H:%M}",
        )
        for source, finished, flagged in rows
    ]
    facts: dict[str, str | int | float | None] = {
        source: finished.astimezone(UTC).isoformat() for source, finished, _ in rows
    }
    return ProbeResult(
        name, GROUP, ProbeState.OK, _ms(started), Said.joined("; ", parts), "ok", facts
    )
