"""Incidents in PostgreSQL: raise/dedupe, compare-and-set transitions, the timeline.

Each public method is one transaction. Transitions are ``UPDATE … WHERE id = %s AND state =
ANY(%s) RETURNING …``: of two concurrent presses (or replicas) exactly one gets a row back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg.types.json import Jsonb

from bot.incidents import machine
from bot.incidents.alerts import AlertInput
from bot.incidents.machine import EscalationStep
from bot.incidents.model import (
    EventKind,
    Incident,
    IncidentEvent,
    IncidentNotFoundError,
    Level,
    State,
)
from bot.incidents.rows import (
    Conn,
    append_event,
    cancel_timers,
    fetch_events,
    fetch_incident,
    fetch_incidents,
    q,
    schedule_timer,
)
from bot.stores.db import Database


@dataclass(frozen=True)
class Applied:
    """A committed transition: the incident after it and its timeline line (None: refused)."""

    incident: Incident
    event: IncidentEvent | None


class IncidentStore:
    """SQL for incidents through the bot's ``Database`` pool."""

    def __init__(self, db: Database, *, timeout_s: float = 10.0) -> None:
        self._db = db
        self._timeout_s = timeout_s

    def _conn(self) -> Any:
        return self._db.connection(self._timeout_s)

    async def raise_firing(
        self,
        alert: AlertInput,
        *,
        actor: str,
        now: datetime,
        first_step: EscalationStep | None,
        first_due: datetime | None,
    ) -> tuple[Incident, bool, IncidentEvent | None]:
        """Open an incident for the key, or count a repeat of its open one (one upsert).

        Returns the incident, whether it was created, and the ``opened`` line when created.
        A new incident gets its first escalation timer in the same transaction.
        """
        details = Jsonb(alert.details) if alert.details is not None else None
        async with self._conn() as conn, conn.transaction():
            cur = await conn.execute(
                "INSERT INTO chatops.incidents AS i (dedup_key, title, severity, source, details,"
                " first_seen, last_seen, opened_at, opened_by, updated_at)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
                " ON CONFLICT (dedup_key) WHERE state <> 'resolved' DO UPDATE SET"
                " count = i.count + 1, last_seen = GREATEST(i.last_seen, EXCLUDED.last_seen),"
                " title = EXCLUDED.title, severity = EXCLUDED.severity,"
                " details = COALESCE(EXCLUDED.details, i.details), updated_at = EXCLUDED.updated_at"
                " RETURNING id, (xmax = 0) AS created",
                (
                    alert.dedup_key,
                    alert.title,
                    alert.severity.value,
                    alert.source,
                    details,
                    now,
                    now,
                    now,
                    actor,
                    now,
                ),
            )
            row = await cur.fetchone()
            assert row is not None
            incident_id, created = int(row[0]), bool(row[1])
            event = None
            if created:
                event = await append_event(
                    conn,
                    incident_id=incident_id,
                    at=now,
                    actor=actor,
                    kind=EventKind.OPENED,
                    to_state=State.OPEN,
                    to_level=Level.L1,
                    detail={"severity": alert.severity.value, "source": alert.source},
                )
                if first_step is not None and first_due is not None:
                    await schedule_timer(conn, incident_id, first_step, due_at=first_due, now=now)
            incident = await self._get(conn, incident_id)
        return incident, created, event

    async def acknowledge(self, incident_id: int, *, actor: str, now: datetime) -> Applied:
        """Compare-and-set ``open`` → ``acknowledged``; stops automatic escalation."""
        async with self._conn() as conn, conn.transaction():
            incident = await fetch_incident(
                conn,
                q(
                    "UPDATE chatops.incidents SET state = 'acknowledged', acknowledged_at = %s,"
                    " acknowledged_by = %s, updated_at = %s"
                    " WHERE id = %s AND state = ANY(%s) RETURNING {incident}"
                ),
                (now, actor, now, incident_id, _states(machine.ACKNOWLEDGE_FROM)),
            )
            if incident is None:
                return Applied(await self._get(conn, incident_id), None)
            await cancel_timers(conn, incident_id, now=now, why="acknowledged")
            event = await append_event(
                conn,
                incident_id=incident_id,
                at=now,
                actor=actor,
                kind=EventKind.ACKNOWLEDGED,
                from_state=State.OPEN,
                to_state=State.ACKNOWLEDGED,
            )
        return Applied(incident, event)

    async def resolve(
        self,
        *,
        actor: str,
        now: datetime,
        note: str,
        incident_id: int | None = None,
        dedup_key: str | None = None,
    ) -> Applied | None:
        """Compare-and-set any open state → ``resolved``, by id or by the key's open incident.

        By id, a refused resolve returns the current incident with no event; by key, None
        means the key has no open incident.
        """
        async with self._conn() as conn, conn.transaction():
            if dedup_key is None:
                before = await fetch_incident(
                    conn,
                    q(
                        "SELECT {incident} FROM chatops.incidents"
                        " WHERE id = %s AND state = ANY(%s) FOR UPDATE"
                    ),
                    (incident_id, _states(machine.RESOLVE_FROM)),
                )
            else:
                before = await fetch_incident(
                    conn,
                    q(
                        "SELECT {incident} FROM chatops.incidents"
                        " WHERE dedup_key = %s AND state <> 'resolved' FOR UPDATE"
                    ),
                    (dedup_key,),
                )
            if before is None:
                if incident_id is None:
                    return None
                return Applied(await self._get(conn, incident_id), None)
            incident = await fetch_incident(
                conn,
                q(
                    "UPDATE chatops.incidents SET state = 'resolved', resolved_at = %s,"
                    " resolved_by = %s, resolution_note = %s, updated_at = %s"
                    " WHERE id = %s RETURNING {incident}"
                ),
                (now, actor, note or None, now, before.id),
            )
            assert incident is not None
            await cancel_timers(conn, before.id, now=now, why="resolved")
            event = await append_event(
                conn,
                incident_id=before.id,
                at=now,
                actor=actor,
                kind=EventKind.RESOLVED,
                from_state=before.state,
                to_state=State.RESOLVED,
                detail={"note": note} if note else {},
            )
        return Applied(incident, event)

    async def record_event(
        self,
        incident_id: int,
        *,
        kind: EventKind,
        actor: str,
        now: datetime,
        detail: dict[str, Any] | None = None,
        thread: bool = True,
    ) -> IncidentEvent:
        """Append a line that changes no state (a PagerDuty failure, a refused press)."""
        async with self._conn() as conn:
            return await append_event(
                conn,
                incident_id=incident_id,
                at=now,
                actor=actor,
                kind=kind,
                detail=detail,
                thread=thread,
            )

    async def set_message(self, incident_id: int, *, channel: str, ts: str) -> Incident | None:
        """Remember where the incident's Slack message is (once; None if already set)."""
        async with self._conn() as conn:
            return await fetch_incident(
                conn,
                q(
                    "UPDATE chatops.incidents SET channel = %s, message_ts = %s"
                    " WHERE id = %s AND message_ts IS NULL RETURNING {incident}"
                ),
                (channel, ts, incident_id),
            )

    async def get(self, incident_id: int) -> Incident:
        """One incident by id; raises ``IncidentNotFoundError``."""
        async with self._conn() as conn:
            return await self._get(conn, incident_id)

    async def open_by_key(self, dedup_key: str) -> Incident | None:
        """The open (or acknowledged) incident of a dedup key, if any."""
        async with self._conn() as conn:
            return await fetch_incident(
                conn,
                q(
                    "SELECT {incident} FROM chatops.incidents"
                    " WHERE dedup_key = %s AND state <> 'resolved'"
                ),
                (dedup_key,),
            )

    async def list_incidents(self, *, include_resolved: bool, limit: int) -> list[Incident]:
        """Open incidents (or all, newest first), most severe and oldest first when open."""
        if include_resolved:
            query = q("SELECT {incident} FROM chatops.incidents ORDER BY id DESC LIMIT %s")
        else:
            query = q(
                "SELECT {incident} FROM chatops.incidents WHERE state <> 'resolved' ORDER BY"
                " array_position(ARRAY['critical', 'warning', 'info'], severity), opened_at"
                " LIMIT %s"
            )
        async with self._conn() as conn:
            return await fetch_incidents(conn, query, (limit,))

    async def timeline(self, incident_id: int) -> list[IncidentEvent]:
        """An incident's timeline, oldest first."""
        async with self._conn() as conn:
            return await fetch_events(
                conn,
                q("SELECT {event} FROM chatops.incident_events WHERE incident_id = %s ORDER BY id"),
                (incident_id,),
            )

    async def _get(self, conn: Conn, incident_id: int) -> Incident:
        incident = await fetch_incident(
            conn, q("SELECT {incident} FROM chatops.incidents WHERE id = %s"), (incident_id,)
        )
        if incident is None:
            raise IncidentNotFoundError(incident_id)
        return incident


def _states(states: tuple[State, ...]) -> list[str]:
    return [s.value for s in states]
