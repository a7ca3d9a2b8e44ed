"""The bot's own operations in /health: recent errors it recorded, last sync per source."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.health.ops import probe_last_sync, probe_recent_errors
from bot.health.probes.base import ProbeState
from bot.sources.records import ModelRecord, SourceResult
from bot.stores.cache import build_redis
from bot.stores.db import Database
from bot.sync.service import SourceStep, SyncRequest, SyncService

pytestmark = pytest.mark.stores  # depends on where PostgreSQL and Redis come from


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    """The test database through the bot's pool."""
    database = Database(database_url)
    await database.open()
    yield database
    await database.close()


async def test_no_errors_is_ok_and_recorded_errors_are_degraded(db: Database) -> None:
    """No recorded failure reads OK; a recorded one names its id and source."""
    assert (await probe_recent_errors(db, timeout_s=5)).state is ProbeState.OK
    await db.record_error("ab12cd34", "/health", "RuntimeError: boom")
    result = await probe_recent_errors(db, timeout_s=5)
    assert result.state is ProbeState.DEGRADED
    assert "ab12cd34" in result.detail and "/health" in result.detail


async def test_last_sync_is_never_then_per_source(db: Database, redis_url: str) -> None:
    """Before any sync it says never; after one, each source that delivered is named."""
    assert (await probe_last_sync(db, timeout_s=5)).detail == "never (no sync has run)"
    record = ModelRecord("openai", "OpenAI", "gpt-x", "GPT X", "aa_api", "1", intelligence_score=50)

    async def ok() -> SourceResult:
        return SourceResult("aa_api", "ok", records=(record,))

    async def broken() -> SourceResult:
        return SourceResult("github_backup", "failed", "HTTP 500")

    redis = build_redis(redis_url)
    try:
        service = SyncService(
            db=db,
            redis=redis,
            cache_prefixes=(),
            max_deactivate_share=0.2,
            min_active_models=0,
            steps=[
                SourceStep("aa_api", frozenset({"aa"}), ok),
                SourceStep("github_backup", frozenset({"github"}), broken),
            ],
        )
        report = await service.run(SyncRequest("all", False, False, "user:U0ALICE"))
    finally:
        await redis.aclose()
    assert report.outcome == "applied"
    result = await probe_last_sync(db, timeout_s=5)
    assert "aa_api" in result.detail and "github_backup" not in result.detail


async def test_database_down_makes_ops_probes_unknown() -> None:
    """With the database unreachable both probes say unknown, never OK or down."""
    down = Database("postgresql://postgres@127.0.0.1:1/none", connect_timeout_s=1)
    await down.open()
    try:
        for probe in (probe_recent_errors, probe_last_sync):
            assert (await probe(down, timeout_s=2)).state is ProbeState.UNKNOWN
    finally:
        await down.close()
