"""The bot's own checks (flap suppression) and notifications that fail without undoing state."""

from __future__ import annotations

import psycopg

from bot.incidents import (
    Action,
    EventKind,
    Incident,
    IncidentEvent,
    IncidentService,
    MessageRef,
    RecordingNotifier,
    State,
)
from tests.incidents.conftest import FakeClock, ServiceFactory, alert


async def test_one_failure_opens_nothing_two_open_and_a_pass_resolves(
    service: IncidentService, notifier: RecordingNotifier
) -> None:
    """flap_threshold 2: the second consecutive failure opens; the first pass resolves itself."""
    check = {"title": "The app's health endpoint fails", "source": "health"}
    first = await service.record_check("app_health", ok=False, **check)
    assert (first.consecutive_failures, first.outcome) == (1, None)
    assert await service.find_open("app_health") is None
    second = await service.record_check("app_health", ok=False, **check)
    assert second.outcome is not None and second.outcome.action is Action.CREATED
    third = await service.record_check("app_health", ok=False, **check)
    assert third.outcome is not None and third.outcome.action is Action.UPDATED
    assert third.outcome.incident is not None and third.outcome.incident.count == 2
    passed = await service.record_check("app_health", ok=True, **check)
    assert passed.outcome is not None and passed.outcome.action is Action.RESOLVED
    assert passed.outcome.incident is not None
    assert passed.outcome.incident.resolved_by == "system"
    assert passed.outcome.incident.resolution_note == "check passed again"
    lines = notifier.named("thread_line")
    assert lines[-1].args["event"].kind is EventKind.RESOLVED
    assert lines[-1].args["event"].detail == {"note": "check passed again"}


async def test_a_pass_resets_the_streak(service: IncidentService) -> None:
    """Failure, pass, failure: never two in a row, so no incident."""
    for ok in (False, True, False, True, False):
        outcome = await service.record_check("sync_source", ok=ok, title="AA source fails")
        assert outcome.outcome is None
    assert await service.list_all() == []


async def test_threshold_one_opens_on_the_first_failure(
    make_service: ServiceFactory,
) -> None:
    """flap_threshold 1 opens at once."""
    from bot.incidents import EscalationPolicy

    service = make_service(policy=EscalationPolicy(flap_threshold=1))
    outcome = await service.record_check("db", ok=False, title="database unreachable")
    assert outcome.outcome is not None and outcome.outcome.action is Action.CREATED


async def test_a_failing_notifier_never_undoes_a_transition_and_the_outbox_catches_up(
    service: IncidentService, notifier: RecordingNotifier, clock: FakeClock, database_url: str
) -> None:
    """Slack down at opening and at ack: state is right; later the message and line are sent."""
    notifier.fail_methods = {"incident_changed", "thread_line"}
    outcome = await service.raise_alert(alert("db_down"), actor="alert:gha")
    assert outcome.action is Action.CREATED and outcome.incident is not None
    assert outcome.incident.message_ts is None
    acked = await service.acknowledge(outcome.incident.id, actor="U1")
    assert acked.applied and acked.incident.state is State.ACKNOWLEDGED
    clock.advance(5)
    assert await service.deliver_pending(older_than_s=60) == 0  # too recent: maybe in flight
    notifier.fail_methods = set()
    clock.advance(120)
    assert await service.deliver_pending(older_than_s=60) == 2
    incident = await service.get(outcome.incident.id)
    assert incident.message_ts is not None
    kinds = [c.args["event"].kind for c in notifier.named("thread_line")]
    assert kinds[-1] is EventKind.ACKNOWLEDGED
    with psycopg.connect(database_url) as conn:
        pending = conn.execute(
            "SELECT count(*) FROM chatops.incident_events WHERE thread AND posted_at IS NULL"
        ).fetchone()
    assert pending == (0,)


class RepeatDuringPost(RecordingNotifier):
    """Posting the message takes long enough for another replica to count a repeat."""

    def __init__(self) -> None:
        super().__init__()
        self.other_replica: IncidentService | None = None

    async def incident_changed(
        self, incident: Incident, event: IncidentEvent | None
    ) -> MessageRef | None:
        if event is not None and self.other_replica is not None:
            await self.other_replica.raise_alert(alert(incident.dedup_key), actor="alert:gha")
        return await super().incident_changed(incident, event)


async def test_repeats_landing_while_the_message_is_posted_are_shown(
    make_service: ServiceFactory,
) -> None:
    """A repeat counted before the message ts was stored triggers one catch-up update."""
    slow = RepeatDuringPost()
    service = make_service(notifier=slow)
    slow.other_replica = make_service(notifier=RecordingNotifier())
    outcome = await service.raise_alert(alert("db_down"), actor="alert:gha")
    assert outcome.incident is not None and outcome.incident.count == 2
    updates = [c for c in slow.named("incident_changed") if c.args["event"] is None]
    assert [u.incident.count for u in updates] == [2]
