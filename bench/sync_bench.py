"""Sync write throughput vs a bare COPY, the unchanged resync, and parsing the AA page off-loop.

    .venv/bin/python bench/sync_bench.py [--models 10000]

A scratch database (migrated with ``Database.migrate()``, dropped at the end) holds the app's
tables. Each of 5 repetitions empties them, runs a real ``SyncService`` whose one step returns
N synthetic models (10 providers), then COPYs exactly the rows it wrote into ``bench_copy``
(LIKE public.models INCLUDING ALL: same columns, types, indexes), the floor any upsert pays.
Phases of the real run are timed by wrapping ``merge``/``load_existing``/``plan_sync``/
``apply_plan`` (and ``apply_plan``'s ``_provider_ids`` and ``_log_new_models``) in their modules.
Gated: the models upsert (apply_plan minus its separate change_logs insert) rows/s / COPY rows/s
(medians); the whole apply_plan and end-to-end ratios are printed too. Then the 3.5 MB
page: parse time in a thread, and the longest gap between wake-ups of a 5 ms ticker (the sleep
included) while ``fetch_aa_page`` fetches it from a local aiohttp server and parses it
(STALL_REPS runs), and, as a baseline, while it is parsed on the loop.
Exit 1 when ratio < 0.5, the resync writes rows, or a gap reaches 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import os
import sys
import time
import uuid
from pathlib import Path
from statistics import median
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

import httpx
from aiohttp import web
from scratch import scratch_database

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # tests/ is not installed; the fixture reader lives there
    sys.path.insert(0, str(REPO))

import bot.sync.service as service_mod  # noqa: E402
import bot.sync.store as store_mod  # noqa: E402
from bot.app.lifecycle import freeze_startup_objects  # noqa: E402
from bot.sources.aa_page import (  # noqa: E402
    LEADERBOARD_PATH,
    fetch_aa_page,
    parse_leaderboard_html,
)
from bot.sources.records import ModelRecord, SourceResult  # noqa: E402
from bot.stores.cache import build_redis  # noqa: E402
from bot.stores.db import Database  # noqa: E402
from bot.sync.plan import SYNCED_COLUMNS  # noqa: E402
from bot.sync.service import SourceStep, SyncReport, SyncRequest, SyncService  # noqa: E402
from tests.fixture_files import fixture_bytes  # noqa: E402

PAGE = "aa_leaderboard_page.html"  # tests/fixtures/ai-go/, stored gzipped
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
REPS = 5  # sync runs and COPYs (median); the page is parsed 3 times
STALL_REPS = 10  # fetch+parse runs watched by the ticker (a rare full GC pass shows up)
TICK_S = 0.005
MIN_RATIO, MAX_STALL_MS = 0.5, 50.0
COPY_COLUMNS = ("id", "provider_id", "slug", "is_active", *SYNCED_COLUMNS,
                "last_verified", "created_at", "updated_at")
PROVIDERS = ("openai", "anthropic", "google", "meta", "mistral",
             "xai", "deepseek", "alibaba", "cohere", "ai21")

phase_s: dict[str, float] = {}  # the last run's phases, filled by the wrappers below


def _timed(module: ModuleType, name: str, label: str) -> None:
    """Replace module.name by a wrapper recording its duration (measurement only)."""
    fn = getattr(module, name)

    def timed_sync(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        result = fn(*args, **kwargs)
        phase_s[label] = time.perf_counter() - started
        return result

    async def timed_async(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        result = await fn(*args, **kwargs)
        phase_s[label] = time.perf_counter() - started
        return result

    setattr(module, name, timed_async if inspect.iscoroutinefunction(fn) else timed_sync)


for _mod, _name, _label in (
    (service_mod, "merge", "merge"),
    (service_mod, "load_existing", "load_existing"),
    (service_mod, "plan_sync", "plan_sync"),
    (service_mod, "apply_plan", "apply_plan"),
    (store_mod, "_provider_ids", "apply.providers"),  # looked up by apply_plan at call time
    (store_mod, "_log_new_models", "apply.change_logs"),
):
    _timed(_mod, _name, _label)


def synthetic(count: int) -> tuple[ModelRecord, ...]:
    """Varied models (no placeholder pattern), prices with more digits than numeric(10,4)."""
    return tuple(
        ModelRecord(
            provider_slug=PROVIDERS[i % 10],
            provider_name=PROVIDERS[i % 10].title(),
            slug=f"bench-model-{i:06d}",
            name=f"Bench Model {i}",
            source="aa_api",
            raw_id=str(i),
            intelligence_score=20 + (i * 7) % 60 + 0.4,
            output_speed=10 + (i * 13) % 300 + 0.6,
            input_price=round(0.05 + (i % 97) * 0.12345, 6),
            output_price=round(0.2 + (i % 89) * 0.54321, 6),
            context_window=8_192 * (1 + i % 32),
            max_output_tokens=4_096 * (1 + i % 8),
            description=f"Synthetic model number {i} for the sync benchmark.",
        )
        for i in range(count)
    )


async def copy_baseline(db: Database) -> float:
    """Seconds to COPY exactly the rows the sync wrote (ids too) into the empty bench_copy."""
    async with db.connection() as conn:
        sql = f"SELECT {', '.join(COPY_COLUMNS)} FROM public.models"  # noqa: S608 constants
        cur = await conn.execute(sql)
        rows = await cur.fetchall()
        await conn.execute("TRUNCATE bench_copy")
        started = time.perf_counter()
        async with conn.transaction(), conn.cursor() as cur2, cur2.copy(
            f"COPY bench_copy ({', '.join(COPY_COLUMNS)}) FROM STDIN"
        ) as copy:
            for row in rows:
                await copy.write_row(row)
        elapsed = time.perf_counter() - started
        cur = await conn.execute("SELECT count(*) FROM bench_copy")
        assert (await cur.fetchone()) == (len(rows),), "COPY did not write every row"
    return elapsed


async def run_sync(service: SyncService) -> tuple[SyncReport, float, dict[str, float]]:
    phase_s.clear()
    started = time.perf_counter()
    report = await service.run(SyncRequest(scope="all", dry_run=False, force=False,
                                           trigger="bench"))
    elapsed = time.perf_counter() - started
    if report.outcome not in ("applied", "nothing_to_do"):
        raise RuntimeError(f"sync {report.outcome}: {report.reason}")
    return report, elapsed, dict(phase_s)


def phases_line(phases: dict[str, float]) -> str:
    return " ".join(f"{k}={v * 1000:.0f}" for k, v in phases.items())


async def bench_sync(url: str, models: int) -> dict[str, float]:
    records = synthetic(models)

    async def fetch() -> SourceResult:
        return SourceResult("aa_api", "ok", records=records)

    db, redis = Database(url), build_redis(REDIS_URL)
    await db.open()
    try:
        await db.migrate()
        async with db.connection() as conn:
            await conn.execute("CREATE TABLE bench_copy (LIKE public.models INCLUDING ALL)")
        service = SyncService(
            db=db, redis=redis, steps=[SourceStep("aa_api", frozenset({"aa"}), fetch)],
            cache_prefixes=[f"bench-sync-{uuid.uuid4().hex}:"],
            max_deactivate_share=0.5, min_active_models=0,
        )
        runs: list[tuple[float, dict[str, float], float]] = []  # (sync_run s, phases, copy s)
        print(f"{'rep':>3} {'sync_run_ms':>11} {'copy_ms':>8}  phases of the run (ms)")
        for rep in range(REPS):
            async with db.connection() as conn:
                await conn.execute("TRUNCATE public.change_logs, public.models, public.providers")
            report, elapsed, phases = await run_sync(service)
            assert report.rows_written == models, (report.outcome, report.rows_written)
            runs.append((elapsed, phases, await copy_baseline(db)))
            print(f"{rep + 1:>3} {elapsed * 1000:>11.0f} {runs[-1][2] * 1000:>8.0f}"
                  f"  {phases_line(phases)}")
        resync, resync_s, resync_phases = await run_sync(service)
        assert resync.plan is not None
    finally:
        await redis.aclose()
        await db.close()
    apply_s = median([p["apply_plan"] for _, p, _ in runs])
    # The models upsert: apply_plan's writes of model rows (providers, the COPY with its
    # foreign-key checks and five indexes, commit) without the separate change_logs insert.
    upsert_s = median([p["apply_plan"] - p["apply.change_logs"] for _, p, _ in runs])
    out = {
        "upsert_rows_per_s": models / upsert_s,
        "apply_rows_per_s": models / apply_s,
        "copy_rows_per_s": models / median([c for _, _, c in runs]),
        "e2e_rows_per_s": models / median([e for e, _, _ in runs]),
        "resync_rows_written": float(resync.rows_written),
        "resync_ms": resync_s * 1000,
    }
    for key in ("upsert", "apply", "e2e"):
        out[f"{key}_ratio"] = out[f"{key}_rows_per_s"] / out["copy_rows_per_s"]
    out["ratio"] = out["upsert_ratio"]
    print(f"\nmedian of {REPS}, {models} new rows into empty tables (rows/s, ratio to COPY):")
    for label, key in (
        ("models upsert (apply_plan without change logs) [GATED]", "upsert"),
        ("apply_plan, whole transaction incl. a change log per model", "apply"),
        ("sync end to end (SyncService.run: merge, plan, apply, ...)", "e2e"),
    ):
        print(f"  {label:<60} {out[key + '_rows_per_s']:>9,.0f}  x{out[key + '_ratio']:.2f}")
    print(f"  {'COPY baseline (LIKE public.models INCLUDING ALL, same rows)':<60}"
          f" {out['copy_rows_per_s']:>9,.0f}  x1.00")
    print(f"  target ratio >= {MIN_RATIO} for the models upsert; the change logs are another table")
    print(f"\nunchanged resync: outcome={resync.outcome} rows_written={resync.rows_written}"
          f" unchanged={resync.plan.unchanged} in {resync_s * 1000:.0f} ms"
          f"  ({phases_line(resync_phases)})")
    return out


class Ticker:
    """Wakes every TICK_S on the loop and remembers the longest gap between wake-ups."""

    def __init__(self) -> None:
        self.max_gap_s = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(TICK_S)
            now = time.perf_counter()
            self.max_gap_s = max(self.max_gap_s, now - last)
            last = now

    async def __aenter__(self) -> Ticker:
        self._task = asyncio.create_task(self._run())
        await asyncio.sleep(TICK_S * 4)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.sleep(TICK_S * 4)
        assert self._task is not None
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)


async def bench_parse() -> dict[str, float]:
    page = fixture_bytes(PAGE)
    html = page.decode("utf-8")

    def parse_timed() -> tuple[float, int]:
        started = time.perf_counter()
        count = len(parse_leaderboard_html(html))
        return time.perf_counter() - started, count

    timings = [await asyncio.to_thread(parse_timed) for _ in range(3)]
    parse_s = median([t for t, _ in timings])

    async def serve(request: web.Request) -> web.Response:
        return web.Response(body=page, content_type="text/html", charset="utf-8")

    app = web.Application()
    app.router.add_get(LEADERBOARD_PATH, serve)  # the "running bot": a live aiohttp server
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    base = f"http://127.0.0.1:{runner.addresses[0][1]}"
    freeze_startup_objects()  # what `aisi-bot serve` does once it is up
    stalls, fetched = [], 0
    try:
        async with httpx.AsyncClient(trust_env=False) as client:
            for _ in range(STALL_REPS):
                async with Ticker() as ticker:
                    result = await fetch_aa_page(client=client, base_url=base, timeout_s=30)
                assert result.status == "ok", result.reason
                fetched = len(result.records)
                stalls.append(ticker.max_gap_s * 1000)
    finally:
        await runner.cleanup()

    async with Ticker() as on_loop:
        parse_leaderboard_html(html)  # deliberately blocking the loop: the baseline
    out = {"page_mb": len(page) / 1e6, "parse_ms": parse_s * 1000,
           "max_stall_ms": max(stalls), "on_loop_stall_ms": on_loop.max_gap_s * 1000}
    print(f"\npage: {out['page_mb']:.2f} MB, {timings[0][1]} models; parse in a thread"
          f" {out['parse_ms']:.0f} ms (median of 3)")
    print(f"  longest gap of a {TICK_S * 1000:.0f} ms ticker during fetch_aa_page over HTTP"
          f" ({fetched} models): worst of {STALL_REPS} {out['max_stall_ms']:.1f} ms"
          f" (target < {MAX_STALL_MS:.0f}), median {median(stalls):.1f} ms;"
          f" runs: {' '.join(f'{s:.0f}' for s in stalls)}")
    print(f"  baseline, parsed on the loop: {out['on_loop_stall_ms']:.0f} ms")
    return out


async def main_async(models: int) -> int:
    with scratch_database("bench_sync") as url:
        name = urlsplit(url).path[1:]
        print(f"scratch database {name}; {models} synthetic models, 10 providers\n")
        sync = await bench_sync(url, models)
    page = await bench_parse()
    failures = [
        f"ratio {sync['ratio']:.2f} < {MIN_RATIO}" if sync["ratio"] < MIN_RATIO else "",
        "the unchanged resync wrote rows" if sync["resync_rows_written"] > 0 else "",
        f"loop stall {page['max_stall_ms']:.1f} ms" if page["max_stall_ms"] >= MAX_STALL_MS
        else "",
    ]
    for failure in filter(None, failures):
        print(f"FAIL: {failure}")
    fields = {
        "models": f"{models}", "upsert_rows_per_s": f"{sync['upsert_rows_per_s']:.0f}",
        "copy_rows_per_s": f"{sync['copy_rows_per_s']:.0f}", "ratio": f"{sync['ratio']:.2f}",
        "resync_rows_written": f"{sync['resync_rows_written']:.0f}",
        "parse_ms": f"{page['parse_ms']:.0f}", "max_stall_ms": f"{page['max_stall_ms']:.1f}",
        "on_loop_stall_ms": f"{page['on_loop_stall_ms']:.0f}",
        "apply_ratio": f"{sync['apply_ratio']:.2f}",
        "e2e_rows_per_s": f"{sync['e2e_rows_per_s']:.0f}", "e2e_ratio": f"{sync['e2e_ratio']:.2f}",
        "resync_ms": f"{sync['resync_ms']:.0f}",
    }
    print("BENCH sync " + " ".join(f"{k}={v}" for k, v in fields.items()))
    return 1 if any(failures) else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--models", type=int, default=10_000)
    return asyncio.run(main_async(parser.parse_args().models))


if __name__ == "__main__":
    sys.exit(main())
