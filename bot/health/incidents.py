"""The "Open incident" button of a degraded /health report: one incident per component.

The button carries the degraded components and their states (``db:down,vendors:degraded``,
from the report the person saw); pressing it raises one incident per component through the
one entry point, dedup key ``health:<component>`` (a second press counts a repeat).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.health.check import GROUP_TITLES
from bot.incidents import Action, AlertInput, AlertStatus, IncidentService, Severity

DEGRADED_STATES = ("degraded", "down")
SEVERITY_OF = {"down": Severity.CRITICAL, "degraded": Severity.WARNING}


@dataclass(frozen=True)
class HealthIncident:
    """What pressing did for one component: its incident and whether it was new."""

    component: str
    title: str
    incident_id: int | None
    action: Action


def parse_degraded(value: str) -> list[tuple[str, str]]:
    """``db:down,vendors:degraded`` → [("db", "down"), ...]; anything unknown is left out."""
    found = []
    for part in value.split(",")[: len(GROUP_TITLES)]:
        component, _, state = part.partition(":")
        if component in GROUP_TITLES and state in DEGRADED_STATES:
            found.append((component, state))
    return found


async def open_health_incidents(
    service: IncidentService, degraded: list[tuple[str, str]], *, actor: str
) -> list[HealthIncident]:
    """Raise (or repeat) the incident of each degraded component, in order."""
    opened = []
    for component, state in degraded:
        title = f"/health: {GROUP_TITLES[component]} {state}"
        alert = AlertInput(
            dedup_key=f"health:{component}",
            title=title,
            severity=SEVERITY_OF[state],
            source="/health",
            status=AlertStatus.FIRING,
            details={"component": component, "state": state, "opened_by": actor},
        )
        outcome = await service.raise_alert(alert, actor=actor)
        incident_id = outcome.incident.id if outcome.incident else None
        opened.append(HealthIncident(component, title, incident_id, outcome.action))
    return opened
