"""The sync engine on real PostgreSQL and Redis: diff, drop guard, one transaction, one run."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import psycopg
import pytest
from redis.asyncio import Redis

from bot.sources.records import ModelRecord, SourceResult
from bot.stores.cache import build_redis
from bot.stores.db import Database
from bot.sync.service import SourceStep, SyncRequest, SyncService

pytestmark = pytest.mark.stores  # depends on where PostgreSQL and Redis come from


def _records(count: int, *, source: str = "aa_api", speed: float = 50.0) -> tuple[ModelRecord, ...]:
    return tuple(
        ModelRecord(
            provider_slug="openai" if i % 2 else "anthropic",
            provider_name="OpenAI" if i % 2 else "Anthropic",
            slug=f"model-{i:04d}",
            name=f"Model {i}",
            source=source,  # type: ignore[arg-type]
            raw_id=str(i),
            intelligence_score=40 + i % 50,
            output_speed=speed + i % 7,
            input_price=1.25,
            output_price=10.0,
            context_window=128_000,
        )
        for i in range(count)
    )


def _step(name: str, records: tuple[ModelRecord, ...] | None, reason: str = "") -> SourceStep:
    async def fetch() -> SourceResult:
        if records is None:
            return SourceResult(name, "failed", reason or "HTTP 500")
        return SourceResult(name, "ok", records=records)

    return SourceStep(name, frozenset({name}), fetch)


@pytest.fixture
async def stores(database_url: str, redis_url: str) -> AsyncIterator[tuple[Database, Redis]]:
    """The test database and Redis, opened like the bot opens them."""
    db = Database(database_url)
    await db.open()
    redis = build_redis(redis_url)
    yield db, redis
    await redis.aclose()
    await db.close()


def _service(
    db: Database, redis: Redis, *steps: SourceStep, prefixes: tuple[str, ...] = ()
) -> SyncService:
    return SyncService(
        db=db,
        redis=redis,
        steps=steps,
        cache_prefixes=prefixes,
        max_deactivate_share=0.2,
        min_active_models=10,
    )


def _request(**kw: object) -> SyncRequest:
    values: dict[str, object] = {
        "scope": "all",
        "dry_run": False,
        "force": False,
        "trigger": "user:U0ALICE",
    }
    values.update(kw)
    return SyncRequest(**values)  # type: ignore[arg-type]


def _table(url: str) -> list[tuple[object, ...]]:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "SELECT slug, is_active, intelligence_score, data_source"
            " FROM public.models ORDER BY slug"
        ).fetchall()


async def test_first_sync_inserts_and_resync_writes_nothing(
    stores: tuple[Database, Redis], database_url: str
) -> None:
    """275 new models are inserted with providers and change logs; a resync writes 0 rows."""
    db, redis = stores
    service = _service(db, redis, _step("aa_api", _records(275)))
    first = await service.run(_request())
    assert first.outcome == "applied" and first.rows_written == 275
    assert first.plan is not None and first.plan.added == 275
    second = await service.run(_request())
    assert second.outcome == "nothing_to_do" and second.rows_written == 0
    assert second.plan is not None and second.plan.unchanged == 275
    with psycopg.connect(database_url) as conn:
        logs = conn.execute(
            "SELECT change_type, count(*) FROM public.change_logs GROUP BY 1"
        ).fetchall()
        providers = conn.execute("SELECT slug FROM public.providers ORDER BY 1").fetchall()
        runs = conn.execute("SELECT outcome FROM chatops.sync_runs ORDER BY id").fetchall()
    assert logs == [("new", 275)]
    assert providers == [("anthropic",), ("openai",)]
    assert runs == [("applied",), ("nothing_to_do",)]


async def test_odd_characters_and_prices_round_trip(
    stores: tuple[Database, Redis], database_url: str
) -> None:
    """Tabs, newlines, backslashes, unicode and tiny prices are stored exactly; resync no-op."""
    db, redis = stores
    odd = ModelRecord(
        "openai",
        "OpenAI",
        "odd-model",
        "Odd\tname\nwith \\N and ✓ 模型",
        "aa_api",
        "x",
        input_price=0.00004,
        output_price=0.0,
        intelligence_score=99.5,
        context_window=1,
    )
    service = _service(db, redis, _step("aa_api", (*_records(11), odd)))
    assert (await service.run(_request())).outcome == "applied"
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT name, input_price, output_price, intelligence_score FROM public.models"
            " WHERE slug = 'odd-model'"
        ).fetchone()
    assert row is not None
    assert row[0] == "Odd\tname\nwith \\N and ✓ 模型"
    assert (str(row[1]), str(row[2]), row[3]) == ("0.0000", "0.0000", 100)
    assert (await service.run(_request())).rows_written == 0


async def test_shrunken_source_is_refused_and_table_unchanged(
    stores: tuple[Database, Redis], database_url: str
) -> None:
    """A source that suddenly returns 15 of 275 models is refused without --force."""
    db, redis = stores
    await _service(db, redis, _step("aa_api", _records(275))).run(_request())
    before = _table(database_url)
    report = await _service(db, redis, _step("aa_api", _records(15))).run(_request())
    assert report.outcome == "refused"
    assert "deactivate 260 of 275" in report.reason and "--force" in report.reason
    assert _table(database_url) == before


async def test_forced_shrink_deactivates_and_never_deletes(
    stores: tuple[Database, Redis], database_url: str
) -> None:
    """With --force the missing models are deactivated, every row stays in the table."""
    db, redis = stores
    await _service(db, redis, _step("aa_api", _records(275))).run(_request())
    report = await _service(db, redis, _step("aa_api", _records(15))).run(_request(force=True))
    assert report.outcome == "applied"
    rows = _table(database_url)
    assert len(rows) == 275
    assert sum(1 for r in rows if r[1]) == 15
    with psycopg.connect(database_url) as conn:
        removed = conn.execute(
            "SELECT count(*) FROM public.change_logs WHERE change_type='removed'"
        ).fetchone()
    assert removed == (260,)


async def test_failed_source_loses_no_rows(
    stores: tuple[Database, Redis], database_url: str
) -> None:
    """When the source that listed the models fails, nothing is deactivated or downgraded."""
    db, redis = stores
    await _service(
        db, redis, _step("aa_api", _records(50)), _step("defaults", _records(3, source="defaults"))
    ).run(_request())
    before = _table(database_url)
    report = await _service(
        db,
        redis,
        _step("aa_api", None, "HTTP 500"),
        _step("defaults", _records(3, source="defaults")),
    ).run(_request())
    assert report.outcome == "nothing_to_do"
    assert report.plan is not None and len(report.plan.deactivate) == 0
    assert len(report.plan.kept_unverified) == 50
    assert _table(database_url) == before
    assert ("aa_api", "failed") in [(n, r.status) for n, r in report.sources]


async def test_dry_run_shows_diff_and_writes_nothing(
    stores: tuple[Database, Redis], database_url: str
) -> None:
    """--dry-run computes the whole diff and leaves the table untouched."""
    db, redis = stores
    report = await _service(db, redis, _step("aa_api", _records(20))).run(_request(dry_run=True))
    assert report.outcome == "dry_run"
    assert report.plan is not None and report.plan.added == 20
    assert _table(database_url) == []


async def test_database_failure_mid_apply_leaves_nothing_half_written(
    stores: tuple[Database, Redis], database_url: str
) -> None:
    """An error on the 150th row rolls back providers, models and change logs written so far."""
    db, redis = stores
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            "CREATE OR REPLACE FUNCTION chatops.test_fail() RETURNS trigger LANGUAGE plpgsql AS $$"
            " BEGIN IF NEW.slug = 'model-0150' THEN RAISE EXCEPTION 'disk full (test)'; END IF;"
            " RETURN NEW; END $$"
        )
        conn.execute(
            "CREATE TRIGGER test_fail BEFORE INSERT ON public.models"
            " FOR EACH ROW EXECUTE FUNCTION chatops.test_fail()"
        )
    try:
        report = await _service(db, redis, _step("aa_api", _records(275))).run(_request())
    finally:
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute("DROP TRIGGER test_fail ON public.models")
    assert report.outcome == "failed" and "disk full" in report.reason
    with psycopg.connect(database_url) as conn:
        counts = conn.execute(
            "SELECT (SELECT count(*) FROM public.models), (SELECT count(*) FROM public.providers),"
            " (SELECT count(*) FROM public.change_logs)"
        ).fetchone()
    assert counts == (0, 0, 0)


async def test_concurrent_sync_from_two_instances_one_runs_other_is_told(
    stores: tuple[Database, Redis], database_url: str, redis_url: str
) -> None:
    """Two app instances (own pools and Redis) sync at once: one runs, the other is told who."""
    db, redis = stores
    entered, release = asyncio.Event(), asyncio.Event()

    async def slow() -> SourceResult:
        entered.set()
        await release.wait()
        return SourceResult("aa_api", "ok", records=_records(30))

    other_db = Database(database_url)
    await other_db.open()
    other_redis = build_redis(redis_url)
    try:
        first = asyncio.create_task(
            _service(db, redis, SourceStep("aa_api", frozenset({"aa"}), slow)).run(
                _request(trigger="user:U0ALICE")
            )
        )
        await asyncio.wait_for(entered.wait(), 10)
        second = await _service(other_db, other_redis, _step("aa_api", _records(30))).run(
            _request(trigger="user:U0BOB")
        )
        release.set()
        done = await asyncio.wait_for(first, 30)
    finally:
        await other_redis.aclose()
        await other_db.close()
    assert second.outcome == "busy" and "user:U0ALICE" in second.reason
    assert done.outcome == "applied"
    assert len(_table(database_url)) == 30


async def test_app_cache_cleared_by_prefix_after_apply(stores: tuple[Database, Redis]) -> None:
    """After an applied sync the app's keys under the configured prefixes are gone, others stay."""
    db, redis = stores
    await redis.mset(
        {"models:list": "1", "models:count": "2", "api:v1:x": "3", "session:abc": "keep"}
    )
    report = await _service(
        db, redis, _step("aa_api", _records(12)), prefixes=("models:", "api:v1:")
    ).run(_request())
    assert report.outcome == "applied" and report.cache_keys_cleared == 3
    assert await redis.get("session:abc") == "keep"
    assert await redis.exists("models:list", "api:v1:x") == 0


