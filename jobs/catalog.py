"""The five scheduled jobs in one call: what the composition root uses."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.checks import CheckRunner, NamedCheck
from bot.i18n.translator import DEFAULT_LANGUAGE
from bot.incidents import IncidentService
from bot.reports import ReportBuilder
from bot.scheduling import Scheduler
from bot.slack.post import PostMessage
from bot.slack.render import Renderer
from bot.sync.service import SyncService
from jobs import daily_report, escalations, key_checks, source_checks, sync


@dataclass(frozen=True)
class JobServices:
    """Everything the five jobs need, built once by the wiring (satisfies each job's Protocol)."""

    reports: ReportBuilder
    renderer: Renderer
    post: PostMessage
    check_runner: CheckRunner
    source_checks: Sequence[NamedCheck]
    key_checks: Sequence[NamedCheck]
    sync: SyncService
    incidents: IncidentService
    language: str = DEFAULT_LANGUAGE  # slack.language: what the bot posts in the channel


def register_all(scheduler: Scheduler, services: JobServices) -> list[str]:
    """Register daily_report, source_checks, key_checks, sync, escalations; the enabled ids."""
    registered = {
        daily_report.JOB_ID: daily_report.register(scheduler, services),
        source_checks.JOB_ID: source_checks.register(scheduler, services),
        key_checks.JOB_ID: key_checks.register(scheduler, services),
        sync.JOB_ID: sync.register(scheduler, services),
        escalations.JOB_ID: escalations.register(scheduler, services),
    }
    return [job_id for job_id, enabled in registered.items() if enabled]
