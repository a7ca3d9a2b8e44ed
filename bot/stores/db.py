"""PostgreSQL access: one async connection pool, versioned migrations, the few queries."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from bot.stores.db_errors import DbProblem, classify

log = logging.getLogger(__name__)

# pg_advisory_lock key so two replicas starting together migrate one at a time.
_MIGRATION_LOCK_KEY = 0x616973690001


_APPLIED = """
SELECT CASE WHEN to_regclass('chatops.schema_migrations') IS NULL THEN ARRAY[]::text[]
       ELSE (SELECT coalesce(array_agg(version), ARRAY[]::text[]) FROM chatops.schema_migrations)
       END
"""


async def migrations_pending(conn: psycopg.AsyncConnection[Any]) -> list[str]:
    """Versions of the bot's migrations not yet applied (reads only)."""
    cur = await conn.execute(_APPLIED)
    row = await cur.fetchone()
    done = set(row[0]) if row and row[0] else set()
    return [version for version, _ in migration_files() if version not in done]


def migration_files() -> list[tuple[str, str]]:
    """(version, sql) of every migration shipped with the bot, in order."""
    folder = resources.files("bot.stores") / "migrations"
    names = sorted(p.name for p in folder.iterdir() if p.name.endswith(".sql"))
    return [(name.removesuffix(".sql"), (folder / name).read_text("utf-8")) for name in names]


class Database:
    """The bot's PostgreSQL: a lazily-connecting pool that survives the server being down."""

    def __init__(
        self, conninfo: str, *, max_size: int = 10, connect_timeout_s: float = 5.0
    ) -> None:
        self._conninfo = conninfo
        self._connect_timeout_s = connect_timeout_s
        self.pool = AsyncConnectionPool(
            conninfo,
            open=False,
            min_size=1,
            max_size=max_size,
            kwargs={"autocommit": True, "connect_timeout": max(1, int(connect_timeout_s))},
            timeout=connect_timeout_s,
            reconnect_timeout=0,
            name="aisi-bot",
        )

    async def open(self) -> None:
        """Start the pool without waiting: the bot serves even while the database is down."""
        await self.pool.open(wait=False)

    async def close(self) -> None:
        """Close every connection."""
        await self.pool.close()

    @asynccontextmanager
    async def connection(
        self, timeout_s: float | None = None
    ) -> AsyncIterator[psycopg.AsyncConnection]:
        """A pooled connection (autocommit; use ``conn.transaction()`` for atomic work)."""
        async with self.pool.connection(timeout=timeout_s) as conn:
            yield conn

    async def connect_error(self, timeout_s: float = 2.0) -> str | None:
        """One direct connection attempt: None when it worked, else the reason in one line."""
        problem = await self.connect_problem(timeout_s)
        return None if problem is None else str(problem)

    async def connect_problem(self, timeout_s: float = 2.0) -> DbProblem | None:
        """One direct connection attempt: None when it worked, else the classified reason."""
        try:
            conn = await psycopg.AsyncConnection.connect(
                self._conninfo, connect_timeout=max(1, int(timeout_s))
            )
        except psycopg.Error as exc:
            return classify(exc)
        await conn.close()
        return None

    async def explain(self, exc: BaseException, timeout_s: float = 2.0) -> DbProblem:
        """The classified reason of ``exc``; for a pool timeout, what a direct attempt says
        (a server that answers is not called unreachable)."""
        if isinstance(exc, PoolTimeout):
            problem = await self.connect_problem(timeout_s)
            if problem is not None:
                return problem
        return classify(exc)

    @property
    def where(self) -> str:
        """host:port (or the socket folder) of the server, never the credentials."""
        try:
            params = conninfo_to_dict(self._conninfo)
        except psycopg.Error:
            return "(an unparseable DATABASE_URL)"
        host = str(params.get("host") or "localhost")
        if host.startswith("/"):
            return f"the socket in {host}"
        return f"{host}:{params.get('port') or 5432}"

    async def migrate(self) -> list[str]:
        """Apply pending migrations in order, each in its own transaction; returns versions."""
        applied: list[str] = []
        async with self.connection() as conn:
            await conn.execute("SELECT pg_advisory_lock(%s)", (_MIGRATION_LOCK_KEY,))
            try:
                await conn.execute("CREATE SCHEMA IF NOT EXISTS chatops")
                await conn.execute(
                    "CREATE TABLE IF NOT EXISTS chatops.schema_migrations ("
                    " version text PRIMARY KEY,"
                    " applied_at timestamptz NOT NULL DEFAULT now())"
                )
                cur = await conn.execute("SELECT version FROM chatops.schema_migrations")
                done = {row[0] for row in await cur.fetchall()}
                for version, sql in migration_files():
                    if version in done:
                        continue
                    async with conn.transaction():
                        await conn.execute(sql.encode())
                        await conn.execute(
                            "INSERT INTO chatops.schema_migrations (version) VALUES (%s)",
                            (version,),
                        )
                    log.info("applied migration %s", version)
                    applied.append(version)
            finally:
                await conn.execute("SELECT pg_advisory_unlock(%s)", (_MIGRATION_LOCK_KEY,))
        return applied

    async def count_active_models(self, timeout_s: float | None = None) -> int:
        """How many rows of public.models are active."""
        async with self.connection(timeout_s) as conn:
            cur = await conn.execute("SELECT count(*) FROM public.models WHERE is_active")
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def record_error(self, error_id: str, source: str, summary: str) -> None:
        """Remember a failure the bot met, for /health's 'recent errors'."""
        async with self.connection(2.0) as conn:
            await conn.execute(
                "INSERT INTO chatops.bot_errors (error_id, source, summary) VALUES (%s, %s, %s)",
                (error_id, source, summary[:500]),
            )

    async def recreate_pool(self, *, close_timeout_s: float = 5.0) -> None:
        """Replace the pool with a fresh one (same settings), then close the old one.

        Work holding a connection of the old pool finishes on it; callers waiting for one
        get ``PoolClosed`` (a ``psycopg.Error``). New work goes to the new pool at once.
        """
        old = self.pool
        self.pool = AsyncConnectionPool(
            old.conninfo,
            open=False,
            min_size=old.min_size,
            max_size=old.max_size,
            kwargs={"autocommit": True, "connect_timeout": max(1, int(self._connect_timeout_s))},
            timeout=old.timeout,
            reconnect_timeout=old.reconnect_timeout,
            name=old.name,
        )
        await self.pool.open(wait=False)
        await old.close(timeout=close_timeout_s)

