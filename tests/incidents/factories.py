"""Incident values for pure tests (no database)."""

from __future__ import annotations

from bot.incidents import Incident, Level, Severity, State
from tests.incidents.conftest import START


def incident_like(key: str, title: str, **over: object) -> Incident:
    """An open Level 1 incident as the store would return it."""
    values: dict[str, object] = {
        "id": 1,
        "dedup_key": key,
        "title": title,
        "severity": Severity.CRITICAL,
        "source": "health",
        "details": None,
        "state": State.OPEN,
        "level": Level.L1,
        "count": 1,
        "first_seen": START,
        "last_seen": START,
        "channel": None,
        "message_ts": None,
        "opened_at": START,
        "opened_by": "system",
        "acknowledged_at": None,
        "acknowledged_by": None,
        "resolved_at": None,
        "resolved_by": None,
        "resolution_note": None,
        "escalated_at": None,
        "escalated_by": None,
        "escalated_level": None,
        "escalation_round": 0,
        "escalation_step": None,
        "updated_at": START,
    }
    values.update(over)
    return Incident(**values)  # type: ignore[arg-type]
