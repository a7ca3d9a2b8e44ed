"""Job ``source_checks``: every source, the app and the model counts; incidents raised and
cleared by each check's dedup key."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from bot.checks import CheckRunner, NamedCheck
from bot.scheduling import Firing, JobId, JobResult, Scheduler

JOB_ID = JobId.SOURCE_CHECKS.value


class SourceCheckServices(Protocol):
    """What the source checks job needs (``bot.checks.build_source_checks`` makes the list)."""

    @property
    def check_runner(self) -> CheckRunner: ...

    @property
    def source_checks(self) -> Sequence[NamedCheck]: ...


async def run_checks(runner: CheckRunner, checks: Sequence[NamedCheck]) -> JobResult:
    """One round; the firing fails only when outcomes could not be recorded."""
    done = await runner.run(checks)
    return JobResult(not done.errors, done.summary())


def register(scheduler: Scheduler, services: SourceCheckServices) -> bool:
    """Schedule the job on ``[schedule] source_checks``; False when it is off."""

    async def run(_: Firing) -> JobResult:
        return await run_checks(services.check_runner, services.source_checks)

    return scheduler.add_job(JOB_ID, run, trigger=scheduler.config.source_checks, timeout_s=300)
