"""Rows of the incident tables to and from plain data (shared by the store modules)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, LiteralString

import psycopg
from psycopg import sql
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from bot.incidents.machine import EscalationStep
from bot.incidents.model import EventKind, Incident, IncidentEvent, Level, Severity, State

Conn = psycopg.AsyncConnection[Any]
Query = str | sql.Composed

INCIDENT_COLUMNS = (
    "id, dedup_key, title, severity, source, details, state, level, count, first_seen,"
    " last_seen, channel, message_ts, opened_at, opened_by, acknowledged_at, acknowledged_by,"
    " resolved_at, resolved_by, resolution_note, escalated_at, escalated_by, escalated_level,"
    " escalation_round, escalation_step, updated_at"
)
EVENT_COLUMNS = (
    "id, incident_id, at, actor, kind, from_state, to_state, from_level, to_level, detail,"
    " thread, posted_at"
)

_PARTS = {"incident": sql.SQL(INCIDENT_COLUMNS), "event": sql.SQL(EVENT_COLUMNS)}


def q(template: LiteralString) -> sql.Composed:
    """A query whose ``{incident}`` / ``{event}`` stand for the constant column lists."""
    return sql.SQL(template).format(**_PARTS)


def incident_from_row(row: dict[str, Any]) -> Incident:
    """An ``Incident`` from a ``dict_row`` of ``INCIDENT_COLUMNS``."""
    escalated_level = row["escalated_level"]
    return Incident(
        id=int(row["id"]),
        dedup_key=row["dedup_key"],
        title=row["title"],
        severity=Severity(row["severity"]),
        source=row["source"],
        details=row["details"],
        state=State(row["state"]),
        level=Level(row["level"]),
        count=int(row["count"]),
        first_seen=row["first_seen"],
        last_seen=row["last_seen"],
        channel=row["channel"],
        message_ts=row["message_ts"],
        opened_at=row["opened_at"],
        opened_by=row["opened_by"],
        acknowledged_at=row["acknowledged_at"],
        acknowledged_by=row["acknowledged_by"],
        resolved_at=row["resolved_at"],
        resolved_by=row["resolved_by"],
        resolution_note=row["resolution_note"],
        escalated_at=row["escalated_at"],
        escalated_by=row["escalated_by"],
        escalated_level=Level(escalated_level) if escalated_level is not None else None,
        escalation_round=int(row["escalation_round"]),
        escalation_step=row["escalation_step"],
        updated_at=row["updated_at"],
    )


def event_from_row(row: dict[str, Any]) -> IncidentEvent:
    """An ``IncidentEvent`` from a ``dict_row`` of ``EVENT_COLUMNS``."""

    def state(value: str | None) -> State | None:
        return State(value) if value is not None else None

    def level(value: int | None) -> Level | None:
        return Level(value) if value is not None else None

    return IncidentEvent(
        id=int(row["id"]),
        incident_id=int(row["incident_id"]),
        at=row["at"],
        actor=row["actor"],
        kind=EventKind(row["kind"]),
        from_state=state(row["from_state"]),
        to_state=state(row["to_state"]),
        from_level=level(row["from_level"]),
        to_level=level(row["to_level"]),
        detail=dict(row["detail"] or {}),
        thread=bool(row["thread"]),
        posted_at=row["posted_at"],
    )


async def fetch_incident(conn: Conn, query: Query, params: tuple[Any, ...]) -> Incident | None:
    """Run a query returning ``INCIDENT_COLUMNS`` and convert its first row."""
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(query, params)
        row = await cur.fetchone()
    return incident_from_row(row) if row else None


async def fetch_incidents(conn: Conn, query: Query, params: tuple[Any, ...]) -> list[Incident]:
    """Run a query returning ``INCIDENT_COLUMNS`` and convert every row."""
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(query, params)
        rows = await cur.fetchall()
    return [incident_from_row(row) for row in rows]


async def fetch_events(conn: Conn, query: Query, params: tuple[Any, ...]) -> list[IncidentEvent]:
    """Run a query returning ``EVENT_COLUMNS`` and convert every row."""
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(query, params)
        rows = await cur.fetchall()
    return [event_from_row(row) for row in rows]


async def append_event(
    conn: Conn,
    *,
    incident_id: int,
    at: datetime,
    actor: str,
    kind: EventKind,
    from_state: State | None = None,
    to_state: State | None = None,
    from_level: Level | None = None,
    to_level: Level | None = None,
    detail: dict[str, Any] | None = None,
    thread: bool = True,
) -> IncidentEvent:
    """Append one line to an incident's timeline (inside the caller's transaction)."""
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(
            q(
                "INSERT INTO chatops.incident_events (incident_id, at, actor, kind, from_state,"
                " to_state, from_level, to_level, detail, thread)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING {event}"
            ),
            (
                incident_id,
                at,
                actor,
                kind.value,
                from_state.value if from_state else None,
                to_state.value if to_state else None,
                int(from_level) if from_level else None,
                int(to_level) if to_level else None,
                Jsonb(detail or {}),
                thread,
            ),
        )
        row = await cur.fetchone()
    assert row is not None
    return event_from_row(row)


async def cancel_timers(conn: Conn, incident_id: int, *, now: datetime, why: str) -> int:
    """Cancel an incident's pending timers (acknowledged, resolved, or rescheduled)."""
    cur = await conn.execute(
        "UPDATE chatops.incident_timers SET cancelled_at = %s, outcome = %s"
        " WHERE incident_id = %s AND fired_at IS NULL AND cancelled_at IS NULL",
        (now, why, incident_id),
    )
    return cur.rowcount


async def schedule_timer(
    conn: Conn, incident_id: int, step: EscalationStep, *, due_at: datetime, now: datetime
) -> None:
    """Schedule an incident's next escalation step (at most one pending per incident)."""
    await conn.execute(
        "INSERT INTO chatops.incident_timers (incident_id, kind, due_at, round, step, created_at)"
        " VALUES (%s, 'escalate', %s, %s, %s, %s)",
        (incident_id, due_at, step.round, step.step, now),
    )
