"""Escalation in PostgreSQL: button presses, and timers that fire once and survive restarts.

A replica claims one due timer and its incident with ``FOR UPDATE … SKIP LOCKED`` and, in
the same transaction, performs the step, marks the timer fired and schedules the next
one. A replica killed mid-way leaves its transaction uncommitted, so the timer is still
due for the next replica; a committed firing is never seen again. Lock order is always
incident, then timer; the timer claim never waits (SKIP LOCKED), so nothing deadlocks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.incidents import machine
from bot.incidents.machine import EscalationStep
from bot.incidents.model import (
    EventKind,
    FiredTimer,
    Incident,
    IncidentEvent,
    IncidentNotFoundError,
    Level,
)
from bot.incidents.policy import EscalationPolicy
from bot.incidents.rows import Conn, append_event, cancel_timers, fetch_incident, q, schedule_timer
from bot.stores.db import Database


@dataclass(frozen=True)
class Escalated:
    """An escalation step taken: the incident after it and its timeline line.

    ``event`` is None when nothing was done (a refused press, or a timer whose incident
    no longer needed it).
    """

    incident: Incident
    event: IncidentEvent | None
    fired: FiredTimer | None = None


class EscalationStore:
    """Compare-and-set escalation and the escalation timers."""

    def __init__(self, db: Database, *, timeout_s: float = 10.0) -> None:
        self._db = db
        self._timeout_s = timeout_s

    async def escalate(
        self, incident_id: int, *, level: Level, actor: str, now: datetime, policy: EscalationPolicy
    ) -> Escalated:
        """Raise the level at once (a button press); the automatic schedule continues after it."""
        async with self._db.connection(self._timeout_s) as conn, conn.transaction():
            before = await fetch_incident(
                conn,
                q("SELECT {incident} FROM chatops.incidents WHERE id = %s FOR UPDATE"),
                (incident_id,),
            )
            if before is None:
                raise IncidentNotFoundError(incident_id)
            if machine.refusal_to_escalate(before, level) is not None:
                return Escalated(before, None)
            step = machine.manual_step(policy, level, before.escalation_round)
            incident = await fetch_incident(
                conn,
                q(
                    "UPDATE chatops.incidents SET level = %s, escalated_at = %s,"
                    " escalated_by = %s, escalated_level = %s, escalation_step = %s,"
                    " updated_at = %s WHERE id = %s AND state = ANY(%s) AND level < %s"
                    " RETURNING {incident}"
                ),
                (
                    int(level),
                    now,
                    actor,
                    int(level),
                    step.step,
                    now,
                    incident_id,
                    [s.value for s in machine.ESCALATE_FROM],
                    int(level),
                ),
            )
            assert incident is not None
            await cancel_timers(conn, incident_id, now=now, why="escalated by hand")
            if incident.state in machine.AUTO_ESCALATE_FROM:
                await _schedule_next(conn, incident_id, step, policy=policy, now=now)
            event = await _escalated_event(
                conn,
                before,
                incident,
                step,
                actor=actor,
                now=now,
                policy=policy,
                auto=False,
                last=False,
            )
        return Escalated(incident, event)

    async def fire_next_due(
        self, *, now: datetime, replica: str, policy: EscalationPolicy
    ) -> Escalated | None:
        """Fire the oldest due timer nobody else holds; None when none is due (or all are held)."""
        async with self._db.connection(self._timeout_s) as conn, conn.transaction():
            cur = await conn.execute(
                "SELECT t.id, t.incident_id, t.round, t.step"
                " FROM chatops.incident_timers t JOIN chatops.incidents i ON i.id = t.incident_id"
                " WHERE t.fired_at IS NULL AND t.cancelled_at IS NULL AND t.due_at <= %s"
                " ORDER BY t.due_at, t.id LIMIT 1 FOR UPDATE OF t, i SKIP LOCKED",
                (now,),
            )
            row = await cur.fetchone()
            if row is None:
                return None
            timer_id, incident_id = int(row[0]), int(row[1])
            step = EscalationStep(int(row[2]), int(row[3]))
            before = await fetch_incident(
                conn, q("SELECT {incident} FROM chatops.incidents WHERE id = %s"), (incident_id,)
            )
            assert before is not None
            fired = FiredTimer(
                timer_id, incident_id, step.round, step.step, step.target, replica, False
            )
            if before.state not in machine.AUTO_ESCALATE_FROM:
                await _mark_fired(conn, timer_id, now=now, replica=replica, outcome=before.state)
                return Escalated(before, None, fired)
            incident = await fetch_incident(
                conn,
                q(
                    "UPDATE chatops.incidents SET level = GREATEST(level, %s), escalated_at = %s,"
                    " escalated_by = 'system', escalated_level = %s, escalation_round = %s,"
                    " escalation_step = %s, updated_at = %s WHERE id = %s RETURNING {incident}"
                ),
                (int(step.level), now, int(step.level), step.round, step.step, now, incident_id),
            )
            assert incident is not None
            following = machine.next_step(policy, step)
            event = await _escalated_event(
                conn,
                before,
                incident,
                step,
                actor="system",
                now=now,
                policy=policy,
                auto=True,
                last=following is None,
            )
            await _mark_fired(conn, timer_id, now=now, replica=replica, outcome="escalated")
            next_due = await _schedule_next(conn, incident_id, step, policy=policy, now=now)
        users = policy.users_for(step.target)
        fired = FiredTimer(
            timer_id,
            incident_id,
            step.round,
            step.step,
            step.target,
            replica,
            True,
            users=users,
            next_due_at=next_due,
        )
        return Escalated(incident, event, fired)

    async def next_due_at(self) -> datetime | None:
        """When the earliest pending timer is due (for a scheduler to sleep until then)."""
        async with self._db.connection(self._timeout_s) as conn:
            cur = await conn.execute(
                "SELECT min(due_at) FROM chatops.incident_timers"
                " WHERE fired_at IS NULL AND cancelled_at IS NULL"
            )
            row = await cur.fetchone()
        return row[0] if row else None

    async def pending(self, incident_id: int) -> list[tuple[datetime, int, int]]:
        """An incident's pending timers as (due_at, round, step)."""
        async with self._db.connection(self._timeout_s) as conn:
            cur = await conn.execute(
                "SELECT due_at, round, step FROM chatops.incident_timers WHERE incident_id = %s"
                " AND fired_at IS NULL AND cancelled_at IS NULL ORDER BY due_at",
                (incident_id,),
            )
            rows = await cur.fetchall()
        return [(r[0], int(r[1]), int(r[2])) for r in rows]


