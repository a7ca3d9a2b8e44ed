"""The `aisi-bot` command: the same operations as Slack, printed as text or JSON.

Exit codes: 0 healthy / done, 1 degraded or failed, 2 usage or configuration error.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import json
import logging
import sys
from collections.abc import Sequence
from dataclasses import asdict, is_dataclass
from enum import Enum
from typing import Any

import psycopg
from psycopg_pool import PoolTimeout
from redis.exceptions import ConnectionError as RedisConnectionError

from bot.errors import ConfigError
from bot.health.check import GROUP_TITLES
from bot.health.probes.base import ProbeState
from bot.logs import setup_logging
from bot.runtime import Runtime
from bot.secrets import Redactor
from bot.settings import Settings, load_settings
from bot.sources.records import SourceResult
from bot.sync.request import ALL_SCOPES, SyncReport, SyncRequest
from bot.text_render import message_to_text
from bot.wiring import ALL_STORES, build_runtime

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
NOT_BUILT = ("recover", "report", "jobs")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aisi-bot", description="ChatOps for AI Server Information"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("serve", help="run the bot (HTTP, Socket Mode, or local mode without Slack)")
    health = sub.add_parser("health", help="check the whole system once")
    health.add_argument(
        "component", nargs="?", choices=list(GROUP_TITLES), help="one component only"
    )
    health.add_argument("--json", action="store_true", help="machine-readable output")
    keys = sub.add_parser("keys", help="check every provider key (masked)")
    keys.add_argument("--json", action="store_true", help="machine-readable output")
    sync = sub.add_parser("sync", help="sync model data along the source priority chain")
    sync.add_argument("scope", nargs="?", default="all", choices=ALL_SCOPES, help="which sources")
    sync.add_argument("--dry-run", action="store_true", help="show the whole diff, write nothing")
    sync.add_argument("--force", action="store_true", help="apply even if the drop guard refuses")
    sync.add_argument("--json", action="store_true", help="machine-readable output")
    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_sub.add_parser("upgrade", help="apply the bot's schema migrations")
    for name in NOT_BUILT:
        extra = sub.add_parser(name, help="not available in this version yet")
        extra.add_argument("rest", nargs=argparse.REMAINDER)
    return parser


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if is_dataclass(value) and not isinstance(value, type):
        return {k: _plain(v) for k, v in asdict(value).items()}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


async def _report(runtime: Runtime, component: str | None, template: str, as_json: bool) -> int:
    """Run the check (or one component) and print it as Slack would show it, or as JSON."""
    report = await runtime.health.run(component)
    if as_json:
        print(json.dumps(_plain(report), ensure_ascii=False, indent=2, default=str))
    else:
        print(message_to_text(runtime.renderer.render(template, report=report).as_kwargs()))
    return EXIT_OK if report.state is ProbeState.OK else EXIT_FAILED


async def _sync(runtime: Runtime, args: argparse.Namespace) -> int:
    """Run a sync, printing each source as it finishes, then the summary."""

    async def on_source(name: str, result: SourceResult) -> None:
        what = f"{len(result.records)} models" if result.status == "ok" else result.reason
        print(f"  {result.status:<7} {name}: {what} ({result.duration_ms:.0f} ms)", file=sys.stderr)

    await _migrate_quietly(runtime)
    request = SyncRequest(
        scope=args.scope,
        dry_run=args.dry_run,
        force=args.force,
        trigger=f"cli:{getpass.getuser()}",
    )
    report = await runtime.sync.run(request, on_source)
    if args.json:
        print(json.dumps(_plain(_sync_summary(report)), ensure_ascii=False, indent=2, default=str))
    else:
        message = runtime.renderer.render("sync_report", report=report, user_id="cli")
        print(message_to_text(message.as_kwargs()))
    done = report.outcome in ("applied", "dry_run", "nothing_to_do")
    return EXIT_OK if done and not report.partial else EXIT_FAILED


def _sync_summary(report: SyncReport) -> dict[str, Any]:
    plan = report.plan
    return {
        "outcome": report.outcome,
        "partial": report.partial,
        "sources_delivered": len(report.delivered),
        "sources_expected": len(report.expected),
        "reason": report.reason,
        "run_id": report.run_id,
        "sources": [
            {
                "name": n,
                "status": r.status,
                "reason": r.reason,
                "count": len(r.records),
                "placeholder": r.placeholder,
                "placeholder_reason": r.placeholder_reason,
            }
            for n, r in report.sources
        ],
        "diff": None
        if plan is None
        else {
            "added": plan.added,
            "updated": plan.updated,
            "unchanged": plan.unchanged,
            "deactivated": len(plan.deactivate),
            "kept_unverified": len(plan.kept_unverified),
            "active_before": plan.active_before,
            "active_after": plan.active_after,
            "from_source": dict(plan.from_source),
        },
        "rows_written": report.rows_written,
        "violations": [v.line() for v in report.violations],
    }


async def _migrate_quietly(runtime: Runtime) -> None:
    """Bring the schema up to date if the database answers; the probes report if it does not."""
    with contextlib.suppress(PoolTimeout, psycopg.Error):
        await runtime.db.migrate()


class StoreUnreachable(Exception):
    """A store the command needs does not answer; its message is the one line to print."""


async def _db_upgrade(runtime: Runtime) -> int:
    reason = await runtime.db.connect_error(runtime.settings.probe_timeout_s)
    if reason is not None:
        raise StoreUnreachable(f"database unreachable at {runtime.db.where}: {reason}")
    applied = await runtime.db.migrate()
    print("applied: " + ", ".join(applied) if applied else "database schema already up to date")
    return EXIT_OK


# The stores each command needs; the others are neither started nor connected to.
HEALTH_STORES: dict[str | None, frozenset[str]] = {
    None: ALL_STORES,
    "keys": frozenset({"cache"}),  # the Artificial Analysis answer is cached (daily quota)
    "db": frozenset({"db"}),
    "cache": frozenset({"cache"}),
    "app": frozenset(),
    "vendors": frozenset({"cache"}),  # status pages are cached for a minute
    "ops": frozenset({"db"}),
}


def _stores_for(args: argparse.Namespace) -> frozenset[str]:
    if args.command == "health":
        return HEALTH_STORES.get(args.component, ALL_STORES)
    if args.command == "keys":
        return HEALTH_STORES["keys"]
    if args.command == "db":
        return frozenset({"db"})
    return ALL_STORES


async def _run(settings: Settings, args: argparse.Namespace) -> int:
    if args.command == "serve":
        if settings.slack_mode == "local":
            from bot.local_mode import run_local_mode

            return await run_local_mode(settings)
        from bot.serve import serve

        return await serve(settings)
    stores = _stores_for(args)
    runtime = await build_runtime(settings, migrate=False, stores=stores)
    try:
        if args.command == "health":
            if "db" in stores:
                await _migrate_quietly(runtime)
            return await _report(runtime, args.component, "health_report", args.json)
        if args.command == "sync":
            return await _sync(runtime, args)
        if args.command == "keys":
            return await _report(runtime, "keys", "keys_report", args.json)
        return await _db_upgrade(runtime)
    finally:
        await runtime.close()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `aisi-bot` console script."""
    args = _parser().parse_args(argv)
    if args.command in NOT_BUILT:
        print(
            f"aisi-bot {args.command}: not available in this version yet; nothing was done.",
            file=sys.stderr,
        )
        return EXIT_USAGE
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"aisi-bot: configuration error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    setup_logging(settings.log_level, settings.log_format, Redactor(settings.secret_values()))
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
    except (PoolTimeout, psycopg.OperationalError) as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        print(f"aisi-bot: database unreachable: {first}", file=sys.stderr)
        return EXIT_FAILED
    except RedisConnectionError as exc:
        print(f"aisi-bot: cache (Redis) unreachable: {type(exc).__name__}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return EXIT_FAILED


if __name__ == "__main__":
    raise SystemExit(main())
