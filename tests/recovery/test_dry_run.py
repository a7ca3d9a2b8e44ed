"""A dry run says exactly what each step would do and changes nothing, compared row by row."""

from __future__ import annotations

from typing import Any

import psycopg
from redis import Redis as SyncRedis
from redis.asyncio import Redis

from bot.recovery import Outcome, RecoveryOptions, StepName, StepState
from bot.stores.db import Database
from tests.recovery.conftest import OPERATOR, ServiceFactory
from tests.recovery.test_sync_and_deploy_steps import seed_vanishing_models
from tests.recovery.vercel_standin import HOOK_SECRET, PROJECT_ID, VercelStandIn

# The dry run's own audit: its row in recovery_runs and the sync's dry-run row in sync_runs.
AUDIT_TABLES = {"chatops.recovery_runs", "chatops.sync_runs"}


def database_rows(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table in public and chatops, in a stable order."""
    with psycopg.connect(url) as conn:
        tables = [
            f"{schema}.{name}"
            for schema, name in conn.execute(
                "SELECT table_schema, table_name FROM information_schema.tables"
                " WHERE table_schema IN ('public', 'chatops') AND table_type = 'BASE TABLE'"
            ).fetchall()
        ]
        return {
            table: sorted(conn.execute(f"SELECT * FROM {table}").fetchall(), key=repr)  # noqa: S608
            for table in tables
        }


def redis_contents(url: str) -> dict[bytes, tuple[bytes | None, int]]:
    """Every key of our Redis database with its serialised value and TTL."""
    client = SyncRedis.from_url(url)
    try:
        return {key: (client.dump(key), client.ttl(key)) for key in client.keys("*")}
    finally:
        client.close()


async def test_a_dry_run_changes_nothing_and_says_what_it_would_do(
    make_service: ServiceFactory,
    database_url: str,
    redis_url: str,
    redis: Redis,
    db: Database,
    vercel: VercelStandIn,
    other_db_keys: Any,
) -> None:
    """Keys per prefix, the sync's diff, the hook (masked): no row, key or deployment changed."""
    seed_vanishing_models(database_url, 30)
    for i in range(12):
        await redis.set(f"models:{i}", "cached")
    await redis.set("api:v1:models?page=1", "cached", ex=3600)
    await redis.set("session:xyz", "keep")
    other_db_keys.set("models:other-db", "keep")
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("DELETE FROM chatops.schema_migrations WHERE version = '0011_recovery'")
    rows_before, keys_before = database_rows(database_url), redis_contents(redis_url)
    pool_before = db.pool

    options = RecoveryOptions(dry_run=True, force_sync=True)
    report = await make_service().run(options, actor=OPERATOR, idempotency_key="V0DRY")

    assert report.outcome is Outcome.OK, [s.detail for s in report.steps]
    assert all(s.state is StepState.OK for s in report.steps)
    cache = report.step(StepName.CACHE)
    assert cache.data["keys"] == {"models:": 12, "api:v1:": 1, "unified-models:": 0}
    assert "`models:*`: would delete 12 keys (e.g. " in cache.detail[0]
    db_step = report.step(StepName.DB)
    assert db_step.detail[0].startswith("would re-create the connection pool")
    assert db_step.detail[-1] == "would apply the bot's migrations 0011_recovery"
    sync = report.step(StepName.SYNC)
    assert sync.data["sync_outcome"] == "dry_run"
    assert sync.data["diff"]["deactivated"] == 30 and sync.data["diff"]["added"] > 0
    assert any(line.startswith("would deactivate 30 (xcorp-gone-") for line in sync.detail)
    assert any(line.startswith("the drop guard is overridden: ") for line in sync.detail)
    deploy = report.step(StepName.DEPLOY)
    assert deploy.detail == [
        f"would POST the deploy hook …{HOOK_SECRET[-4:]}",
        f"would follow the deployment it starts (project {PROJECT_ID}) for up to 10s",
    ]

    assert vercel.requests == []
    assert db.pool is pool_before
    assert redis_contents(redis_url).keys() - keys_before.keys() == {
        b"aisi-bot:recovery:request:V0DRY"
    }
    after = redis_contents(redis_url)
    assert {k: after[k][0] for k in keys_before} == {k: v[0] for k, v in keys_before.items()}
    assert other_db_keys.keys("*") == ["models:other-db"]
    rows_after = database_rows(database_url)
    for table, rows in rows_before.items():
        if table not in AUDIT_TABLES:
            assert rows_after[table] == rows, table
    assert rows_before["chatops.recovery_runs"] == [] and rows_before["chatops.sync_runs"] == []
    [recovery_row] = rows_after["chatops.recovery_runs"]
    [sync_row] = rows_after["chatops.sync_runs"]
    assert recovery_row[3] is True  # dry_run
    assert (sync_row[3], sync_row[9]) == (True, "dry_run")