Fetch = Callable[[], Awaitable[SourceResult]]


async def test_redis_down_refuses_to_sync_without_the_lock(
    database_url: str, stores: tuple[Database, Redis]
) -> None:
    """With Redis unreachable the sync cannot take its lock: it says so and writes nothing."""
    db, _ = stores
    dead = build_redis("redis://127.0.0.1:1/0", timeout_s=1)
    try:
        report = await _service(db, dead, _step("aa_api", _records(20))).run(_request())
    finally:
        await dead.aclose()
    assert report.outcome == "failed" and "Redis" in report.reason
    assert _table(database_url) == []


async def test_database_down_sync_fails_cleanly(stores: tuple[Database, Redis]) -> None:
    """With the database unreachable the sync names it and releases its lock."""
    _, redis = stores
    dead = Database("postgresql://postgres@127.0.0.1:1/none", connect_timeout_s=1)
    await dead.open()
    try:
        report = await _service(dead, redis, _step("aa_api", _records(20))).run(_request())
    finally:
        await dead.close()
    assert report.outcome == "failed" and "database unavailable" in report.reason
    assert await redis.exists("aisi-bot:lock:sync") == 0


async def test_rows_with_the_apps_own_slug_style_are_updated_in_place(
    stores: tuple[Database, Redis], database_url: str
) -> None:
    """The app's 'google-gemini-1.5-pro' row is the sources' 'gemini-1-5-pro': updated once."""
    db, redis = stores
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO public.providers (id, slug, name) VALUES ('prov-g', 'google', 'Google')"
        )
        conn.execute(
            "INSERT INTO public.models (id, provider_id, slug, name, is_active, data_source)"
            " VALUES ('google:gemini-1-5-pro', 'prov-g', 'google-gemini-1.5-pro', 'Gemini 1.5 Pro',"
            " true, 'artificial-analysis')"
        )
    record = ModelRecord(
        "google", "Google", "gemini-1-5-pro", "Gemini 1.5 Pro", "aa_api", "x", intelligence_score=45
    )
    report = await _service(db, redis, _step("aa_api", (record,))).run(_request())
    assert report.plan is not None
    assert (report.plan.added, report.plan.updated, len(report.plan.deactivate)) == (0, 1, 0)
    assert _table(database_url) == [("google-gemini-1.5-pro", True, 45, "aa_api")]
