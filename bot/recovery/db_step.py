"""Step 2: re-create the pool, check connectivity and the app's schema, apply the bot's migrations.

The app's schema (``public``) is only read; a missing table or column is reported and the
step fails without applying the bot's migrations (one of them creates the app's tables
where absent, for local use, and a recovery must never create or alter anything there).
"""

from __future__ import annotations

from collections.abc import Mapping

import psycopg
from psycopg_pool import PoolTimeout

from bot.i18n.translator import Translator, translator
from bot.recovery.model import StepName
from bot.recovery.schema import APP_SCHEMA, check_app_schema
from bot.recovery.steps import StepContext, StepFailedError, describe_error
from bot.stores.db import Database, migrations_pending


class DatabaseStep:
    """Reconnects the bot's pool and checks the database the app and the bot share."""

    name = StepName.DB

    def __init__(
        self,
        db: Database,
        *,
        timeout_s: float = 10.0,
        schema: Mapping[str, tuple[str, ...]] = APP_SCHEMA,
    ) -> None:
        self._db = db
        self._timeout_s = timeout_s
        self._schema = schema

    def describe(self, t: Translator | None = None) -> str:
        """What it checks (in ``t``'s language)."""
        t = t or translator("en")
        return t._("new connections, the app's tables (read only), the bot's migrations")

    async def run(self, ctx: StepContext) -> None:
        """Pool, connectivity, schema, migrations, in that order; stop at the first failure."""
        t = ctx.t
        pool = self._db.pool
        if ctx.dry_run:
            size = pool.get_stats().get("pool_size", 0)
            ctx.add(
                t._(
                    "would re-create the connection pool (%(size)s connection(s) open now)",
                    size=size,
                )
            )
        else:
            await self._db.recreate_pool()
            await ctx.note(t._("connection pool re-created"))
        try:
            async with self._db.connection(self._timeout_s) as conn:
                cur = await conn.execute("SELECT current_setting('server_version')")
                row = await cur.fetchone()
                check = await check_app_schema(conn, self._schema)
                pending = await migrations_pending(conn)
        except (PoolTimeout, psycopg.Error) as exc:
            problem = await self._db.explain(exc, min(self._timeout_s, 5.0))
            # "unreachable" only when the server did not answer (refused, timed out, gone).
            words = (
                t._("database unreachable: %(reason)s", reason=problem.said.text(t))
                if problem.transient
                else t._("database: %(reason)s", reason=problem.said.text(t))
            )
            raise StepFailedError(words) from None
        version = str(row[0]) if row else "?"
        ctx.data["server_version"] = version
        await ctx.note(t._("connected (PostgreSQL %(version)s)", version=version))
        ctx.data["missing_tables"] = list(check.missing_tables)
        ctx.data["missing_columns"] = list(check.missing_columns)
        if not check.ok:
            raise StepFailedError(
                t._(
                    "the app's schema is incomplete (%(missing)s); public was not altered"
                    " and the bot's migrations were not applied",
                    missing=check.describe(),
                )
            )
        tables = len(self._schema)
        columns = sum(len(c) for c in self._schema.values())
        ctx.add(
            t._(
                "the app's schema has the %(tables)s tables and %(columns)s columns the bot uses",
                tables=tables,
                columns=columns,
            )
        )
        ctx.data["pending_migrations"] = pending
        if ctx.dry_run:
            ctx.add(
                t._("would apply the bot's migrations %(versions)s", versions=", ".join(pending))
                if pending
                else t._("the bot's migrations are all applied")
            )
            return
        try:
            applied = await self._db.migrate()
        except (PoolTimeout, psycopg.Error) as exc:
            raise StepFailedError(
                t._("the bot's migrations failed: %(error)s", error=describe_error(exc))
            ) from None
        ctx.data["applied_migrations"] = applied
        ctx.add(
            t._("applied the bot's migrations %(versions)s", versions=", ".join(applied))
            if applied
            else t._("the bot's migrations were already applied")
        )
