"""Job ``escalations``: fire due escalation timers and deliver thread lines that never
reached Slack (each timer fires once whichever replica runs it)."""

from __future__ import annotations

from typing import Protocol

from bot.incidents import IncidentService
from bot.scheduling import Firing, JobId, JobResult, Scheduler

JOB_ID = JobId.ESCALATIONS.value


class EscalationServices(Protocol):
    """What the escalations job needs."""

    @property
    def incidents(self) -> IncidentService: ...


async def run_escalations(incidents: IncidentService, firing: Firing) -> JobResult:
    """Fire what is due and catch up on the outbox."""
    fired = await incidents.fire_due_timers(replica=firing.replica)
    delivered = await incidents.deliver_pending()
    escalated = sum(1 for timer in fired if timer.escalated)
    return JobResult(
        True, f"{len(fired)} timer(s) fired ({escalated} escalated); {delivered} line(s) delivered"
    )


def register(scheduler: Scheduler, services: EscalationServices) -> bool:
    """Schedule the job on ``[schedule] escalations``; False when it is off."""

    async def run(firing: Firing) -> JobResult:
        return await run_escalations(services.incidents, firing)

    return scheduler.add_job(JOB_ID, run, trigger=scheduler.config.escalations, timeout_s=120)
