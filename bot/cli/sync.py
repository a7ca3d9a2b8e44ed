"""`aisi-bot sync [scope] [--dry-run] [--force] [--json]`: progress on stderr, summary on stdout."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from bot.app.runtime import Runtime
from bot.cli.base import EXIT_FAILED, EXIT_OK, CliCommand, migrate_quietly, print_json
from bot.slack.text import message_to_text
from bot.sources.records import SourceResult
from bot.sync.request import ALL_SCOPES, SyncReport, SyncRequest


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("scope", nargs="?", default="all", choices=ALL_SCOPES, help="which sources")
    parser.add_argument("--dry-run", action="store_true", help="show the whole diff, write nothing")
    parser.add_argument("--force", action="store_true", help="apply even if the drop guard refuses")
    parser.add_argument("--json", action="store_true", help="machine-readable output")


async def _sync(runtime: Runtime, args: argparse.Namespace) -> int:
    """Run a sync, printing each source as it finishes, then the summary."""

    async def on_source(name: str, result: SourceResult) -> None:
        what = f"{len(result.records)} models" if result.status == "ok" else result.reason
        print(f"  {result.status:<7} {name}: {what} ({result.duration_ms:.0f} ms)", file=sys.stderr)

    await migrate_quietly(runtime)
    request = SyncRequest(
        scope=args.scope,
        dry_run=args.dry_run,
        force=args.force,
        trigger=f"cli:{getpass.getuser()}",
    )
    report = await runtime.sync.run(request, on_source)
    if args.json:
        print_json(sync_summary(report))
    else:
        message = runtime.renderer.render(
            "sync_report", lang=args.lang, report=report, user_id="cli"
        )
        print(message_to_text(message.as_kwargs()))
    done = report.outcome in ("applied", "dry_run", "nothing_to_do")
    return EXIT_OK if done and not report.partial else EXIT_FAILED


def sync_summary(report: SyncReport) -> dict[str, Any]:
    """The summary as plain data (`--json`)."""
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


SYNC = CliCommand("sync", "sync model data along the source priority chain", _arguments, _sync)
