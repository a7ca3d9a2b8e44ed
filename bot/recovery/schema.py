"""The app's tables and columns the bot reads and writes, checked against information_schema.

The list is what ``bot/sync/store.py`` (the sync's reads, COPYs and updates) and the
health probe (``count_active_models``) touch. The check only reads: the app's schema is
Prisma's, and the bot never alters ``public``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import psycopg

from bot.sync.store import _MODEL_COLUMNS as MODEL_COLUMNS_WRITTEN  # what the sync COPYs

APP_SCHEMA: Mapping[str, tuple[str, ...]] = {
    "providers": ("id", "slug", "name", "created_at", "updated_at"),
    "models": tuple(dict.fromkeys(("is_active", *MODEL_COLUMNS_WRITTEN))),
    "change_logs": (
        "id",
        "provider_id",
        "model_id",
        "change_type",
        "change_data",
        "confidence",
        "created_at",
    ),
}

_COLUMNS = """
SELECT table_name, column_name FROM information_schema.columns
WHERE table_schema = 'public' AND table_name = ANY(%s)
"""


@dataclass(frozen=True)
class SchemaCheck:
    """What of ``APP_SCHEMA`` is missing: whole tables, and columns of present tables."""

    missing_tables: tuple[str, ...]
    missing_columns: tuple[str, ...]  # "table.column"

    @property
    def ok(self) -> bool:
        """Nothing is missing."""
        return not self.missing_tables and not self.missing_columns

    def describe(self) -> str:
        """One line naming what is missing."""
        parts = []
        if self.missing_tables:
            parts.append("missing tables: " + ", ".join(f"public.{t}" for t in self.missing_tables))
        if self.missing_columns:
            parts.append(
                "missing columns: " + ", ".join(f"public.{c}" for c in self.missing_columns)
            )
        return "; ".join(parts) or "every table and column the bot uses is present"


async def check_app_schema(
    conn: psycopg.AsyncConnection[Any], schema: Mapping[str, tuple[str, ...]] = APP_SCHEMA
) -> SchemaCheck:
    """Compare ``schema`` with information_schema (reads only)."""
    cur = await conn.execute(_COLUMNS, (list(schema),))
    present: dict[str, set[str]] = {}
    for table, column in await cur.fetchall():
        present.setdefault(str(table), set()).add(str(column))
    tables = tuple(t for t in schema if t not in present)
    columns = tuple(
        f"{t}.{c}"
        for t, cols in schema.items()
        if t in present
        for c in cols
        if c not in present[t]
    )
    return SchemaCheck(tables, columns)
