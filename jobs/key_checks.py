"""Job ``key_checks`` (hourly by default): each provider key, raising and clearing
``key:<provider>`` incidents."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from bot.checks import CheckRunner, NamedCheck
from bot.scheduling import Firing, JobId, JobResult, Scheduler
from jobs.source_checks import run_checks

JOB_ID = JobId.KEY_CHECKS.value


class KeyCheckServices(Protocol):
    """What the key checks job needs (``bot.checks.key_checks`` makes the list)."""

    @property
    def check_runner(self) -> CheckRunner: ...

    @property
    def key_checks(self) -> Sequence[NamedCheck]: ...


def register(scheduler: Scheduler, services: KeyCheckServices) -> bool:
    """Schedule the job on ``[schedule] key_checks``; False when it is off."""

    async def run(_: Firing) -> JobResult:
        return await run_checks(services.check_runner, services.key_checks)

    return scheduler.add_job(JOB_ID, run, trigger=scheduler.config.key_checks, timeout_s=300)
