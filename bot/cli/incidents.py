"""`aisi-bot incidents [--all] [--json]`: the open incidents (or every one, newest first).

Exit code 0 when none is open, 1 when some are (or the database failed), 2 usage error.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.cli.base import EXIT_FAILED, EXIT_OK, CliCommand, print_json, require_database
from bot.incident_view import when
from bot.incidents import Incident
from bot.runtime import Runtime

LIMIT = 500


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--all", action="store_true", help="resolved ones too, newest first")
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def _line(incident: Incident, tz: ZoneInfo, now: datetime) -> str:
    times = f"opened {when(incident.opened_at, tz, now)}, last {when(incident.last_seen, tz, now)}"
    return (
        f"#{incident.id:<5} {incident.state.value:<12} L{int(incident.level)}"
        f" {incident.severity.value:<8} ×{incident.count:<6} {incident.dedup_key}"
        f" — {incident.title} ({times})"
    )


async def _incidents(runtime: Runtime, args: argparse.Namespace) -> int:
    await require_database(runtime)
    service = runtime.incidents
    listed = await (service.list_all(limit=LIMIT) if args.all else service.list_open(limit=LIMIT))
    if args.json:
        print_json([incident.as_json() for incident in listed])
    else:
        tz = ZoneInfo(runtime.settings.schedule.timezone)
        now = datetime.now(UTC)
        print("\n".join(_line(i, tz, now) for i in listed) or "no open incidents")
    return EXIT_FAILED if any(i.is_open for i in listed) else EXIT_OK


INCIDENTS = CliCommand(
    "incidents",
    "list the open incidents (--all: every one)",
    _arguments,
    _incidents,
    stores=lambda _: frozenset({"db"}),
)
