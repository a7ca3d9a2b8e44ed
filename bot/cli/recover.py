"""`aisi-bot recover [--steps cache,db,sync,deploy] [--dry-run] [--force-sync]
[--continue-on-failure] --yes [--json]`: the recovery /recover runs, for when Slack is down.

Without ``--yes`` it asks for "yes" on a terminal and refuses (exit 2, one line) anywhere
else — before any store is started. Progress goes to stderr, the summary (the same content
as Slack's) to stdout, ``--json`` prints the report. Exit 0 ok, 1 failed, partial or
refused, 2 usage.
"""

from __future__ import annotations

import argparse
import getpass
import sys
import uuid
from collections.abc import Callable
from typing import TextIO

from bot.app.runtime import Runtime
from bot.cli.base import EXIT_FAILED, EXIT_OK, EXIT_USAGE, CliCommand, print_json
from bot.recovery import (
    ALL_STEPS,
    Outcome,
    RecoveryOptions,
    RecoveryReport,
    StepName,
    StepsError,
    parse_steps,
)
from bot.slack.text import message_to_text

NO_TERMINAL = (
    "aisi-bot recover: refusing to run without --yes when input is not a terminal;"
    " nothing was done."
)
NOT_CONFIRMED = "aisi-bot recover: not confirmed; nothing was done."


def _steps(text: str) -> tuple[StepName, ...]:
    try:
        return parse_steps(text)
    except StepsError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--steps",
        type=_steps,
        default=ALL_STEPS,
        metavar="cache,db,sync,deploy",
        help="the steps to run, in their fixed order (default: all four)",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="say what each step would do; change nothing"
    )
    parser.add_argument(
        "--force-sync",
        action="store_true",
        help="let the sync deactivate more than the drop guard allows",
    )
    parser.add_argument(
        "--continue-on-failure", action="store_true", help="run the later steps after a failure"
    )
    parser.add_argument("--yes", action="store_true", help="start without asking")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")


def options_from(args: argparse.Namespace) -> RecoveryOptions:
    """The options the flags ask for."""
    return RecoveryOptions(
        steps=args.steps,
        dry_run=args.dry_run,
        continue_on_failure=args.continue_on_failure,
        force_sync=args.force_sync,
    )


def confirm(
    args: argparse.Namespace,
    *,
    stdin: TextIO | None = None,
    out: TextIO | None = None,
    is_terminal: Callable[[], bool] | None = None,
) -> int | None:
    """None to go on; else the exit code (no --yes and no terminal, or not confirmed)."""
    if args.yes:
        return None
    stdin, out = stdin or sys.stdin, out or sys.stderr
    if not (is_terminal or stdin.isatty)():
        print(NO_TERMINAL, file=out)
        return EXIT_USAGE
    options = options_from(args)
    what = "A DRY RUN (nothing is changed) of" if options.dry_run else "A RECOVERY of"
    print(f"{what} these steps, in this order:", file=out)
    for number, name in enumerate(options.steps, 1):
        print(f"  {number}. {name.label}", file=out)
    if options.continue_on_failure:
        print("  … continuing after a failed step", file=out)
    if options.force_sync:
        print("  … letting the sync past the drop guard", file=out)
    print("Type yes to start: ", end="", file=out, flush=True)
    answer = stdin.readline().strip().lower()
    if answer != "yes":
        print(NOT_CONFIRMED, file=out)
        return EXIT_USAGE
    return None


class ProgressLines:
    """Prints each state change and each new detail line of a running recovery (stderr)."""

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._seen: dict[StepName, tuple[str, int]] = {}

    async def __call__(self, report: RecoveryReport) -> None:
        """One snapshot of the run."""
        for number, item in enumerate(report.steps, 1):
            state, lines = self._seen.get(item.name, ("pending", 0))
            for line in item.detail[lines:]:
                print(f"      {line}", file=self._out)
            if item.state.value != state:
                took = f" ({item.duration_s:.1f} s)" if item.duration_s is not None else ""
                word = f"{item.state.value:<8}"
                print(f"  {word}{number}. {item.label}{took}", file=self._out, flush=True)
            self._seen[item.name] = (item.state.value, len(item.detail))


async def _recover(runtime: Runtime, args: argparse.Namespace) -> int:
    """Run the recovery, printing progress, then the summary or the JSON report."""
    report = await runtime.recovery.run(
        options_from(args),
        actor=f"cli:{getpass.getuser()}",
        idempotency_key=f"cli:{uuid.uuid4()}",
        progress=ProgressLines(sys.stderr),
        t=runtime.renderer.translator(args.lang),
    )
    if args.json:
        print_json(report.as_json())
    else:
        message = runtime.renderer.render("recover_summary", lang=args.lang, report=report)
        print(message_to_text(message.as_kwargs()))
    return EXIT_OK if report.outcome is Outcome.OK else EXIT_FAILED


RECOVER = CliCommand(
    "recover",
    "guided emergency recovery: cache, database, sync, redeploy (asks first; --yes)",
    _arguments,
    _recover,
    precheck=confirm,
    needs_schema=True,
)
