"""PostgreSQL side of the sync: read the table, apply a plan in one transaction, record runs."""

from __future__ import annotations

import json
import operator
import os
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import psycopg

from bot.sync.plan import SYNCED_COLUMNS, ExistingModel, RowWrite, SyncPlan

_SELECT_MODELS = (
    "SELECT m.id, m.slug, p.slug, m.is_active, "
    + ", ".join(f"m.{c}" for c in SYNCED_COLUMNS)
    + " FROM public.models m JOIN public.providers p ON p.id = m.provider_id"
)

_MODEL_COLUMNS = (
    "id",
    "provider_id",
    "slug",
    "is_active",
    *SYNCED_COLUMNS,
    "last_verified",
    "created_at",
    "updated_at",
)
_COPY_MODELS = f"COPY public.models ({', '.join(_MODEL_COLUMNS)}) FROM STDIN (FORMAT BINARY)"
_MODEL_TYPES = [
    "text",
    "text",
    "text",
    "bool",
    "text",
    "text",
    "int4",
    "int4",
    "numeric",
    "numeric",
    "int4",
    "int4",
    "text",
    "timestamp",
    "timestamp",
    "timestamp",
]
_COPY_LOGS = (
    "COPY public.change_logs (id, provider_id, model_id, change_type, change_data, confidence,"
    " created_at) FROM STDIN"
)
_CHANGED_TABLE = """
CREATE TEMP TABLE sync_changed (
    id text, provider_id text, name text, description text,
    intelligence_score integer, output_speed integer, input_price numeric(10,4),
    output_price numeric(10,4), context_window integer, max_output_tokens integer,
    data_source text
) ON COMMIT DROP
"""
_CHANGED_COLUMNS = ("id", "provider_id", *SYNCED_COLUMNS)
_UPDATE_CHANGED = f"""
UPDATE public.models AS m SET
    provider_id = c.provider_id, is_active = true,
    {", ".join(f"{col} = c.{col}" for col in SYNCED_COLUMNS)},
    last_verified = %(now)s, updated_at = %(now)s
FROM sync_changed AS c
WHERE m.id = c.id
  AND (m.provider_id, m.is_active, {", ".join(f"m.{col}" for col in SYNCED_COLUMNS)})
      IS DISTINCT FROM
      (c.provider_id, true, {", ".join(f"c.{col}" for col in SYNCED_COLUMNS)})
"""
_LOG_NEW = """
INSERT INTO public.change_logs
    (id, provider_id, model_id, change_type, change_data, confidence, created_at)
SELECT 'chg_' || substr(m.id, 5), m.provider_id, m.id, 'new', %(note)s::jsonb, 1.0, %(now)s
FROM public.models AS m WHERE starts_with(m.id, %(batch)s)
"""
_synced_values = operator.itemgetter(*SYNCED_COLUMNS)
# The SQL above is built from constant column lists only; no value is ever formatted in.
# New rows go in by COPY (the plan was made under the sync lock, so their slugs are free; a
# row inserted meanwhile by someone else makes the COPY fail and the whole transaction roll
# back). Changed rows are updated from a temp table, only where a value really differs.


class IdMaker:
    """Text ids for new rows: one random batch part plus a counter (cheap for 10,000 rows)."""

    def __init__(self, prefix: str) -> None:
        self.batch = f"{prefix}_{os.urandom(10).hex()}"  # every id made here starts with it
        self._count = 0

    def __call__(self) -> str:
        self._count += 1
        return f"{self.batch}{self._count:06x}"


def new_id(prefix: str) -> str:
    """A text id for one new row (the app's ids are text)."""
    return f"{prefix}_{uuid.uuid4().hex}"


async def load_existing(conn: psycopg.AsyncConnection[Any]) -> list[ExistingModel]:
    """Every row of public.models with its provider's slug."""
    cur = await conn.execute(_SELECT_MODELS)
    rows = await cur.fetchall()
    return [
        ExistingModel(
            id=row[0],
            slug=row[1],
            provider_slug=row[2],
            is_active=bool(row[3]),
            values=dict(zip(SYNCED_COLUMNS, row[4:], strict=True)),
        )
        for row in rows
    ]


async def _provider_ids(
    conn: psycopg.AsyncConnection[Any], writes: Sequence[RowWrite]
) -> dict[str, str]:
    wanted = {w.provider_slug: w.provider_name for w in writes}
    if not wanted:
        return {}
    async with conn.cursor() as cur:
        await cur.executemany(
            "INSERT INTO public.providers (id, slug, name, created_at, updated_at)"
            " VALUES (%s, %s, %s, now(), now()) ON CONFLICT (slug) DO NOTHING",
            [(new_id("prov"), slug, name or slug) for slug, name in sorted(wanted.items())],
        )
    cur2 = await conn.execute(
        "SELECT slug, id FROM public.providers WHERE slug = ANY(%s)", (list(wanted),)
    )
    return {slug: pid for slug, pid in await cur2.fetchall()}


