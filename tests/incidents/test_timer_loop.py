"""The escalation timer loop with real time, and the incident metrics in /metrics format."""

from __future__ import annotations

import asyncio

from prometheus_client import CollectorRegistry, generate_latest

from bot.incidents import EscalationPolicy, EscalationTarget, RecordingNotifier, Severity
from bot.incidents.prometheus import IncidentPrometheus
from bot.incidents.runner import EscalationTimerLoop
from bot.incidents.service import utc_now
from bot.stores.db import Database
from tests.incidents.conftest import ServiceFactory, alert


async def test_real_timers_escalate_primary_backup_level3_then_stop(
    make_service: ServiceFactory, notifier: RecordingNotifier, database_url: str
) -> None:
    """after 0.3 s, one round, two loops (replicas) running: each step once, in order."""
    policy = EscalationPolicy(primary=("UP",), backup=("UB",), after_s=0.3, max_repeats=0)
    service = make_service(policy=policy, clock=utc_now)
    other_db = Database(database_url, max_size=2)
    await other_db.open()
    other = make_service(policy=policy, clock=utc_now, database=other_db)
    loops = [
        EscalationTimerLoop(service, replica="a", poll_s=0.05),
        EscalationTimerLoop(other, replica="b", poll_s=0.05),
    ]
    tasks = [asyncio.create_task(loop.run()) for loop in loops]
    try:
        await service.raise_alert(alert("app_down"), actor="alert:uptime")
        await notifier.wait_for(lambda calls: any(c.method == "level3_request" for c in calls), 10)
        assert await service.next_timer_due() is None
    finally:
        for loop in loops:
            loop.stop()
        await asyncio.gather(*tasks)
        await other_db.close()
    steps = [
        c.args["step"].target if c.method == "page_level2" else EscalationTarget.LEVEL3
        for c in notifier.calls
        if c.method in ("page_level2", "level3_request")
    ]
    assert steps == [EscalationTarget.PRIMARY, EscalationTarget.BACKUP, EscalationTarget.LEVEL3]
    assert sum(loop.fired for loop in loops) == 3


async def test_the_loop_survives_the_database_being_down(make_service: ServiceFactory) -> None:
    """A pool that cannot connect makes the loop wait and retry, not die."""
    down = Database("postgresql://postgres@127.0.0.1:9/none", connect_timeout_s=0.2)
    await down.open()
    service = make_service(database=down, db_timeout_s=0.1)
    loop = EscalationTimerLoop(service, replica="a", poll_s=0.01, max_backoff_s=0.05)
    task = asyncio.create_task(loop.run())
    try:
        await loop.wait_until(lambda loop: loop.failures >= 3, timeout_s=10)
        assert not task.done()
    finally:
        loop.stop()
        loop.wake()
        await asyncio.wait_for(task, 5)
        await down.close()


def test_metrics_render_histograms_and_the_open_gauge() -> None:
    """TTA/TTR histograms by severity and the open gauge appear in the exposition."""
    registry = CollectorRegistry()
    metrics = IncidentPrometheus(registry)
    metrics.observe_time_to_acknowledge(Severity.CRITICAL, 90)
    metrics.observe_time_to_resolve(Severity.WARNING, 4000)
    metrics.set_open({Severity.CRITICAL: 2})
    text = generate_latest(registry).decode()
    assert 'aisi_incident_time_to_acknowledge_seconds_count{severity="critical"} 1.0' in text
    assert (
        'aisi_incident_time_to_resolve_seconds_bucket{le="7200.0",severity="warning"} 1.0' in text
    )
    assert 'aisi_incidents_open{severity="critical"} 2.0' in text
    assert 'aisi_incidents_open{severity="info"} 0.0' in text
