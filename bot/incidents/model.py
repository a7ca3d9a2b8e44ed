"""Incidents as plain data: states, levels, the incident row, its timeline and the results.

Nothing here does I/O. The same values feed Slack messages, the CLI and ``/alerts`` answers.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum, StrEnum
from typing import Any

from bot.errors import BotError
from bot.settings.escalation import EscalationTarget as EscalationTarget


class Severity(StrEnum):
    """How bad an alert is, as the sender says."""

    CRITICAL = "critical"
    WARNING = "warning"
    INFO = "info"


class State(StrEnum):
    """Where an incident is in its life. Only ``RESOLVED`` is final."""

    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class AlertStatus(StrEnum):
    """What an alert sender reports: the problem is happening, or it is over."""

    FIRING = "firing"
    RESOLVED = "resolved"


class Action(StrEnum):
    """What one alert did (the ``action`` of a ``POST /alerts`` answer)."""

    CREATED = "created"
    UPDATED = "updated"
    RESOLVED = "resolved"
    IGNORED = "ignored"


class Level(IntEnum):
    """1: automatic alerts; 2: the dev team (primary, then backup); 3: vendor support."""

    L1 = 1
    L2 = 2
    L3 = 3


STEP_TARGETS: tuple[EscalationTarget, ...] = tuple(EscalationTarget)


class EventKind(StrEnum):
    """The kinds of timeline entries."""

    OPENED = "opened"
    ACKNOWLEDGED = "acknowledged"
    ESCALATED = "escalated"  # detail: round, step, target, users, auto, last_automatic
    RESOLVED = "resolved"  # detail: note
    PAGERDUTY_FAILED = "pagerduty_failed"  # detail: event_action, reason
    DENIED = "denied"  # an unauthorised button press (audit only, not a thread line)
    # The "what changed" lines read when the incident opened, kept for its postmortem
    # (detail: lines, each at/source/text; not a thread line: they have their own message).
    WHAT_CHANGED = "what_changed"


class Refusal(StrEnum):
    """Why a requested transition did not apply (someone or something got there first)."""

    ALREADY_ACKNOWLEDGED = "already_acknowledged"
    ALREADY_RESOLVED = "already_resolved"
    ALREADY_AT_LEVEL = "already_at_level"


class IncidentNotFoundError(BotError):
    """No incident has this id."""

    def __init__(self, incident_id: int) -> None:
        self.incident_id = incident_id
        super().__init__(f"incident {incident_id} does not exist")


@dataclass(frozen=True)
class Incident:
    """One incident row of ``chatops.incidents``."""

    id: int
    dedup_key: str
    title: str
    severity: Severity
    source: str
    details: str | dict[str, Any] | None
    state: State
    level: Level
    count: int
    first_seen: datetime
    last_seen: datetime
    channel: str | None
    message_ts: str | None
    opened_at: datetime
    opened_by: str
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    resolved_at: datetime | None
    resolved_by: str | None
    resolution_note: str | None
    escalated_at: datetime | None
    escalated_by: str | None
    escalated_level: Level | None
    escalation_round: int
    escalation_step: int | None
    updated_at: datetime

    @property
    def is_open(self) -> bool:
        """True until the incident is resolved (acknowledged incidents are still open)."""
        return self.state is not State.RESOLVED

    @property
    def time_to_acknowledge_s(self) -> float | None:
        """Seconds from opening to acknowledgement, once acknowledged."""
        if self.acknowledged_at is None:
            return None
        return (self.acknowledged_at - self.opened_at).total_seconds()

    @property
    def time_to_resolve_s(self) -> float | None:
        """Seconds from opening to resolution, once resolved."""
        if self.resolved_at is None:
            return None
        return (self.resolved_at - self.opened_at).total_seconds()

    def as_json(self) -> dict[str, Any]:
        """JSON-able view (``aisi-bot incidents --json``): ids, state, level, count, times."""

        def iso(value: datetime | None) -> str | None:
            return value.isoformat() if value else None

        return {
            "id": self.id,
            "dedup_key": self.dedup_key,
            "title": self.title,
            "severity": self.severity.value,
            "source": self.source,
            "state": self.state.value,
            "level": int(self.level),
            "count": self.count,
            "first_seen": iso(self.first_seen),
            "last_seen": iso(self.last_seen),
            "opened_at": iso(self.opened_at),
            "acknowledged_at": iso(self.acknowledged_at),
            "acknowledged_by": self.acknowledged_by,
            "resolved_at": iso(self.resolved_at),
            "resolved_by": self.resolved_by,
            "resolution_note": self.resolution_note,
            "channel": self.channel,
            "message_ts": self.message_ts,
        }


@dataclass(frozen=True)
class IncidentEvent:
    """One line of an incident's append-only timeline (``chatops.incident_events``).

    ``actor`` is a Slack user id, ``"system"``, ``"alert:<source>"`` or ``"cli:<user>"``.
    ``thread`` says whether the line belongs in the Slack thread; ``posted_at`` is set once
    it got there (the outbox).
    """

    id: int
    incident_id: int
    at: datetime
    actor: str
    kind: EventKind
    from_state: State | None = None
    to_state: State | None = None
    from_level: Level | None = None
    to_level: Level | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    thread: bool = True
    posted_at: datetime | None = None


@dataclass(frozen=True)
class TransitionResult:
    """The outcome of a button-like transition (acknowledge, escalate, resolve).

    When ``applied`` is False, ``incident`` is the current row and ``refusal``, ``by`` and
    ``at`` say who got there first and when ("already acknowledged by @x at 09:41").
    The timings are set when this transition acknowledged or resolved the incident.
    """

    applied: bool
    incident: Incident
    event: IncidentEvent | None = None
    refusal: Refusal | None = None
    by: str | None = None
    at: datetime | None = None
    time_to_acknowledge_s: float | None = None
    time_to_resolve_s: float | None = None


@dataclass(frozen=True)
class RaiseOutcome:
    """What one alert did: the incident it touched (None when ignored) and the action."""

    action: Action
    incident: Incident | None
    event: IncidentEvent | None = None
    time_to_resolve_s: float | None = None

    def as_json(self) -> dict[str, Any]:
        """The ``POST /alerts`` 202 body: ``incident_id``, ``state``, ``action``."""
        return {
            "incident_id": self.incident.id if self.incident else None,
            "state": self.incident.state.value if self.incident else None,
            "action": self.action.value,
        }


@dataclass(frozen=True)
class Committed:
    """An alert applied in PostgreSQL; ``deliver()`` then shows it (Slack, PagerDuty) and
    returns the outcome as shown (the incident with its message, once posted)."""

    outcome: RaiseOutcome
    deliver: Callable[[], Awaitable[RaiseOutcome]]


@dataclass(frozen=True)
class CheckOutcome:
    """What one result of the bot's own check did: the failure streak and any incident change."""

    dedup_key: str
    ok: bool
    consecutive_failures: int
    outcome: RaiseOutcome | None = None


@dataclass(frozen=True)
class FiredTimer:
    """One escalation timer this replica fired (each fires once across replicas)."""

    timer_id: int
    incident_id: int
    round: int
    step: int
    target: EscalationTarget
    replica: str
    escalated: bool  # False when the incident no longer needed it (acknowledged, resolved)
    users: tuple[str, ...] = ()
    next_due_at: datetime | None = None


@dataclass(frozen=True)
class IncidentStats:
    """Counts and medians over a window, for the daily report."""

    opened: int
    acknowledged: int
    resolved: int
    median_time_to_acknowledge_s: float | None
    median_time_to_resolve_s: float | None
    open_by_severity: dict[Severity, int]
