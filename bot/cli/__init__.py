"""The `aisi-bot` command: the same operations as Slack, printed as text or JSON.

Exit codes: 0 healthy / done, 1 degraded or failed, 2 usage or configuration error. Each
subcommand is a ``CliCommand`` in its own module, listed once in ``COMMANDS``.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Sequence

import psycopg
from psycopg_pool import PoolTimeout
from redis.exceptions import ConnectionError as RedisConnectionError

from bot.app.logs import setup_logging
from bot.app.wiring import build_runtime
from bot.cli.alert import ALERT
from bot.cli.base import (
    EXIT_FAILED,
    EXIT_USAGE,
    CliCommand,
    StoreUnreachable,
    require_schema,
)
from bot.cli.db import DB
from bot.cli.health import HEALTH, KEYS
from bot.cli.incidents import INCIDENTS
from bot.cli.jobs import JOBS
from bot.cli.recover import RECOVER
from bot.cli.report import REPORT
from bot.cli.sync import SYNC
from bot.errors import ConfigError
from bot.i18n.translator import SUPPORTED, cli_language
from bot.settings.model import Settings, load_settings
from bot.settings.secrets import Redactor
from bot.stores.db_errors import classify

COMMANDS: tuple[CliCommand, ...] = (
    HEALTH,
    KEYS,
    SYNC,
    RECOVER,
    REPORT,
    JOBS,
    DB,
    ALERT,
    INCIDENTS,
)
LANG_HELP = "language of the output (default: from LC_ALL/LC_MESSAGES/LANG, else slack.language)"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aisi-bot", description="ChatOps for AI Server Information"
    )
    parser.add_argument("--lang", choices=SUPPORTED, help=LANG_HELP)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("serve", help="run the bot (HTTP, Socket Mode, or local mode without Slack)")
    for command in COMMANDS:
        command_parser = sub.add_parser(command.name, help=command.help)
        command.add_arguments(command_parser)
        # Also after the command (`aisi-bot health --lang ko`); absent, the global one stands.
        command_parser.add_argument(
            "--lang", choices=SUPPORTED, default=argparse.SUPPRESS, help=LANG_HELP
        )
    return parser


async def _run(settings: Settings, args: argparse.Namespace) -> int:
    if args.command == "serve":
        if settings.slack_mode == "local":
            from bot.app.local_mode import run_local_mode

            return await run_local_mode(settings)
        from bot.app.serve import serve

        return await serve(settings)
    command = next(c for c in COMMANDS if c.name == args.command)
    runtime = await build_runtime(settings, migrate=False, stores=command.stores(args))
    try:
        if command.needs_schema:
            await require_schema(runtime)
        return await command.run(runtime, args)
    finally:
        await runtime.close()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `aisi-bot` console script."""
    args = _parser().parse_args(argv)
    command = next((c for c in COMMANDS if c.name == args.command), None)
    if command is not None and command.precheck is not None:
        refused = command.precheck(args)
        if refused is not None:
            return refused
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"aisi-bot: configuration error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    setup_logging(settings.log_level, settings.log_format, Redactor(settings.secret_values()))
    args.lang = cli_language(args.lang, os.environ, settings.language)
    if args.command != "serve" and settings.log_level != "DEBUG":
        # A command reports an unreachable database itself, in one line; the pool's
        # reconnection warnings would only repeat it.
        logging.getLogger("psycopg.pool").setLevel(logging.ERROR)
    try:
        return asyncio.run(_run(settings, args))
    except ConfigError as exc:  # found while starting (a user group Slack refuses)
        print(f"aisi-bot: configuration error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except StoreUnreachable as exc:
        print(f"aisi-bot: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except (PoolTimeout, psycopg.Error) as exc:
        # One line, whatever the database said: unreachable, refused, timed out, refused
        # credentials, the bot's schema missing (naming `aisi-bot db upgrade`), or other.
        print(f"aisi-bot: database: {classify(exc)}", file=sys.stderr)
        return EXIT_FAILED
    except RedisConnectionError as exc:
        print(f"aisi-bot: cache (Redis) unreachable: {type(exc).__name__}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return EXIT_FAILED
