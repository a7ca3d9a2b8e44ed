"""The incident layer assembled: the service with its Slack side, pager, metrics and timers.

``build_incidents`` is called by the composition root (``bot.app.wiring``) for the serving bot
and for the CLI alike; ``keep_incidents_moving`` is what every serving replica runs: the
escalation timer loop (each timer fires once across replicas, PostgreSQL decides), the
catch-up of undelivered thread lines (one replica at a time) and the open-incidents gauge.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import httpx
import psycopg
from psycopg_pool import PoolTimeout
from redis.asyncio import Redis
from slack_sdk.web.async_client import AsyncWebClient

from bot.app.metrics import Metrics
from bot.health.check import HealthCheck
from bot.home import SignallingNotifier
from bot.incidents import Incident, IncidentService
from bot.incidents.changes import (
    ChangeHook,
    ChangeLine,
    WhatChanged,
    check_changes_hook,
    vendor_status_hook,
)
from bot.incidents.effects import VendorStatusReader
from bot.incidents.notify import IncidentNotifier
from bot.incidents.pagerduty import PagerDutyPager
from bot.incidents.prometheus import IncidentPrometheus
from bot.incidents.runner import EscalationTimerLoop
from bot.incidents.support import VendorStatus, vendor_contacts, vendor_statuses
from bot.incidents.vercel import deployments_hook
from bot.settings.model import Settings
from bot.slack.client import build_web_client
from bot.slack.notifier import SlackIncidentNotifier, UnpostedNotifier
from bot.slack.operators import MemberLookup, Operators
from bot.slack.render import Renderer
from bot.stores.db import Database
from bot.upstream.vercel import SOURCE as VERCEL_SOURCE
from bot.upstream.vercel import VercelDeployments

log = logging.getLogger(__name__)

CATCH_UP_S = 15.0  # undelivered thread lines and the gauge, this often
CATCH_UP_AFTER_S = 30.0  # a line is caught up once it is this old (its sender gave up)
LEVEL2_KEYS = "escalation.level2_primary/level2_backup"


@dataclass
class IncidentSide:
    """What the incident service is wired to: Slack, the Level 2 people, the metrics."""

    notifier: SlackIncidentNotifier | UnpostedNotifier  # the latter: no Slack token here
    level2: Operators  # escalation.level2_primary / level2_backup: users and groups
    prometheus: IncidentPrometheus
    pager: PagerDutyPager | None = None
    timers: list[EscalationTimerLoop] = field(default_factory=list)

    async def aclose(self) -> None:
        """Send the message updates still queued, stop the group refresh."""
        await self.notifier.aclose()
        await self.level2.close()


def replica_name() -> str:
    """This process among the replicas (who fired a timer): host and pid."""
    return f"{socket.gethostname()}:{os.getpid()}"


def build_incidents(
    settings: Settings,
    *,
    db: Database,
    http: httpx.AsyncClient,
    slack: AsyncWebClient,
    renderer: Renderer,
    metrics: Metrics,
    health: HealthCheck,
    level2: Operators,
    on_change: Callable[[], None] | None = None,
) -> tuple[IncidentService, IncidentSide]:
    """The incident service and its side, from the settings and the runtime's clients.

    ``on_change`` is signalled after each incident message is posted or updated (App Home
    refreshes on it); it must not wait.
    """
    policy = settings.escalation
    token = settings.secret("SLACK_BOT_TOKEN")
    updates = build_web_client(
        token=token.reveal() if token else "",
        base_url=settings.urls["SLACK_API_URL"],
        wait_when_rate_limited=False,
    )
    service: IncidentService | None = None

    async def reload(incident_id: int) -> Incident:
        assert service is not None, "the notifier reloads once the service exists"
        return await service.get(incident_id)

    notifier: SlackIncidentNotifier | UnpostedNotifier = UnpostedNotifier()
    if token is not None:
        notifier = SlackIncidentNotifier(
            client=slack,
            updates=updates,
            renderer=renderer,
            channel=settings.channel,
            timezone=settings.schedule.timezone,
            wait_words=renderer.translator(settings.language).duration(policy.after_s),
            reload=reload,
            group_members=level2.members_of,
            lang=settings.language,
        )
    prometheus = IncidentPrometheus(metrics.registry)
    pager = None
    routing_key = settings.secret("PAGERDUTY_ROUTING_KEY")
    if routing_key is not None:
        pager = PagerDutyPager(
            http, routing_key=routing_key, events_url=settings.urls["PAGERDUTY_EVENTS_URL"]
        )

    async def read_vendors() -> Sequence[VendorStatus]:
        report = await health.run("vendors")
        return vendor_statuses(r for g in report.groups for r in g.results)

    changes = WhatChanged(db, hooks=_change_hooks(settings, db=db, http=http, vendors=read_vendors))

    async def what_changed(now: datetime) -> Sequence[ChangeLine]:
        return await changes.collect(now=now)

    told: IncidentNotifier = notifier
    if on_change is not None:
        told = SignallingNotifier(notifier, on_change)
    service = IncidentService(
        db,
        policy=policy,
        notifier=told,
        pager=pager,
        metrics=prometheus,
        vendors=vendor_contacts(settings.status_pages),
        vendor_status=read_vendors,
        what_changed=what_changed,
    )
    return service, IncidentSide(notifier, level2, prometheus, pager)


def level2_people(
    settings: Settings, *, lookup: MemberLookup | None, redis: Redis | None
) -> Operators:
    """The Level 2 people (users and groups of ``[escalation]``) as one membership check."""
    policy = settings.escalation
    entries = dict.fromkeys([*policy.primary, *policy.backup])
    return Operators(entries, lookup=lookup, redis=redis, source=LEVEL2_KEYS)


def _change_hooks(
    settings: Settings, *, db: Database, http: httpx.AsyncClient, vendors: VendorStatusReader
) -> dict[str, ChangeHook]:
    hooks: dict[str, ChangeHook] = {
        "checks": check_changes_hook(db),
        "vendor status pages": vendor_status_hook(vendors),
    }
    token = settings.secret("VERCEL_TOKEN")
    if token is not None:
        vercel = VercelDeployments(
            http,
            base_url=settings.urls["VERCEL_API_URL"],
            token=token,
            project_id=settings.vercel_project_id,
        )
        hooks[VERCEL_SOURCE] = deployments_hook(vercel)
    return hooks


async def keep_incidents_moving(
    service: IncidentService,
    side: IncidentSide,
    *,
    ready: asyncio.Event | None = None,
    replica: str | None = None,
) -> None:
    """Run the escalation timers, and catch up on thread lines and the gauge, until cancelled.

    Starts once ``ready`` is set (the schema is up to date). The timer loop polls at most
    every second (a quarter of ``auto_escalate_after`` when that is shorter), so a due timer
    fires within that.
    """
    if ready is not None:
        await ready.wait()
    poll_s = min(1.0, service.policy.after_s / 4)
    timers = EscalationTimerLoop(service, replica=replica or replica_name(), poll_s=poll_s)
    side.timers.append(timers)
    running = asyncio.create_task(timers.run(), name="escalation-timers")
    try:
        while True:
            await _catch_up(service, side)
            _still_cancelled()  # Python 3.11's wait_for (in the pool) may swallow a cancel
            await asyncio.sleep(CATCH_UP_S)
    finally:
        timers.stop()
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running
        side.timers.remove(timers)


async def _catch_up(service: IncidentService, side: IncidentSide) -> None:
    try:
        side.prometheus.set_open(await service.open_by_severity())
        delivered = await service.deliver_pending(older_than_s=CATCH_UP_AFTER_S)
    except (psycopg.Error, PoolTimeout, OSError) as exc:
        _still_cancelled()  # a cancelled query may surface as a database error
        log.warning("incident catch-up: database unavailable (%s)", type(exc).__name__)
        return
    if delivered:
        log.info("incident catch-up: delivered %d timeline line(s)", delivered)


def _still_cancelled() -> None:
    """Re-raise a cancellation that a library swallowed or turned into another error."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError
