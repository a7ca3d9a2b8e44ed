"""`aisi-bot alert raise KEY --title T [...]` and `aisi-bot alert resolve KEY`.

The same entry point as ``POST /alerts`` and the bot's own checks: the alert is validated
field by field (a bad one is a usage error naming it), stored, printed, then shown. With
``SLACK_BOT_TOKEN`` set the CLI posts (or updates) the incident's message itself; without
it the state is stored and the serving bot posts what is missing on its next catch-up
(within a minute). PagerDuty is told when ``PAGERDUTY_ROUTING_KEY`` is set.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from bot.app.runtime import Runtime
from bot.cli.base import EXIT_OK, EXIT_USAGE, CliCommand, print_json, require_database
from bot.incidents import AlertValidationError, RaiseOutcome, validate_alert
from bot.incidents.model import Action

DB_ONLY = frozenset({"db"})
WORDS = {
    Action.CREATED: "opened",
    Action.UPDATED: "counted a repeat of",
    Action.RESOLVED: "resolved",
    Action.IGNORED: "nothing to do:",
}


def _arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="alert_action", required=True, metavar="ACTION")
    raising = actions.add_parser("raise", help="open an incident (or count a repeat) for KEY")
    raising.add_argument("key", metavar="KEY", help="the dedup key (1-200 characters)")
    raising.add_argument("--title", required=True, help="what is wrong (1-200 characters)")
    raising.add_argument("--severity", default="critical", choices=("critical", "warning", "info"))
    raising.add_argument("--source", default="", help="who reports it (default: cli:<you>)")
    raising.add_argument("--details", default=None, help="free text")
    raising.add_argument("--json", action="store_true", help="machine-readable output")
    resolving = actions.add_parser("resolve", help="resolve the open incident of KEY")
    resolving.add_argument("key", metavar="KEY")
    resolving.add_argument("--json", action="store_true", help="machine-readable output")


def _body(args: argparse.Namespace, user: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "dedup_key": args.key,
        "title": args.title if args.alert_action == "raise" else "resolved from the CLI",
        "severity": getattr(args, "severity", "info"),
        "source": getattr(args, "source", "") or f"cli:{user}",
        "status": "firing" if args.alert_action == "raise" else "resolved",
    }
    if getattr(args, "details", None) is not None:
        body["details"] = args.details
    return body


def _say(outcome: RaiseOutcome, key: str) -> str:
    incident = outcome.incident
    if incident is None:
        return f"nothing to do: no open incident has the key {key}"
    return (
        f"{WORDS[outcome.action]} incident #{incident.id} ({incident.state.value},"
        f" Level {int(incident.level)}, seen {incident.count}×): {incident.title}"
    )


async def _alert(runtime: Runtime, args: argparse.Namespace) -> int:
    user = getpass.getuser()
    try:
        alert = validate_alert(_body(args, user))
    except AlertValidationError as exc:
        print(f"aisi-bot alert: {exc.field}: {exc.error}", file=sys.stderr)
        return EXIT_USAGE
    await require_database(runtime)
    committed = await runtime.incidents.apply_alert(alert, actor=f"cli:{user}")
    if args.json:
        print_json(committed.outcome.as_json())
    else:
        print(_say(committed.outcome, args.key), flush=True)
    await committed.deliver()  # Slack and PagerDuty, after the answer is printed
    return EXIT_OK


ALERT = CliCommand(
    "alert",
    "raise or resolve an incident by its dedup key",
    _arguments,
    _alert,
    stores=lambda _: DB_ONLY,
    needs_schema=True,
)
