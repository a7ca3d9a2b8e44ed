"""`aisi-bot health [component]` and `aisi-bot keys`: one check, printed as Slack shows it."""

from __future__ import annotations

import argparse

from bot.app.runtime import Runtime
from bot.app.wiring import ALL_STORES
from bot.cli.base import EXIT_FAILED, EXIT_OK, CliCommand, migrate_quietly, print_json
from bot.health.check import GROUP_TITLES
from bot.health.probes.base import ProbeState
from bot.slack.text import message_to_text

# The stores each component needs; the others are neither started nor connected to.
HEALTH_STORES: dict[str | None, frozenset[str]] = {
    None: ALL_STORES,
    "keys": frozenset({"cache"}),  # the Artificial Analysis answer is cached (daily quota)
    "db": frozenset({"db"}),
    "cache": frozenset({"cache"}),
    "app": frozenset(),
    "vendors": frozenset({"cache"}),  # status pages are cached for a minute
    "ops": frozenset({"db"}),
}


async def print_report(
    runtime: Runtime, component: str | None, template: str, as_json: bool, lang: str = "en"
) -> int:
    """Run the check (or one component) and print it as Slack would show it, or as JSON."""
    report = await runtime.health.run(component)
    if as_json:
        print_json(report)
    else:
        message = runtime.renderer.render(template, lang=lang, report=report, interactive=False)
        print(message_to_text(message.as_kwargs()))
    return EXIT_OK if report.state is ProbeState.OK else EXIT_FAILED


def _health_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "component", nargs="?", choices=list(GROUP_TITLES), help="one component only"
    )
    parser.add_argument("--json", action="store_true", help="machine-readable output")


async def _health(runtime: Runtime, args: argparse.Namespace) -> int:
    if "db" in HEALTH_STORES.get(args.component, ALL_STORES):
        await migrate_quietly(runtime)
    return await print_report(runtime, args.component, "health_report", args.json, args.lang)


def _keys_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="machine-readable output")


async def _keys(runtime: Runtime, args: argparse.Namespace) -> int:
    return await print_report(runtime, "keys", "keys_report", args.json, args.lang)


HEALTH = CliCommand(
    "health",
    "check the whole system once",
    _health_arguments,
    _health,
    stores=lambda args: HEALTH_STORES.get(args.component, ALL_STORES),
)
KEYS = CliCommand(
    "keys",
    "check every provider key (masked)",
    _keys_arguments,
    _keys,
    stores=lambda _: HEALTH_STORES["keys"],
)
