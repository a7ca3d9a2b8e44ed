"""Incidents: alerts in, deduplicated by key, escalated Level 1 → 2 → 3, each transition once.

The public API (Slack-free): ``IncidentService`` is the one entry point; ``validate_alert``
checks an alert body; ``EscalationPolicy`` holds ``[escalation]``; ``IncidentNotifier`` is
what the Slack side implements. See each module's docstring.
"""

from bot.incidents.alerts import (
    OWNED_PREFIXES,
    AlertInput,
    AlertValidationError,
    owned_prefix,
    validate_alert,
)
from bot.incidents.model import (
    Action,
    AlertStatus,
    CheckOutcome,
    EscalationTarget,
    EventKind,
    FiredTimer,
    Incident,
    IncidentEvent,
    IncidentNotFoundError,
    IncidentStats,
    Level,
    RaiseOutcome,
    Refusal,
    Severity,
    State,
    TransitionResult,
)
from bot.incidents.notify import (
    IncidentMetrics,
    IncidentNotifier,
    IncidentPager,
    MessageRef,
    NotifyError,
    PagerError,
    RecordingNotifier,
)
from bot.incidents.policy import EscalationPolicy, may_press_incident_button
from bot.incidents.service import IncidentService

__all__ = [
    "OWNED_PREFIXES",
    "Action",
    "AlertInput",
    "AlertStatus",
    "AlertValidationError",
    "CheckOutcome",
    "EscalationPolicy",
    "EscalationTarget",
    "EventKind",
    "FiredTimer",
    "Incident",
    "IncidentEvent",
    "IncidentMetrics",
    "IncidentNotFoundError",
    "IncidentNotifier",
    "IncidentPager",
    "IncidentService",
    "IncidentStats",
    "Level",
    "MessageRef",
    "NotifyError",
    "PagerError",
    "RaiseOutcome",
    "RecordingNotifier",
    "Refusal",
    "Severity",
    "State",
    "TransitionResult",
    "may_press_incident_button",
    "owned_prefix",
    "validate_alert",
]