async def _escalated_event(
    conn: Conn,
    before: Incident,
    after: Incident,
    step: EscalationStep,
    *,
    actor: str,
    now: datetime,
    policy: EscalationPolicy,
    auto: bool,
    last: bool,
) -> IncidentEvent:
    detail: dict[str, Any] = {
        "round": step.round,
        "step": step.step,
        "target": step.target.value,
        "users": list(policy.users_for(step.target)),
        "auto": auto,
    }
    if auto:
        detail["last_automatic"] = last
    return await append_event(
        conn,
        incident_id=after.id,
        at=now,
        actor=actor,
        kind=EventKind.ESCALATED,
        from_level=before.level,
        to_level=after.level,
        detail=detail,
    )


async def _schedule_next(
    conn: Conn, incident_id: int, done: EscalationStep, *, policy: EscalationPolicy, now: datetime
) -> datetime | None:
    """Schedule the step after ``done`` one wait from now; None when the schedule is over."""
    following = machine.next_step(policy, done)
    if following is None:
        return None
    due = now + timedelta(seconds=policy.after_s)
    await schedule_timer(conn, incident_id, following, due_at=due, now=now)
    return due


async def _mark_fired(
    conn: Conn, timer_id: int, *, now: datetime, replica: str, outcome: str
) -> None:
    await conn.execute(
        "UPDATE chatops.incident_timers SET fired_at = %s, fired_by = %s, outcome = %s"
        " WHERE id = %s AND fired_at IS NULL",
        (now, replica, outcome, timer_id),
    )
