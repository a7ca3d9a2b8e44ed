"""The daily report over 1,000 and over 1,000,000 rows of history: the larger may take at
most 2x the smaller.

    .venv/bin/python bench/report_bench.py [--small 1000] [--large 1000000] [--reps 15]

A scratch database on BENCH_DATABASE_URL (migrated, dropped at the end) gets the same last
24 hours (4 syncs, 12 incidents, 20 still open, check results, 14 days of daily counts for
5 sources x 50 providers, 300 active models), then history older than that in each table
the report could be tempted to scan: ``public.change_logs``, ``chatops.sync_runs``,
``chatops.incidents`` (+ one ``incident_events`` row each) and ``chatops.job_runs``. Rows
are generated server-side (INSERT ... SELECT generate_series). The report is built as the
job builds it (today's snapshot, the build, the layout and the template) ``--reps`` times
with the small history, then again after topping every table up to the large history.
Prints medians and the ratio; exit 1 when the ratio exceeds 2.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from statistics import median

import psycopg
from scratch import scratch_database

from bot.incidents import EscalationPolicy, IncidentService, RecordingNotifier
from bot.reports import ReportBuilder
from bot.scheduling import ScheduleConfig, job_statuses
from bot.slack.render import Renderer
from bot.stores.db import Database
from jobs.daily_report import daily_report_message

MAX_RATIO = 2.0

RECENT_SQL = """
INSERT INTO public.providers (id, slug, name)
SELECT 'prov_' || p, 'provider-' || p, 'Provider ' || p FROM generate_series(1, 50) AS p;
INSERT INTO public.models (id, provider_id, slug, name, data_source)
SELECT 'mdl_' || m, 'prov_' || (1 + m % 50), 'model-' || m, 'Model ' || m,
       (ARRAY['aa_api','provider_api','github_backup','defaults','aa_page'])[1 + m % 5]
FROM generate_series(1, 300) AS m;
INSERT INTO chatops.daily_model_counts (day, source, provider, active, recorded_at)
SELECT (now() AT TIME ZONE 'Asia/Seoul')::date - d,
       (ARRAY['aa_api','provider_api','github_backup','defaults','aa_page'])[1 + s],
       'provider-' || p, 1 + (d + p) % 7, now()
FROM generate_series(1, 13) AS d, generate_series(0, 4) AS s, generate_series(1, 50) AS p;
INSERT INTO chatops.daily_model_counts (day, source, provider, active, recorded_at)
SELECT (now() AT TIME ZONE 'Asia/Seoul')::date - d, '*', '*', 290 + d, now()
FROM generate_series(1, 13) AS d;
INSERT INTO chatops.sync_runs (trigger, scope, started_at, finished_at, sources, diff, outcome)
SELECT 'schedule:sync', 'all', now() - r * interval '6 hours' + interval '1 hour',
       now() - r * interval '6 hours' + interval '1 hour 10 seconds',
       '[{"name":"aa_api","status":"ok","reason":"276 models","placeholder":false},
         {"name":"github_backup","status":"ok","reason":"275 models","placeholder":true},
         {"name":"openai","status":"failed","reason":"HTTP 500","placeholder":false}]',
       '{"added":1,"updated":4,"deactivated":0,"violations":2}', 'applied'
FROM generate_series(1, 4) AS r;
INSERT INTO chatops.incidents (dedup_key, title, severity, source, state, count, first_seen,
    last_seen, opened_at, opened_by, acknowledged_at, acknowledged_by, resolved_at,
    resolved_by, updated_at)
SELECT 'recent:' || i, 'Recent incident ' || i, 'warning', 'bench',
       CASE WHEN i <= 6 THEN 'resolved' WHEN i <= 9 THEN 'acknowledged' ELSE 'open' END, 1,
       now() - i * interval '1 hour', now(), now() - i * interval '1 hour', 'system',
       CASE WHEN i <= 9 THEN now() - i * interval '1 hour' + interval '4 minutes' END,
       CASE WHEN i <= 9 THEN 'UONCALL' END,
       CASE WHEN i <= 6 THEN now() - i * interval '1 hour' + interval '50 minutes' END,
       CASE WHEN i <= 6 THEN 'UONCALL' END, now()
FROM generate_series(1, 12) AS i;
INSERT INTO chatops.incidents (dedup_key, title, severity, source, state, count, first_seen,
    last_seen, opened_at, opened_by, updated_at)
SELECT 'open:' || i, 'Long-open incident ' || i, 'critical', 'bench', 'open', 3,
       now() - interval '3 days', now(), now() - interval '3 days', 'system', now()
FROM generate_series(1, 20) AS i;
INSERT INTO chatops.check_results (check_id, state, status, title, detail, facts, checked_at,
    changed_at)
VALUES ('key:openai', 'ok', 'valid', 'OpenAI key failing', 'key valid', '{}', now(), now()),
       ('key:anthropic', 'failed', 'invalid', 'Anthropic key invalid', 'HTTP 401', '{}',
        now(), now()),
       ('source:github_backup:age', 'failed', 'stale', 'GitHub backup older than 7 days',
        'backup 67 days old', '{"age_days": 67}', now(), now());
"""

# History older than the last 24 hours; %(lo)s..%(hi)s number the rows (1-based, appended).
HISTORY_SQL = """
INSERT INTO public.change_logs (id, provider_id, model_id, change_type, change_data,
    confidence, created_at)
SELECT 'chg_' || n, 'prov_' || (1 + n %% 50), 'mdl_' || (1 + n %% 300), 'updated',
       '{"changes":{"output_speed":[100,120]}}', 1.0,
       (now() - interval '25 hours' - n * interval '1 minute') AT TIME ZONE 'UTC'
