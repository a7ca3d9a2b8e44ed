"""`aisi-bot db upgrade`: apply the bot's schema migrations."""

from __future__ import annotations

import argparse

from bot.app.runtime import Runtime
from bot.cli.base import EXIT_OK, CliCommand, require_database


def _arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    actions.add_parser("upgrade", help="apply the bot's schema migrations")


async def _upgrade(runtime: Runtime, _: argparse.Namespace) -> int:
    await require_database(runtime)
    applied = await runtime.db.migrate()
    print("applied: " + ", ".join(applied) if applied else "database schema already up to date")
    return EXIT_OK


DB = CliCommand(
    "db", "database maintenance", _arguments, _upgrade, stores=lambda _: frozenset({"db"})
)
