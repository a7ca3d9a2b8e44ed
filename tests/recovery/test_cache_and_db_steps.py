"""Steps 1 and 2 on real Redis and PostgreSQL: what is cleared, what survives, what is checked."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from redis.asyncio import Redis

from bot.i18n.translator import translator
from bot.recovery import Outcome, RecoveryOptions, StepName, StepState
from bot.slack.render import Renderer
from bot.stores.app_cache import clear_prefixes_counted
from bot.stores.cache import build_redis
from bot.stores.db import Database
from tests.recovery.conftest import OPERATOR, ServiceFactory, closed_port

pytestmark = pytest.mark.stores  # depends on where PostgreSQL and Redis come from

CACHE_ONLY = RecoveryOptions(steps=(StepName.CACHE,))
DB_ONLY = RecoveryOptions(steps=(StepName.DB,))


async def _fill(redis: Redis, prefix: str, count: int) -> None:
    async with redis.pipeline(transaction=False) as pipe:
        for i in range(count):
            pipe.set(f"{prefix}{i}", "x")
        await pipe.execute()


async def test_cache_step_deletes_only_prefixed_keys_counting_each_prefix(
    make_service: ServiceFactory, redis: Redis, other_db_keys: Any
) -> None:
    """Keys under the prefixes go, in batches; other keys here and in another database stay."""
    await _fill(redis, "models:", 1_203)
    await _fill(redis, "api:v1:", 7)
    survivors = ["modelsX:1", "model:1", "aisi-bot:lock:sync", "session:abc", "API:V1:caps"]
    for key in survivors:
        await redis.set(key, "keep")
    other_db_keys.set("models:elsewhere", "keep")
    other_db_keys.set("api:v1:elsewhere", "keep")

    report = await make_service(batch=100).run(CACHE_ONLY, actor=OPERATOR)

    step = report.step(StepName.CACHE)
    assert report.outcome is Outcome.OK, step.detail
    assert step.data["keys"] == {"models:": 1_203, "api:v1:": 7, "unified-models:": 0}
    assert any("`models:*`: deleted 1203 keys" in line for line in step.detail)
    assert sorted(await redis.keys("*")) == sorted(survivors)
    assert sorted(other_db_keys.keys("*")) == ["api:v1:elsewhere", "models:elsewhere"]


async def test_prefix_glob_characters_are_literal(redis: Redis) -> None:
    """A prefix holding glob characters matches only itself; an empty prefix matches nothing."""
    await redis.set("odd*[x]:1", "a")
    await redis.set("oddY[x]:1", "b")
    await redis.set("plain", "c")
    counts = await clear_prefixes_counted(redis, ["odd*[x]:", ""])
    assert [(c.prefix, c.keys) for c in counts] == [("odd*[x]:", 1)]
    assert sorted(await redis.keys("*")) == ["oddY[x]:1", "plain"]


async def test_cache_step_fails_naming_redis_when_it_is_down(
    make_service: ServiceFactory, database_url: str
) -> None:
    """Redis down: the lock is held in PostgreSQL, the cache step fails naming Redis, audited."""
    down = build_redis(f"redis://127.0.0.1:{closed_port()}/0", timeout_s=1.0)
    try:
        report = await make_service(redis=down).run(CACHE_ONLY, actor=OPERATOR)
    finally:
        await down.aclose()
    step = report.step(StepName.CACHE)
    assert step.state is StepState.FAILED
    assert "cache (Redis) unavailable: ConnectionError" in step.detail[-1]
    assert report.outcome is Outcome.FAILED
    assert any("PostgreSQL only" in note for note in report.notes)
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT outcome, steps->0->>'state' FROM chatops.recovery_runs"
        ).fetchone()
    assert row == ("failed", "failed")


async def test_db_step_recreates_the_pool_and_checks_schema_and_migrations(
    make_service: ServiceFactory, db: Database
) -> None:
    """The pool is replaced, the app's schema is complete, the bot's migrations are current."""
    old_pool = db.pool
    report = await make_service().run(DB_ONLY, actor=OPERATOR)
    step = report.step(StepName.DB)
    assert report.outcome is Outcome.OK, step.detail
    assert db.pool is not old_pool and old_pool.closed
    assert step.detail[0] == "connection pool re-created"
    assert step.detail[1].startswith("connected (PostgreSQL ")
    assert step.data["missing_tables"] == [] and step.data["missing_columns"] == []
    assert step.detail[-1] == "the bot's migrations were already applied"
    assert step.duration_s is not None and step.duration_s >= 0


async def test_db_step_applies_a_pending_migration_and_a_dry_run_only_names_it(
    make_service: ServiceFactory, database_url: str
) -> None:
    """A migration not yet applied is named by the dry run, then applied by the real run."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("DELETE FROM chatops.schema_migrations WHERE version = '0011_recovery'")
    service = make_service()
    dry = await service.run(RecoveryOptions(steps=(StepName.DB,), dry_run=True), actor=OPERATOR)
    assert dry.step(StepName.DB).detail[-1] == "would apply the bot's migrations 0011_recovery"
    with psycopg.connect(database_url) as conn:
        count = conn.execute(
            "SELECT count(*) FROM chatops.schema_migrations WHERE version = '0011_recovery'"
        ).fetchone()
    assert count == (0,)
    real = await service.run(DB_ONLY, actor=OPERATOR)
    assert real.step(StepName.DB).detail[-1] == "applied the bot's migrations 0011_recovery"


