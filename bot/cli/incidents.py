"""`aisi-bot incidents [--all] [--json]`: the open incidents (or every one, newest first).

Exit code 0 when none is open, 1 when some are (or the database failed), 2 usage error.

`aisi-bot incidents postmortem ID`: the Markdown postmortem draft of one incident (summary,
timeline, times to acknowledge and resolve, what changed, headings to fill), in the
language of `--lang`/`LANG`, read from the database only. Exit code 0 printed, 1 no such
incident (or the database failed), 2 usage error.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.app.runtime import Runtime
from bot.cli.base import EXIT_FAILED, EXIT_OK, CliCommand, print_json, require_database
from bot.i18n.translator import SUPPORTED, translator
from bot.incidents import Incident, IncidentNotFoundError
from bot.incidents.postmortem import draft_postmortem
from bot.slack.incident_view import when

LIMIT = 500
POSTMORTEM = "postmortem"


def _incident_id(value: str) -> int:
    if not value.isascii() or not value.isdigit() or not 0 < int(value) < 2**63:
        raise argparse.ArgumentTypeError(f"not an incident id: {value!r}")
    return int(value)


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.usage = (
        "%(prog)s [--all] [--json] [--lang {en,ko}]\n"
        "       %(prog)s postmortem ID [--lang {en,ko}]"
    )
    parser.add_argument("--all", action="store_true", help="resolved ones too, newest first")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    actions = parser.add_subparsers(dest="incidents_action", metavar="ACTION")
    draft = actions.add_parser(
        POSTMORTEM,
        prog=f"{parser.prog} {POSTMORTEM}",  # not derived from the two-line usage above
        help="print the Markdown postmortem draft of one incident",
    )
    draft.add_argument("id", type=_incident_id, help="the incident's number (#ID)")
    draft.add_argument(  # also after the id (`... postmortem 42 --lang ko`)
        "--lang", choices=SUPPORTED, default=argparse.SUPPRESS, help="language of the draft"
    )


def _line(incident: Incident, tz: ZoneInfo, now: datetime) -> str:
    times = f"opened {when(incident.opened_at, tz, now)}, last {when(incident.last_seen, tz, now)}"
    return (
        f"#{incident.id:<5} {incident.state.value:<12} L{int(incident.level)}"
        f" {incident.severity.value:<8} ×{incident.count:<6} {incident.dedup_key}"
        f" — {incident.title} ({times})"
    )


async def _postmortem(runtime: Runtime, args: argparse.Namespace) -> int:
    t = translator(args.lang, runtime.settings.schedule.timezone)
    try:
        print(await draft_postmortem(runtime.incidents, args.id, t), end="")
    except IncidentNotFoundError:
        print(f"aisi-bot: no incident #{args.id}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


async def _incidents(runtime: Runtime, args: argparse.Namespace) -> int:
    await require_database(runtime)
    if getattr(args, "incidents_action", None) == POSTMORTEM:
        return await _postmortem(runtime, args)
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
    "list the open incidents (--all: every one); postmortem ID: an incident's draft",
    _arguments,
    _incidents,
    stores=lambda _: frozenset({"db"}),
    needs_schema=True,
)
