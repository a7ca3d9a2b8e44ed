"""Button transitions on real PostgreSQL: compare-and-set, who got there first, metrics."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import psycopg
import pytest

from bot.incidents import (
    EventKind,
    IncidentNotFoundError,
    IncidentService,
    Level,
    RecordingNotifier,
    Refusal,
    Severity,
    State,
)
from bot.incidents.notify import IncidentMetrics
from tests.incidents.conftest import START, FakeClock, ServiceFactory, alert

pytestmark = pytest.mark.stores  # depends on where PostgreSQL and Redis come from


class Observed(IncidentMetrics):
    """Records what would go to the Prometheus histograms."""

    def __init__(self) -> None:
        self.tta: list[tuple[Severity, float]] = []
        self.ttr: list[tuple[Severity, float]] = []

    def observe_time_to_acknowledge(self, severity: Severity, seconds: float) -> None:
        self.tta.append((severity, seconds))

    def observe_time_to_resolve(self, severity: Severity, seconds: float) -> None:
        self.ttr.append((severity, seconds))


async def opened(service: IncidentService, key: str = "db_down") -> int:
    outcome = await service.raise_alert(alert(key), actor="alert:gha")
    assert outcome.incident is not None
    return outcome.incident.id


async def test_double_ack_from_two_concurrent_presses_applies_once(
    service: IncidentService, notifier: RecordingNotifier
) -> None:
    """Two presses at once: one acknowledges; the other is told by whom and when."""
    incident_id = await opened(service)
    first, second = await asyncio.gather(
        service.acknowledge(incident_id, actor="U1"), service.acknowledge(incident_id, actor="U2")
    )
    winner, loser = (first, second) if first.applied else (second, first)
    assert winner.applied and not loser.applied
    assert loser.refusal is Refusal.ALREADY_ACKNOWLEDGED
    assert loser.by == winner.incident.acknowledged_by
    assert loser.at == winner.incident.acknowledged_at == START
    kinds = [e.kind for e in await service.timeline(incident_id)]
    assert kinds.count(EventKind.ACKNOWLEDGED) == 1
    assert len(notifier.named("thread_line")) == 1


async def test_double_ack_from_two_replicas_applies_once(
    make_service: ServiceFactory, database_url: str
) -> None:
    """Two services on two pools (two replicas) pressing at once give one transition."""
    from bot.stores.db import Database

    other_db = Database(database_url, max_size=4)
    await other_db.open()
    try:
        a, b = make_service(), make_service(database=other_db)
        incident_id = await opened(a)
        results = await asyncio.gather(
            *(svc.acknowledge(incident_id, actor=f"U{n}") for n in range(10) for svc in (a, b))
        )
    finally:
        await other_db.close()
    assert sum(r.applied for r in results) == 1


async def test_resolve_from_acknowledged_then_every_press_is_refused(
    service: IncidentService, clock: FakeClock
) -> None:
    """Resolved is final: ack, escalate and resolve again are refused with who and when."""
    incident_id = await opened(service)
    await service.acknowledge(incident_id, actor="U1")
    clock.advance(120)
    resolved = await service.resolve(incident_id, actor="U2", note="restarted the pool")
    assert resolved.applied and resolved.incident.state is State.RESOLVED
    assert resolved.time_to_resolve_s == 120
    for refused in (
        await service.resolve(incident_id, actor="U3"),
        await service.acknowledge(incident_id, actor="U3"),
        await service.escalate(incident_id, level=Level.L3, actor="U3"),
    ):
        assert not refused.applied
        assert refused.refusal is Refusal.ALREADY_RESOLVED
        assert (refused.by, refused.at) == ("U2", START + timedelta(seconds=120))


async def test_escalation_only_goes_up_and_works_after_acknowledge(
    service: IncidentService, notifier: RecordingNotifier
) -> None:
    """Acknowledged incidents may still be escalated; the same level twice is refused."""
    incident_id = await opened(service)
    await service.acknowledge(incident_id, actor="U1")
    up = await service.escalate(incident_id, level=Level.L2, actor="U1")
    assert up.applied and up.incident.level is Level.L2
    assert up.incident.state is State.ACKNOWLEDGED
    again = await service.escalate(incident_id, level=Level.L2, actor="U9")
    assert not again.applied and again.refusal is Refusal.ALREADY_AT_LEVEL
    assert again.by == "U1"
    pages = notifier.named("page_level2")
    assert len(pages) == 1 and pages[0].args["user_ids"] == ("UPRIMARY",)
    top = await service.escalate(incident_id, level=Level.L3, actor="U1")
    assert top.applied and top.incident.level is Level.L3
    assert len(notifier.named("level3_request")) == 1


async def test_unknown_incident_raises_not_found(service: IncidentService) -> None:
    """A press for an id that does not exist is a clear error."""
    with pytest.raises(IncidentNotFoundError):
        await service.acknowledge(999_999, actor="U1")
    with pytest.raises(IncidentNotFoundError):
        await service.escalate(999_999, level=Level.L2, actor="U1")


async def test_timings_are_returned_and_observed(
    make_service: ServiceFactory, clock: FakeClock
) -> None:
    """Time to acknowledge and to resolve come back in the results and reach the metrics."""
    metrics = Observed()
    service = make_service(metrics=metrics)
    incident_id = await opened(service)
    clock.advance(90)
    acked = await service.acknowledge(incident_id, actor="U1")
    clock.advance(210)
    resolved = await service.resolve(incident_id, actor="U1")
    assert acked.time_to_acknowledge_s == 90
    assert resolved.time_to_resolve_s == 300
    assert metrics.tta == [(Severity.CRITICAL, 90.0)]
    assert metrics.ttr == [(Severity.CRITICAL, 300.0)]


async def test_stats_for_the_daily_report_use_sql_medians(
    service: IncidentService, clock: FakeClock
) -> None:
    """Counts opened/acknowledged/resolved in a window and median TTA/TTR; open by severity."""
    ids = [await opened(service, f"k{n}") for n in range(3)]
    for n, incident_id in enumerate(ids):
        clock.advance(60)
        await service.acknowledge(incident_id, actor="U1")  # TTA 60, 120, 180
        if n < 2:
            await service.resolve(incident_id, actor="U1")  # TTR 60, 120
    await service.raise_alert(alert("w", severity="warning"), actor="system")
    stats = await service.stats(start=START, end=clock.now + timedelta(seconds=1))
    assert (stats.opened, stats.acknowledged, stats.resolved) == (4, 3, 2)
    assert stats.median_time_to_acknowledge_s == 120
    assert stats.median_time_to_resolve_s == 90
    assert stats.open_by_severity == {
        Severity.CRITICAL: 1,
        Severity.WARNING: 1,
        Severity.INFO: 0,
    }
    empty = await service.stats(start=START - timedelta(days=2), end=START - timedelta(days=1))
    assert (empty.opened, empty.median_time_to_resolve_s) == (0, None)


async def test_timeline_is_append_only(service: IncidentService, database_url: str) -> None:
    """The database refuses to change or delete a timeline line (only posted_at may be set)."""
    await opened(service)
    with psycopg.connect(database_url, autocommit=True) as conn:
        with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
            conn.execute("UPDATE chatops.incident_events SET actor = 'someone else'")
        with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
            conn.execute("DELETE FROM chatops.incident_events")
        conn.execute("UPDATE chatops.incident_events SET posted_at = now()")
