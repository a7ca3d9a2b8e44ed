"""What follows a committed transition: Slack (through the notifier), PagerDuty, metrics.

Everything here runs after the commit. A failure is logged with an id and never undoes the
transition; a timeline line that did not reach the thread stays in the outbox.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import TypeVar

from bot.incidents.changes import ChangeLine, change_json
from bot.incidents.machine import EscalationStep
from bot.incidents.model import EscalationTarget, EventKind, Incident, IncidentEvent
from bot.incidents.notify import (
    IncidentMetrics,
    IncidentNotifier,
    IncidentPager,
    NotifyError,
    PagerError,
)
from bot.incidents.outbox import OutboxStore
from bot.incidents.stats import StatsStore
from bot.incidents.store import IncidentStore
from bot.incidents.support import VendorContact, VendorStatus, build_support_request

log = logging.getLogger(__name__)
T = TypeVar("T")
Clock = Callable[[], datetime]
VendorStatusReader = Callable[[], Awaitable[Sequence[VendorStatus]]]
ChangeReader = Callable[[datetime], Awaitable[Sequence[ChangeLine]]]


class Effects:
    """Delivers one transition's consequences, each guarded on its own."""

    def __init__(
        self,
        *,
        store: IncidentStore,
        outbox: OutboxStore,
        notifier: IncidentNotifier,
        pager: IncidentPager | None,
        clock: Clock,
        vendors: Sequence[VendorContact] = (),
        vendor_status: VendorStatusReader | None = None,
        what_changed: ChangeReader | None = None,
        read_timeout_s: float = 8.0,
        metrics: IncidentMetrics | None = None,
        stats: StatsStore | None = None,
    ) -> None:
        self._metrics = metrics if stats is not None else None
        self._stats = stats
        self._vendors = tuple(vendors)
        self._vendor_status = vendor_status
        self._what_changed = what_changed
        self._read_timeout_s = read_timeout_s
        self._store = store
        self._outbox = outbox
        self._notifier = notifier
        self._pager = pager
        self._clock = clock

    async def guarded(self, what: str, work: Awaitable[T]) -> tuple[bool, T | None]:
        """Run one notification; (False, None) after logging when it failed."""
        try:
            return True, await work
        except NotifyError as exc:  # expected (Slack away, no token here): the outbox retries
            log.warning("incident notification %s not delivered: %s", what, exc.public_text)
            return False, None
        except Exception:  # a notifier's failure must never undo a committed transition
            error_id = uuid.uuid4().hex[:8]
            log.exception("incident notification %s failed (error id %s)", what, error_id)
            return False, None

    async def _mark(self, event: IncidentEvent) -> None:
        """Mark a line delivered; if that fails it is delivered again later (at least once)."""
        await self.guarded(
            "mark delivered", self._outbox.mark_delivered([event.id], now=self._clock())
        )

    async def opened(
        self,
        incident: Incident,
        event: IncidentEvent,
        *,
        now: datetime | None = None,
        trigger_pager: bool = True,
        keep_changes: bool = False,
    ) -> Incident:
        """Post the new incident's message and remember where it is, trigger the pager, then
        (with ``now``) read and post what changed: the message never waits for those reads.
        ``keep_changes``: also keep the lines read in the timeline (at the opening only)."""
        ok, ref = await self.guarded("post", self._notifier.incident_changed(incident, event))
        if ok and ref is not None:
            _, placed = await self.guarded(
                "remember message",
                self._store.set_message(incident.id, channel=ref.channel, ts=ref.ts),
            )
            if placed is not None:
                await self._mark(event)
                if placed.count != incident.count or placed.state != incident.state:
                    # Repeats (or a transition) landed while the message was being posted.
                    await self.guarded("update", self._notifier.incident_changed(placed, None))
                incident = placed
        if trigger_pager:
            await self.page("trigger", incident)
        if now is not None:
            changes = await self.read_changes(now)
            if changes is not None:  # none at all is worth saying too: nobody digs for it
                await self.guarded("what changed", self._notifier.what_changed(incident, changes))
                if keep_changes:
                    await self.keep_changes(incident, changes, at=now)
        return incident

    async def count_open(self) -> None:
        """Refresh the open-incidents gauge (when metrics are wired) from PostgreSQL."""
        if self._metrics is None or self._stats is None:
            return
        ok, counts = await self.guarded("count open", self._stats.open_by_severity())
        if ok and counts is not None:
            self._metrics.set_open(counts)

    async def repeated(self, incident: Incident) -> None:
        """Update the message in place (count, last seen); the notifier coalesces."""
        if incident.message_ts is not None:
            await self.guarded("update", self._notifier.incident_changed(incident, None))

    async def changed(self, incident: Incident, event: IncidentEvent) -> None:
        """Update the message in place and add the timeline line to its thread."""
        if incident.message_ts is None:
            return  # nothing posted yet: the outbox delivers the line after the message
        await self.guarded("update", self._notifier.incident_changed(incident, event))
        await self.thread_line(incident, event)

    async def thread_line(
        self, incident: Incident, event: IncidentEvent, *, mark: bool = True
    ) -> bool:
        """Deliver one timeline line (and mark it delivered unless the caller will)."""
        if incident.message_ts is None or not event.thread:
            return False
        ok, _ = await self.guarded("thread line", self._notifier.thread_line(incident, event))
        if ok and mark:
            await self._mark(event)
        return ok

    async def escalated(self, incident: Incident, event: IncidentEvent) -> bool:
        """Update the message, add the line, then page Level 2 or post the Level 3 request.

        The line counts as delivered only once all of it went out, so a page cut off by a
        crash is sent again by the outbox (at least once) rather than lost.
        """
        if incident.message_ts is None:
            return False  # nothing posted yet: the outbox delivers it after the message
        await self.guarded("update", self._notifier.incident_changed(incident, event))
        ok = await self.thread_line(incident, event, mark=False)
        step = EscalationStep(int(event.detail["round"]), int(event.detail["step"]))
        users = tuple(str(u) for u in event.detail.get("users") or ())
        if step.target is EscalationTarget.LEVEL3:
            ok = await self.level3(incident) and ok
        elif users:
            paged, _ = await self.guarded("page", self._notifier.page_level2(incident, users, step))
            ok = paged and ok
        if ok:
            await self._mark(event)
        return ok

    async def page(self, action: str, incident: Incident) -> None:
        """Mirror a transition to the pager; a failure becomes a ``pagerduty_failed`` line."""
        if self._pager is None:
            return
        send = {
            "trigger": self._pager.trigger,
            "acknowledge": self._pager.acknowledge,
            "resolve": self._pager.resolve,
        }[action]
        try:
            await send(incident)
            return
        except PagerError as exc:
            reason = exc.public_text
        except Exception as exc:  # a pager's own bug must not undo the transition either
            log.exception("pager %s failed unexpectedly", action)
            reason = f"PagerDuty {action} failed: unexpected error ({type(exc).__name__})"
        ok, event = await self.guarded(
            "record pager failure",
            self._store.record_event(
                incident.id,
                kind=EventKind.PAGERDUTY_FAILED,
                actor="system",
                now=self._clock(),
                detail={"event_action": action, "reason": reason},
            ),
        )
        if ok and event is not None:
            await self.thread_line(incident, event)

    async def level3(self, incident: Incident) -> bool:
        """Post the Level 3 vendor support request (vendor states read under a deadline)."""
        statuses: Sequence[VendorStatus] = ()
        if self._vendor_status is not None:
            ok, read = await self.guarded(
                "vendor status", asyncio.wait_for(self._vendor_status(), self._read_timeout_s)
            )
            statuses = read if ok and read is not None else ()
        request = build_support_request(
            incident,
            timeline=await self._store.timeline(incident.id),
            contacts=self._vendors,
            statuses=statuses,
            now=self._clock(),
        )
        ok, _ = await self.guarded(
            "level 3 request", self._notifier.level3_request(incident, request)
        )
        return ok

    async def read_changes(self, now: datetime) -> Sequence[ChangeLine] | None:
        """The last 24 h of changes for a new incident (None when unknown or not configured)."""
        if self._what_changed is None:
            return None
        ok, lines = await self.guarded(
            "what changed", asyncio.wait_for(self._what_changed(now), self._read_timeout_s)
        )
        return lines if ok else None

    async def keep_changes(
        self, incident: Incident, lines: Sequence[ChangeLine], *, at: datetime
    ) -> None:
        """Keep the lines read at opening in the timeline (``what_changed``, not a thread line),
        so the postmortem shows what was known then rather than what a later read would say."""
        detail = {"lines": [change_json(line) for line in lines]}
        await self.guarded(
            "keep what changed",
            self._store.record_event(
                incident.id,
                kind=EventKind.WHAT_CHANGED,
                actor="system",
                now=at,
                detail=detail,
                thread=False,
            ),
        )

    async def deliver_pending(self, *, before: datetime, limit: int) -> int:
        """Deliver outbox lines written before ``before``: first messages, then thread lines."""
        now = self._clock()
        delivered = 0
        events = await self._outbox.undelivered(before=before, limit=limit)
        for event in events:
            incident = await self._store.get(event.incident_id)
            if event.kind is EventKind.OPENED:
                if incident.message_ts is None:
                    posted = await self.opened(incident, event, now=now, trigger_pager=False)
                    delivered += posted.message_ts is not None
                else:
                    delivered += await self._outbox.mark_delivered([event.id], now=now)
            elif event.kind is EventKind.ESCALATED:
                delivered += await self.escalated(incident, event)
            elif await self.thread_line(incident, event):
                delivered += 1
                # A transition made where Slack was out of reach: the message shows it too.
                await self.guarded("update", self._notifier.incident_changed(incident, None))
        return delivered
