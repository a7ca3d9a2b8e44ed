"""A failed recovery opens (or repeats) one critical incident through the incident layer."""

from __future__ import annotations

import json
import logging
import uuid
from typing import Protocol

from bot.incidents.alerts import AlertInput
from bot.incidents.model import RaiseOutcome, Severity
from bot.recovery.model import RecoveryReport
from bot.recovery.steps import describe_error

log = logging.getLogger(__name__)

INCIDENT_KEY = "recovery:failed"
SOURCE = "aisi-bot recovery"
_MAX_DETAILS_CHARS = 50_000  # the incident layer takes at most 60,000 bytes of details


class AlertRaiser(Protocol):
    """What a recovery needs of ``bot.incidents.IncidentService``."""

    async def raise_alert(self, alert: AlertInput, *, actor: str) -> RaiseOutcome:
        """Open (or repeat) the incident of an alert."""
        ...


def recovery_alert(report: RecoveryReport) -> AlertInput | None:
    """The alert for a failed run: critical, titled with the failed step; None if none failed."""
    failed = report.failed_step
    if failed is None:
        return None
    position = report.options.steps.index(failed.name) + 1
    why = failed.detail[-1] if failed.detail else "failed"
    title = " ".join(f"Recovery failed at step {position} ({failed.label}): {why}".split())
    details = report.as_json()
    if len(json.dumps(details, default=str)) > _MAX_DETAILS_CHARS:
        details = {"run_id": report.run_id, "failed_step": failed.name.value, "reason": why}
    return AlertInput(
        dedup_key=INCIDENT_KEY,
        title=title[:200],
        severity=Severity.CRITICAL,
        source=SOURCE,
        details=details,
    )


async def open_incident(raiser: AlertRaiser, report: RecoveryReport) -> None:
    """Raise the alert of a failed run; sets ``report.incident_id`` or adds a note why not."""
    alert = recovery_alert(report)
    if alert is None:
        return
    try:
        outcome = await raiser.raise_alert(alert, actor=report.actor)
    except Exception as exc:  # the incident layer's failure must not hide the report
        error_id = uuid.uuid4().hex[:8]
        log.exception("could not open the recovery incident (error id %s)", error_id)
        report.notes.append(f"could not open an incident: {describe_error(exc)} ({error_id})")
        return
    report.incident_id = outcome.incident.id if outcome.incident else None
