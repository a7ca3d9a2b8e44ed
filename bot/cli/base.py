"""What every `aisi-bot` subcommand shares: its shape, exit codes, JSON output, store errors."""

from __future__ import annotations

import argparse
import contextlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, is_dataclass
from enum import Enum
from typing import Any

import psycopg
from psycopg_pool import PoolTimeout

from bot.app.runtime import Runtime
from bot.app.wiring import ALL_STORES
from bot.stores.db import migrations_pending
from bot.stores.db_errors import UPGRADE_COMMAND

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class StoreUnreachable(Exception):
    """A store the command needs does not answer; its message is the one line to print."""


def all_stores(_: argparse.Namespace) -> frozenset[str]:
    """Most commands need the database and the cache."""
    return ALL_STORES


@dataclass(frozen=True)
class CliCommand:
    """One subcommand: its arguments, the stores it needs, and what it does with a runtime."""

    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[Runtime, argparse.Namespace], Awaitable[int]]
    stores: Callable[[argparse.Namespace], frozenset[str]] = all_stores
    # Runs before any store is started: None to go on, or the exit code (a refusal).
    precheck: Callable[[argparse.Namespace], int | None] | None = None
    # Needs the bot's own tables: refused in one line naming `aisi-bot db upgrade` without.
    needs_schema: bool = False


def plain(value: Any) -> Any:
    """Dataclasses, enums and containers as JSON-able values."""
    if isinstance(value, Enum):
        return value.value
    if is_dataclass(value) and not isinstance(value, type):
        return {k: plain(v) for k, v in asdict(value).items()}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def print_json(value: Any) -> None:
    """One JSON document on stdout (for scripts)."""
    print(json.dumps(plain(value), ensure_ascii=False, indent=2, default=str))


async def migrate_quietly(runtime: Runtime) -> None:
    """Bring the schema up to date if the database answers; the probes report if it does not."""
    with contextlib.suppress(PoolTimeout, psycopg.Error):
        await runtime.db.migrate()


async def require_database(runtime: Runtime) -> None:
    """Raise StoreUnreachable (one line) when the database does not answer."""
    reason = await runtime.db.connect_error(runtime.settings.probe_timeout_s)
    if reason is not None:
        raise StoreUnreachable(f"database unreachable at {runtime.db.where}: {reason}")


async def require_schema(runtime: Runtime) -> None:
    """Raise StoreUnreachable (one line naming `aisi-bot db upgrade`) when the bot's schema
    is missing or behind; a database that does not answer raises its own error."""
    async with runtime.db.connection(runtime.settings.probe_timeout_s) as conn:
        pending = await migrations_pending(conn)
    if pending:
        shown = ", ".join(pending[:3]) + (", …" if len(pending) > 3 else "")
        raise StoreUnreachable(
            f"database: the bot's schema is missing or behind ({len(pending)} migration(s)"
            f" not applied: {shown}): run `{UPGRADE_COMMAND}`"
        )