async def test_db_step_reports_missing_app_columns_and_never_alters_public(
    make_service: ServiceFactory, database_url: str
) -> None:
    """A renamed app column is reported; public stays as it was and no migration is applied."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("ALTER TABLE public.models RENAME COLUMN output_speed TO speed_renamed")
        conn.execute("DELETE FROM chatops.schema_migrations WHERE version = '0011_recovery'")
    try:
        report = await make_service().run(DB_ONLY, actor=OPERATOR)
        with psycopg.connect(database_url) as conn:
            columns = {
                r[0]
                for r in conn.execute(
                    "SELECT column_name FROM information_schema.columns"
                    " WHERE table_schema = 'public' AND table_name = 'models'"
                ).fetchall()
            }
            pending = conn.execute(
                "SELECT count(*) FROM chatops.schema_migrations WHERE version = '0011_recovery'"
            ).fetchone()
    finally:
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute("ALTER TABLE public.models RENAME COLUMN speed_renamed TO output_speed")
            conn.execute(
                "INSERT INTO chatops.schema_migrations (version) VALUES ('0011_recovery')"
                " ON CONFLICT DO NOTHING"
            )
    step = report.step(StepName.DB)
    assert step.state is StepState.FAILED
    assert step.data["missing_columns"] == ["models.output_speed"]
    assert "missing columns: public.models.output_speed" in step.detail[-1]
    assert "public was not altered" in step.detail[-1]
    assert "speed_renamed" in columns and "output_speed" not in columns
    assert pending == (0,)


async def test_db_step_fails_naming_the_reason_when_the_port_is_closed(
    make_service: ServiceFactory, redis: Redis
) -> None:
    """Database at a closed port: the step fails naming the refusal; the run still reports."""
    down = Database(f"postgresql://postgres@127.0.0.1:{closed_port()}/none", connect_timeout_s=1)
    await down.open()
    try:
        report = await make_service(database=down).run(
            RecoveryOptions(steps=(StepName.CACHE, StepName.DB)), actor=OPERATOR
        )
    finally:
        await down.close()
    assert report.step(StepName.CACHE).state is StepState.OK
    step = report.step(StepName.DB)
    assert step.state is StepState.FAILED
    assert step.detail[-1].startswith("database unreachable: ")
    assert "refused" in step.detail[-1].lower()
    assert report.outcome is Outcome.FAILED
    assert report.run_id is None
    assert any("audit row could not be written" in note for note in report.notes)
    assert await redis.keys("aisi-bot:lock:*") == []


async def test_a_run_in_korean_writes_its_step_lines_in_korean(
    make_service: ServiceFactory, redis: Redis
) -> None:
    """The steps write their lines in the run's language; the summary renders them as they are."""
    await _fill(redis, "models:", 3)
    options = RecoveryOptions(steps=(StepName.CACHE, StepName.DB), dry_run=True)
    report = await make_service().run(options, actor=OPERATOR, t=translator("ko"))
    assert report.outcome is Outcome.OK, [s.detail for s in report.steps]
    cache, db = report.step(StepName.CACHE), report.step(StepName.DB)
    assert "`models:*`: 키 3개를 삭제할 예정 (예: " in cache.detail[0]
    assert cache.detail[-1].startswith("모두 키 3개를 삭제할 예정입니다")
    assert db.detail[0].startswith("커넥션 풀을 다시 만들 예정입니다")
    summary = Renderer().render("recover_summary", lang="ko", report=report)
    assert "🔍 복구 드라이 런 — 아무것도 바꾸지 않았습니다" in summary.text
    assert cache.detail[-1] in str(summary.blocks)
    assert await redis.get("models:0") == "x"  # a dry run
