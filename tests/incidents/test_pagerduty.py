"""PagerDuty Events API v2 against a local stand-in: one dedup key, retries, failures."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import httpx
import pytest

from bot.incidents import EventKind, IncidentService, Level, PagerError, RecordingNotifier
from bot.incidents.pagerduty import PagerDutyPager
from bot.settings.secrets import Secret
from tests.incidents.conftest import FakeClock, ServiceFactory, alert
from tests.incidents.pagerduty_standin import PagerDutyStandIn

ROUTING_KEY = "R0UT1NGKEY-" + "z" * 21


@pytest.fixture
async def standin() -> AsyncIterator[PagerDutyStandIn]:
    """The PagerDuty stand-in on an ephemeral port."""
    async with PagerDutyStandIn() as server:
        yield server


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    """One HTTP client, as the runtime would inject it."""
    async with httpx.AsyncClient() as client:
        yield client


class Waits:
    """Records the pauses the pager asks for instead of sleeping them."""

    def __init__(self) -> None:
        self.seconds: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)


def pager(http: httpx.AsyncClient, standin: PagerDutyStandIn, waits: Waits) -> PagerDutyPager:
    return PagerDutyPager(
        http, routing_key=Secret(ROUTING_KEY), events_url=standin.url, sleep=waits, timeout_s=2
    )


async def test_trigger_acknowledge_resolve_share_one_dedup_key(
    make_service: ServiceFactory, http: httpx.AsyncClient, standin: PagerDutyStandIn
) -> None:
    """Create, ack and resolve reach the stand-in as trigger, acknowledge, resolve, one key."""
    service = make_service(pager=pager(http, standin, Waits()))
    outcome = await service.raise_alert(alert("neon_down", title="Neon unreachable"), actor="x")
    assert outcome.incident is not None
    await service.raise_alert(alert("neon_down"), actor="x")  # a repeat pages nobody again
    await service.acknowledge(outcome.incident.id, actor="U1")
    await service.resolve(outcome.incident.id, actor="U1")
    assert standin.actions() == [
        ("trigger", "neon_down"),
        ("acknowledge", "neon_down"),
        ("resolve", "neon_down"),
    ]
    trigger = standin.events[0]
    assert trigger["routing_key"] == ROUTING_KEY
    assert trigger["payload"]["summary"] == "Neon unreachable"
    assert trigger["payload"]["severity"] == "critical"
    assert trigger["payload"]["source"] == "github-actions"


async def test_429_and_500_are_retried_after_retry_after(
    http: httpx.AsyncClient, standin: PagerDutyStandIn, service: IncidentService
) -> None:
    """A 429 with Retry-After then a 500 are retried; the wait honours the header (capped)."""
    waits = Waits()
    standin.reply(429, {"status": "throttled"}, {"Retry-After": "3"})
    standin.reply(500, {"status": "error"})
    outcome = await service.raise_alert(alert(), actor="x")
    assert outcome.incident is not None
    await pager(http, standin, waits).trigger(outcome.incident)
    assert len(standin.events) == 3
    assert waits.seconds == [3.0, 1.0]


async def test_failure_is_recorded_in_the_timeline_and_the_transition_stands(
    make_service: ServiceFactory,
    http: httpx.AsyncClient,
    standin: PagerDutyStandIn,
    notifier: RecordingNotifier,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """PagerDuty down: the incident still opens; a pagerduty_failed line says why, no key shown."""
    for _ in range(3):
        standin.reply(503, {"status": "unavailable", "message": f"bad key {ROUTING_KEY}"})
    caplog.set_level(logging.DEBUG)
    service = make_service(pager=pager(http, standin, Waits()))
    outcome = await service.raise_alert(alert("app_down"), actor="x")
    assert outcome.incident is not None
    timeline = await service.timeline(outcome.incident.id)
    assert [e.kind for e in timeline] == [EventKind.OPENED, EventKind.PAGERDUTY_FAILED]
    reason = timeline[1].detail["reason"]
    assert "HTTP 503" in reason and ROUTING_KEY not in reason
    assert timeline[1].detail["event_action"] == "trigger"
    assert notifier.named("thread_line")[-1].args["event"].kind is EventKind.PAGERDUTY_FAILED
    assert ROUTING_KEY not in caplog.text
    assert len(standin.events) == 3


async def test_a_refused_event_is_not_retried(
    http: httpx.AsyncClient, standin: PagerDutyStandIn, service: IncidentService
) -> None:
    """A 400 (invalid event) fails at once with PagerDuty's own words."""
    standin.reply(400, {"status": "invalid event", "errors": ["'severity' is invalid"]})
    outcome = await service.raise_alert(alert(), actor="x")
    assert outcome.incident is not None
    with pytest.raises(PagerError, match=r"HTTP 400.*severity"):
        await pager(http, standin, Waits()).trigger(outcome.incident)
    assert len(standin.events) == 1


async def test_unreachable_pagerduty_fails_within_the_attempts(
    http: httpx.AsyncClient, service: IncidentService, clock: FakeClock
) -> None:
    """Nobody listening: a bounded number of attempts, then a PagerError naming it."""
    outcome = await service.raise_alert(alert(), actor="x")
    assert outcome.incident is not None
    waits = Waits()
    closed = PagerDutyPager(
        http,
        routing_key=Secret(ROUTING_KEY),
        events_url="http://127.0.0.1:9/v2/enqueue",
        sleep=waits,
        max_attempts=2,
    )
    with pytest.raises(PagerError, match="unreachable") as caught:
        await closed.acknowledge(outcome.incident)
    assert ROUTING_KEY not in str(caught.value)
    assert waits.seconds == [0.5]


async def test_escalation_does_not_page_pagerduty(
    make_service: ServiceFactory, http: httpx.AsyncClient, standin: PagerDutyStandIn
) -> None:
    """Only trigger, acknowledge and resolve are mirrored; escalation stays in Slack."""
    service = make_service(pager=pager(http, standin, Waits()))
    outcome = await service.raise_alert(alert(), actor="x")
    assert outcome.incident is not None
    await service.escalate(outcome.incident.id, level=Level.L3, actor="U1")
    assert standin.actions() == [("trigger", "db_down")]