async def _log_new_models(
    cur: psycopg.AsyncCursor[Any], batch: str, run_id: int | None, now: datetime
) -> None:
    """One change_logs row per model just inserted, built by the server from the rows.

    The note only names the sync run: the new row itself (never deleted) holds the slug,
    values and data source as they were inserted, and later changes log old and new values.
    """
    note = json.dumps({"sync_run": run_id, "reason": "new in this sync"})
    await cur.execute(_LOG_NEW, {"batch": batch, "note": note, "now": now})


async def apply_plan(
    conn: psycopg.AsyncConnection[Any],
    plan: SyncPlan,
    *,
    run_id: int | None,
    now: datetime | None = None,
) -> int:
    """Write the plan in one transaction; returns the number of model rows written."""
    now = now or datetime.now(UTC).replace(tzinfo=None)
    new = [w for w in plan.writes if w.change_type == "new"]
    changed = [w for w in plan.writes if w.change_type != "new"]
    logs: list[tuple[object, ...]] = []
    log_id = IdMaker("chg")
    written = 0
    async with conn.transaction():
        providers = await _provider_ids(conn, plan.writes)
        async with conn.cursor() as cur:
            if new:
                model_id = IdMaker("mdl")
                async with cur.copy(_COPY_MODELS) as copy:
                    copy.set_types(_MODEL_TYPES)
                    for w in new:
                        await copy.write_row(
                            (
                                model_id(),
                                providers[w.provider_slug],
                                w.slug,
                                True,
                                *_synced_values(w.values),
                                now,
                                now,
                                now,
                            )
                        )
                await _log_new_models(cur, model_id.batch, run_id, now)
                written += len(new)
            if changed:
                await cur.execute(_CHANGED_TABLE)
                async with cur.copy(
                    f"COPY sync_changed ({', '.join(_CHANGED_COLUMNS)}) FROM STDIN"
                ) as copy:
                    for w in changed:
                        await copy.write_row(
                            (w.existing_id, providers[w.provider_slug], *_synced_values(w.values))
                        )
                        note = {
                            "slug": w.slug,
                            "sync_run": run_id,
                            "changes": {k: [_j(a), _j(b)] for k, (a, b) in w.changed.items()},
                        }
                        logs.append(
                            (
                                log_id(),
                                providers[w.provider_slug],
                                w.existing_id,
                                "updated",
                                json.dumps(note),
                                1.0,
                                now,
                            )
                        )
                await cur.execute(_UPDATE_CHANGED, {"now": now})
                written += cur.rowcount
            if plan.deactivate:
                await cur.execute(
                    "UPDATE public.models SET is_active = false, updated_at = %s"
                    " WHERE id = ANY(%s) AND is_active",
                    (now, [row.id for row in plan.deactivate]),
                )
                written += cur.rowcount
                for row in plan.deactivate:
                    note = {
                        "slug": row.slug,
                        "sync_run": run_id,
                        "reason": "absent from every source",
                    }
                    logs.append((log_id(), None, row.id, "removed", json.dumps(note), 1.0, now))
            if logs:
                async with cur.copy(_COPY_LOGS) as copy:
                    for item in logs:
                        await copy.write_row(item)
    return written


def _j(value: object) -> object:
    return value if value is None or isinstance(value, (str, int, float, bool)) else str(value)


async def start_run(
    conn: psycopg.AsyncConnection[Any], *, trigger: str, scope: str, dry_run: bool, force: bool
) -> int:
    """Record that a sync started; returns its id."""
    cur = await conn.execute(
        "INSERT INTO chatops.sync_runs (trigger, scope, dry_run, force)"
        " VALUES (%s, %s, %s, %s) RETURNING id",
        (trigger, scope, dry_run, force),
    )
    row = await cur.fetchone()
    assert row is not None
    return int(row[0])


async def finish_run(
    conn: psycopg.AsyncConnection[Any],
    run_id: int,
    *,
    sources: list[dict[str, object]],
    diff: dict[str, object],
    outcome: str,
    reason: str,
) -> None:
    """Record how a sync ended."""
    await conn.execute(
        "UPDATE chatops.sync_runs SET finished_at = now(), sources = %s, diff = %s, outcome = %s,"
        " reason = %s WHERE id = %s",
        (json.dumps(sources), json.dumps(diff), outcome, reason, run_id),
    )
