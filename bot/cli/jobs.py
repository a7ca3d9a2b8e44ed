"""`aisi-bot jobs [--json]`: each scheduled job, its trigger, next run, last run and outcome.

Works with no bot serving: next runs come from ``[schedule]``, last runs from
``chatops.job_runs`` (the same view as ``/health ops`` and the daily report).
"""

from __future__ import annotations

import argparse
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.app.runtime import Runtime
from bot.cli.base import EXIT_FAILED, EXIT_OK, CliCommand, print_json, require_database
from bot.health.probes.base import ProbeState
from bot.scheduling import JobStatus, job_statuses, scheduler_result


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def _when(at: datetime | None, zone: ZoneInfo) -> str:
    return at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S %Z") if at else "—"


def job_lines(statuses: list[JobStatus], timezone: str) -> list[str]:
    """One readable block per job (times in the schedule's time zone)."""
    zone = ZoneInfo(timezone)
    lines = [f"Scheduled jobs (times in {timezone}):"]
    for status in statuses:
        lines.append(f"  {status.job_id:<14} {status.trigger}")
        if not status.enabled:
            lines.append("      off: never runs")
        else:
            lines.append(f"      next run  {_when(status.next_run_at, zone)}")
        last = status.last_run
        if last is None:
            lines.append("      last run  never")
            continue
        detail = f" — {last.detail}" if last.detail else ""
        lines.append(
            f"      last run  {_when(last.scheduled_for, zone)}: {last.outcome.value}"
            f" on {last.replica}{detail}"
        )
    return lines


async def _jobs(runtime: Runtime, args: argparse.Namespace) -> int:
    await require_database(runtime)
    await runtime.db.migrate()  # job_runs exists from here on (a no-op when up to date)
    schedule = runtime.settings.schedule
    statuses = await job_statuses(runtime.db, config=schedule)
    if args.json:
        print_json(
            {"timezone": schedule.timezone, "jobs": [status.as_json() for status in statuses]}
        )
    else:
        print("\n".join(job_lines(statuses, schedule.timezone)))
    # Like /health: an enabled job whose last firing failed, errored, or was missed fails.
    return EXIT_OK if scheduler_result(statuses).state is ProbeState.OK else EXIT_FAILED


JOBS = CliCommand(
    "jobs",
    "each scheduled job: trigger, next run, last run and outcome",
    _arguments,
    _jobs,
    stores=lambda _: frozenset({"db"}),
    needs_schema=True,
)
