"""PostgreSQL side of the sync: read the table, apply a plan in one transaction, record runs."""

from __future__ import annotations

import json
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

_TEMP_COLUMNS = ("id", "provider_id", "slug", "is_active", *SYNCED_COLUMNS)
_TEMP_TABLE = """
CREATE TEMP TABLE sync_incoming (
    id text, provider_id text, slug text, is_active boolean, name text, description text,
    intelligence_score integer, output_speed integer, input_price numeric(10,4),
    output_price numeric(10,4), context_window integer, max_output_tokens integer,
    data_source text
) ON COMMIT DROP
"""
_UPSERT = f"""
INSERT INTO public.models (id, provider_id, slug, is_active, {", ".join(SYNCED_COLUMNS)},
                           last_verified, created_at, updated_at)
SELECT id, provider_id, slug, is_active, {", ".join(SYNCED_COLUMNS)}, %(now)s, %(now)s, %(now)s
FROM sync_incoming
ON CONFLICT (slug) DO UPDATE SET
    provider_id = EXCLUDED.provider_id,
    is_active = EXCLUDED.is_active,
    {", ".join(f"{c} = EXCLUDED.{c}" for c in SYNCED_COLUMNS)},
    last_verified = EXCLUDED.last_verified,
    updated_at = EXCLUDED.updated_at
WHERE (models.provider_id, models.is_active, {", ".join(f"models.{c}" for c in SYNCED_COLUMNS)})
      IS DISTINCT FROM
      (EXCLUDED.provider_id, EXCLUDED.is_active,
       {", ".join(f"EXCLUDED.{c}" for c in SYNCED_COLUMNS)})
"""


# The SQL above is built from the constant SYNCED_COLUMNS only; no value is ever formatted in.


def new_id(prefix: str) -> str:
    """A text id for a new row (the app's ids are text)."""
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


async def apply_plan(
    conn: psycopg.AsyncConnection[Any],
    plan: SyncPlan,
    *,
    run_id: int | None,
    now: datetime | None = None,
) -> int:
    """Write the plan in one transaction; returns the number of model rows written."""
    now = now or datetime.now(UTC).replace(tzinfo=None)
    written = 0
    async with conn.transaction():
        providers = await _provider_ids(conn, plan.writes)
        if plan.writes:
            await conn.execute(_TEMP_TABLE)
            async with conn.cursor() as cur:
                async with cur.copy(
                    f"COPY sync_incoming ({', '.join(_TEMP_COLUMNS)}) FROM STDIN"
                ) as copy:
                    for w in plan.writes:
                        row_id = w.existing_id or new_id("mdl")
                        await copy.write_row(
                            (
                                row_id,
                                providers[w.provider_slug],
                                w.slug,
                                True,
                                *(w.values.get(c) for c in SYNCED_COLUMNS),
                            )
                        )
                await cur.execute(_UPSERT, {"now": now})
                written += cur.rowcount
        if plan.deactivate:
            cur3 = await conn.execute(
                "UPDATE public.models SET is_active = false, updated_at = %s"
                " WHERE id = ANY(%s) AND is_active",
                (now, [row.id for row in plan.deactivate]),
            )
            written += cur3.rowcount
        await _change_logs(conn, plan, providers, run_id, now)
    return written


async def _change_logs(
    conn: psycopg.AsyncConnection[Any],
    plan: SyncPlan,
    providers: dict[str, str],
    run_id: int | None,
    now: datetime,
) -> None:
    rows: list[tuple[object, ...]] = []
    for w in plan.writes:
        data = {
            "slug": w.slug,
            "sync_run": run_id,
            "changes": {k: [_j(a), _j(b)] for k, (a, b) in w.changed.items()},
        }
        rows.append(
            (
                new_id("chg"),
                providers.get(w.provider_slug),
                w.existing_id,
                w.change_type,
                json.dumps(data),
                1.0,
                now,
            )
        )
    for row in plan.deactivate:
        data = {"slug": row.slug, "sync_run": run_id, "reason": "absent from every source"}
        rows.append((new_id("chg"), None, row.id, "removed", json.dumps(data), 1.0, now))
    if not rows:
        return
    async with (
        conn.cursor() as cur,
        cur.copy(
            "COPY public.change_logs (id, provider_id, model_id, change_type, change_data,"
            " confidence, created_at) FROM STDIN"
        ) as copy,
    ):
        for item in rows:
            await copy.write_row(item)


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