FROM generate_series(%(lo)s::int, %(hi)s::int) AS n;
INSERT INTO chatops.sync_runs (trigger, scope, started_at, finished_at, sources, diff, outcome)
SELECT 'schedule:sync', 'all', now() - interval '25 hours' - n * interval '10 minutes',
       now() - interval '25 hours' - n * interval '10 minutes' + interval '9 seconds',
       '[{"name":"aa_api","status":"ok","reason":"276 models","placeholder":false}]',
       '{"added":0,"updated":3,"deactivated":0,"violations":0}', 'applied'
FROM generate_series(%(lo)s::int, %(hi)s::int) AS n;
WITH made AS (
    INSERT INTO chatops.incidents (dedup_key, title, severity, source, state, count,
        first_seen, last_seen, opened_at, opened_by, acknowledged_at, acknowledged_by,
        resolved_at, resolved_by, updated_at)
    SELECT 'old:' || (n %% 500), 'Old incident ' || n, 'warning', 'bench', 'resolved', 2,
           t, t + interval '1 hour', t, 'system', t + interval '5 minutes', 'UONCALL',
           t + interval '1 hour', 'system', t + interval '1 hour'
    FROM generate_series(%(lo)s::int, %(hi)s::int) AS n,
         LATERAL (SELECT now() - interval '26 hours' - n * interval '10 minutes' AS t) AS at
    RETURNING id, opened_at
)
INSERT INTO chatops.incident_events (incident_id, at, actor, kind, to_state, detail, thread,
    posted_at)
SELECT id, opened_at, 'system', 'opened', 'open', '{}', true, opened_at FROM made;
INSERT INTO chatops.job_runs (job_id, scheduled_for, replica, started_at, finished_at,
    outcome, detail)
SELECT 'source_checks', t, 'bench', t, t + interval '3 seconds', 'ok', '9 checks: 9 ok'
FROM generate_series(%(lo)s::int, %(hi)s::int) AS n,
     LATERAL (SELECT date_trunc('minute', now()) - interval '25 hours'
                     - n * interval '15 minutes' AS t) AS at;
"""


async def seed_history(url: str, lo: int, hi: int) -> float:
    """Append history rows lo..hi to every history table; returns seconds taken."""
    started = time.perf_counter()
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        for statement in HISTORY_SQL.split(";\n"):
            if statement.strip():
                await conn.execute(statement, {"lo": lo, "hi": hi})
        await conn.execute("VACUUM ANALYZE")
    return time.perf_counter() - started


async def time_reports(url: str, reps: int) -> tuple[float, str]:
    """Median seconds of one report (snapshot, build, layout, template) and its state."""
    db = Database(url, max_size=5)
    await db.open()
    incidents = IncidentService(db, policy=EscalationPolicy(), notifier=RecordingNotifier())
    reports = ReportBuilder(db, incidents=incidents, timezone="Asia/Seoul")
    renderer, config = Renderer(), ScheduleConfig()
    timings: list[float] = []
    overall = ""
    try:
        for _ in range(reps + 1):  # the first is a warm-up (connections, plans, templates)
            started = time.perf_counter()
            statuses = await job_statuses(db, config=config)
            report, message = await daily_report_message(reports, renderer, schedule=statuses)
            timings.append(time.perf_counter() - started)
            overall = f"{report.overall} ({len(message.blocks)} blocks)"
    finally:
        await db.close()
    return median(timings[1:]), overall


async def count_rows(url: str) -> dict[str, int]:
    """Rows per history table."""
    tables = ("public.change_logs", "chatops.sync_runs", "chatops.incidents",
              "chatops.incident_events", "chatops.job_runs")
    async with await psycopg.AsyncConnection.connect(url) as conn:
        counts = {}
        for table in tables:
            cur = await conn.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - constant
            row = await cur.fetchone()
            counts[table] = int(row[0]) if row else 0
    return counts


async def run(url: str, small: int, large: int, reps: int) -> int:
    db = Database(url)
    await db.open()
    await db.migrate()
    await db.close()
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        await conn.execute(RECENT_SQL)
    seed_small = await seed_history(url, 1, small)
    small_s, small_state = await time_reports(url, reps)
    print(f"history {small:>9,} rows per table (seeded in {seed_small:.1f} s):"
          f" report median {small_s * 1000:.1f} ms, {small_state}")
    seed_large = await seed_history(url, small + 1, large)
    large_s, large_state = await time_reports(url, reps)
    print(f"history {large:>9,} rows per table (seeded in {seed_large:.1f} s):"
          f" report median {large_s * 1000:.1f} ms, {large_state}")
    print("rows:", ", ".join(f"{t} {n:,}" for t, n in (await count_rows(url)).items()))
    ratio = large_s / small_s
    verdict = "ok" if ratio <= MAX_RATIO else "FAIL"
    print(f"ratio {ratio:.2f} (limit {MAX_RATIO:g}): {verdict}")
    print(
        f"BENCH report small_rows={small} large_rows={large} reps={reps}"
        f" small_ms={small_s * 1000:.1f} large_ms={large_s * 1000:.1f} ratio={ratio:.2f}"
        f" max_ratio={MAX_RATIO:g}"
    )
    return 0 if ratio <= MAX_RATIO else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--reps", type=int, default=15)
    args = parser.parse_args()
    with scratch_database() as url:
        return asyncio.run(run(url, args.small, args.large, args.reps))


if __name__ == "__main__":
    sys.exit(main())
