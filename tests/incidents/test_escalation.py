"""Automatic escalation with timers in PostgreSQL: order, repeats, fire-once across replicas."""

from __future__ import annotations

import asyncio

import psycopg

from bot.incidents import (
    EscalationPolicy,
    EscalationTarget,
    FiredTimer,
    IncidentService,
    Level,
    RecordingNotifier,
    State,
)
from bot.stores.db import Database
from tests.incidents.conftest import FakeClock, ServiceFactory, alert

P, B, L3 = EscalationTarget.PRIMARY, EscalationTarget.BACKUP, EscalationTarget.LEVEL3


async def run_schedule(
    service: IncidentService, clock: FakeClock, steps: int
) -> list[tuple[int, EscalationTarget]]:
    """Advance the clock one interval at a time and fire what is due."""
    fired: list[FiredTimer] = []
    for _ in range(steps):
        clock.advance(service.policy.after_s)
        fired += await service.fire_due_timers(replica="r1")
    return [(f.round, f.target) for f in fired if f.escalated]


async def test_unacknowledged_incident_goes_primary_backup_level3_then_nothing(
    service: IncidentService, clock: FakeClock, notifier: RecordingNotifier
) -> None:
    """max_repeats 0: primary, backup, Level 3 in that order, each after the wait; then nothing."""
    outcome = await service.raise_alert(alert("app_down"), actor="alert:uptime")
    assert outcome.incident is not None
    clock.advance(59)
    assert await service.fire_due_timers(replica="r1") == []
    assert await run_schedule(service, clock, 6) == [(0, P), (0, B), (0, L3)]
    pages = notifier.named("page_level2")
    assert [c.args["user_ids"] for c in pages] == [("UPRIMARY",), ("UBACKUP",)]
    assert len(notifier.named("level3_request")) == 1
    incident = await service.get(outcome.incident.id)
    assert incident.level is Level.L3 and incident.state is State.OPEN
    assert await service.next_timer_due() is None


async def test_max_repeats_one_runs_two_rounds(
    make_service: ServiceFactory, clock: FakeClock
) -> None:
    """max_repeats 1: the round starts again from the primary once."""
    policy = EscalationPolicy(primary=("UP",), backup=("UB",), after_s=30, max_repeats=1)
    service = make_service(policy=policy)
    await service.raise_alert(alert(), actor="system")
    assert await run_schedule(service, clock, 10) == [
        (0, P),
        (0, B),
        (0, L3),
        (1, P),
        (1, B),
        (1, L3),
    ]


async def test_empty_people_lists_still_reach_level3(
    make_service: ServiceFactory, clock: FakeClock, notifier: RecordingNotifier
) -> None:
    """No primary or backup configured: Level 3 after one wait, and nobody is paged."""
    service = make_service(policy=EscalationPolicy(after_s=60, max_repeats=0))
    await service.raise_alert(alert(), actor="system")
    assert await run_schedule(service, clock, 3) == [(0, L3)]
    assert notifier.named("page_level2") == []
    assert len(notifier.named("level3_request")) == 1


async def test_acknowledging_stops_automatic_escalation(
    service: IncidentService, clock: FakeClock
) -> None:
    """After an acknowledgement no timer fires."""
    outcome = await service.raise_alert(alert(), actor="system")
    assert outcome.incident is not None
    await run_schedule(service, clock, 1)
    await service.acknowledge(outcome.incident.id, actor="UPRIMARY")
    assert await run_schedule(service, clock, 5) == []
    assert (await service.get(outcome.incident.id)).level is Level.L2


async def test_button_escalation_is_immediate_and_the_schedule_continues(
    service: IncidentService, clock: FakeClock, notifier: RecordingNotifier
) -> None:
    """Escalate to Level 2 by hand pages the primary now; the backup follows after the wait."""
    outcome = await service.raise_alert(alert(), actor="system")
    assert outcome.incident is not None
    clock.advance(10)
    pressed = await service.escalate(outcome.incident.id, level=Level.L2, actor="UOP")
    assert pressed.applied
    assert [c.args["user_ids"] for c in notifier.named("page_level2")] == [("UPRIMARY",)]
    assert await run_schedule(service, clock, 4) == [(0, B), (0, L3)]


async def test_two_replicas_firing_together_fire_each_timer_once(
    make_service: ServiceFactory, clock: FakeClock, database_url: str
) -> None:
    """Two services on two pools fire 40 due timers concurrently: 40 firings in total."""
    other = Database(database_url, max_size=5)
    await other.open()
    try:
        first = make_service()
        second = make_service(database=other, notifier=RecordingNotifier())
        for n in range(40):
            await first.raise_alert(alert(f"key-{n}"), actor="system")
        clock.advance(60)
        results = await asyncio.gather(
            *(svc.fire_due_timers(replica=name) for name, svc in [("a", first), ("b", second)] * 3)
        )
    finally:
        await other.close()
    fired = [f for batch in results for f in batch]
    assert len(fired) == 40
    assert len({f.timer_id for f in fired}) == 40
    with psycopg.connect(database_url) as conn:
        counts = conn.execute(
            "SELECT count(*) FILTER (WHERE fired_at IS NOT NULL),"
            " count(*) FILTER (WHERE fired_at IS NULL AND cancelled_at IS NULL)"
            " FROM chatops.incident_timers"
        ).fetchone()
        escalations = conn.execute(
            "SELECT count(*) FROM chatops.incident_events WHERE kind = 'escalated'"
        ).fetchone()
    assert counts == (40, 40)  # each fired once, and each incident has its next step pending
    assert escalations == (40,)


async def test_a_new_replica_fires_timers_that_came_due_while_none_ran(
    make_service: ServiceFactory, clock: FakeClock, database_url: str
) -> None:
    """Timers live in PostgreSQL: a service started later finds due timers and fires each once."""
    await make_service().raise_alert(alert("a"), actor="system")
    await make_service().raise_alert(alert("b"), actor="system")
    clock.advance(3600)  # long after: only the one due step per incident fires, not a burst
    later_db = Database(database_url, max_size=2)
    await later_db.open()
    try:
        restarted = make_service(database=later_db, notifier=RecordingNotifier())
        fired = await restarted.fire_due_timers(replica="new")
        assert [f.target for f in fired] == [P, P]
        assert await restarted.fire_due_timers(replica="new") == []
    finally:
        await later_db.close()
