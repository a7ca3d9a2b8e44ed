"""`aisi-bot report [--post] [--json]`: today's daily report, printed (as Slack shows it) or
as JSON, and with ``--post`` posted to ``slack.channel`` with the bot token.

The report is built as the scheduled job builds it (today's counts recorded first); a store
that does not answer makes the report say what it could not learn, never a guessed number.
"""

from __future__ import annotations

import argparse
import logging
import sys

import psycopg
from psycopg_pool import PoolTimeout

from bot.app.runtime import Runtime
from bot.cli.base import EXIT_FAILED, EXIT_OK, CliCommand, migrate_quietly, print_json
from bot.scheduling import JobStatus, job_statuses
from bot.slack.client import channel_poster
from bot.slack.post import PostError
from bot.slack.text import message_to_text
from jobs.daily_report import daily_report_message

log = logging.getLogger(__name__)


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--post", action="store_true", help="post it to the configured channel (slack.channel)"
    )
    parser.add_argument("--json", action="store_true", help="machine-readable output")


async def _schedule(runtime: Runtime) -> list[JobStatus] | None:
    try:
        return await job_statuses(runtime.db, config=runtime.settings.schedule)
    except (PoolTimeout, psycopg.Error, OSError) as exc:
        log.debug("report: schedule unknown (%s)", type(exc).__name__)
        return None


async def _report(runtime: Runtime, args: argparse.Namespace) -> int:
    settings = runtime.settings
    channel = settings.channel
    if args.post and settings.secret("SLACK_BOT_TOKEN") is None:
        print(
            f"aisi-bot report: SLACK_BOT_TOKEN is not set, so nothing can be posted to {channel}"
            " (run without --post to print the report)",
            file=sys.stderr,
        )
        return EXIT_FAILED
    await migrate_quietly(runtime)
    report, message = await daily_report_message(
        runtime.reports, runtime.renderer, schedule=await _schedule(runtime), lang=args.lang
    )
    if args.json:
        print_json(report.as_json())
    else:
        print(message_to_text(message.as_kwargs()))
    if not args.post:
        return EXIT_OK
    try:
        await channel_poster(runtime.slack, channel)(message)
    except PostError as exc:
        print(f"aisi-bot report: not posted: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print(f"aisi-bot report: posted to {channel}", file=sys.stderr)
    return EXIT_OK


REPORT = CliCommand(
    "report",
    "today's daily report, printed (--json) or posted to the channel (--post)",
    _arguments,
    _report,
    stores=lambda _: frozenset({"db"}),
)
