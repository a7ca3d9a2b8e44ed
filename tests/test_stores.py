"""Migrations and stores: the bot's own schema, the app's tables only where absent."""

from __future__ import annotations

import asyncio

import psycopg
import pytest

from bot.stores.db import Database, migration_files

pytestmark = pytest.mark.stores  # depends on where PostgreSQL and Redis come from


async def _migrate(url: str) -> list[str]:
    db = Database(url)
    await db.open()
    try:
        return await db.migrate()
    finally:
        await db.close()


async def test_empty_database_gets_bot_schema_and_app_subset(empty_database: str) -> None:
    """On an empty database the chatops schema and public providers/models/change_logs appear."""
    applied = await _migrate(empty_database)
    assert applied == [version for version, _ in migration_files()]
    with psycopg.connect(empty_database) as conn:
        tables = {
            r[0]
            for r in conn.execute(
                "SELECT schemaname || '.' || tablename FROM pg_tables"
                " WHERE schemaname IN ('public','chatops')"
            )
        }
        columns = {
            r[0]
            for r in conn.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'models'"
            )
        }
    assert {
        "public.providers",
        "public.models",
        "public.change_logs",
        "chatops.schema_migrations",
    } <= tables
    assert {
        "slug",
        "data_source",
        "last_verified",
        "is_active",
        "input_price",
        "intelligence_score",
    } <= columns


async def test_migrations_are_idempotent_and_concurrency_safe(empty_database: str) -> None:
    """Two replicas migrating at once apply each version once; a rerun applies nothing."""
    first, second = await asyncio.gather(_migrate(empty_database), _migrate(empty_database))
    assert sorted(first + second) == sorted(v for v, _ in migration_files())
    assert await _migrate(empty_database) == []


async def test_existing_app_tables_are_never_altered(empty_database: str) -> None:
    """An existing public.models (Prisma's, with other columns) is left exactly as it was."""
    with psycopg.connect(empty_database, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE public.providers (id text PRIMARY KEY, slug text UNIQUE, extra_col int)"
        )
        conn.execute(
            "CREATE TABLE public.models (id text PRIMARY KEY, slug text, prisma_only text)"
        )
        conn.execute("INSERT INTO public.models VALUES ('m1', 'gpt', 'keep me')")
        before = conn.execute(
            "SELECT column_name, data_type FROM information_schema.columns"
            " WHERE table_schema='public' ORDER BY table_name, column_name"
        ).fetchall()
        indexes_before = conn.execute(
            "SELECT indexname FROM pg_indexes WHERE schemaname='public'"
        ).fetchall()
    await _migrate(empty_database)
    with psycopg.connect(empty_database) as conn:
        after = conn.execute(
            "SELECT column_name, data_type FROM information_schema.columns"
            " WHERE table_schema='public' AND table_name IN ('providers','models')"
            " ORDER BY table_name, column_name"
        ).fetchall()
        indexes_after = conn.execute(
            "SELECT indexname FROM pg_indexes"
            " WHERE schemaname='public' AND tablename IN ('providers','models')"
        ).fetchall()
        row = conn.execute("SELECT prisma_only FROM public.models").fetchone()
    assert [c for c in before if c[0] in ("id", "slug", "extra_col", "prisma_only")] == after
    assert sorted(indexes_before) == sorted(indexes_after)
    assert row == ("keep me",)


async def test_pool_survives_database_coming_back(empty_database: str) -> None:
    """A Database opened while its server is unreachable raises cleanly, without hanging."""
    db = Database("postgresql://postgres@127.0.0.1:1/none", connect_timeout_s=1)
    await db.open()
    try:
        with pytest.raises(Exception) as raised:
            await db.count_active_models(timeout_s=0.5)
        assert "PoolTimeout" in type(raised.value).__name__
        assert "refused" in str(await db.explain(raised.value, 1)).lower()
    finally:
        await db.close()
