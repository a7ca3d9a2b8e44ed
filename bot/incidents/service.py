"""The one entry point for incidents: raise and clear by dedup key, buttons, timers, checks.

``POST /alerts``, the CLI, the bot's own checks and the Slack buttons all call this
service. Every state change is a compare-and-set in PostgreSQL (the truth); Slack,
PagerDuty and metrics follow after the commit and never undo it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.incidents import machine
from bot.incidents.alerts import AlertInput
from bot.incidents.effects import ChangeReader, Clock, Effects, VendorStatusReader
from bot.incidents.model import (
    Action,
    AlertStatus,
    CheckOutcome,
    Committed,
    FiredTimer,
    Incident,
    Level,
    RaiseOutcome,
    Refusal,
    Severity,
    TransitionResult,
)
from bot.incidents.notify import IncidentMetrics, IncidentNotifier, IncidentPager
from bot.incidents.outbox import OutboxStore
from bot.incidents.policy import EscalationPolicy
from bot.incidents.reading import IncidentReader
from bot.incidents.store import Applied
from bot.incidents.streaks import StreakStore
from bot.incidents.support import VendorContact
from bot.stores.db import Database

log = logging.getLogger(__name__)

CHECK_PASSED_NOTE = "check passed again"
ALERT_RESOLVED_NOTE = "the alert's source reported it resolved"


def utc_now() -> datetime:
    """The current time in UTC (the default clock)."""
    return datetime.now(UTC)


class IncidentService(IncidentReader):
    """Raise, dedupe, acknowledge, escalate and resolve incidents; fire escalation timers.

    Inject ``clock`` to drive time in tests; ``db_timeout_s`` bounds the wait for a pooled
    connection. ``vendor_status`` reads the vendors' current
    status-page states (the health probes) for Level 3; ``what_changed`` reads the last
    24 h of changes for a new incident's thread. Both are optional.
    """

    def __init__(
        self,
        db: Database,
        *,
        policy: EscalationPolicy,
        notifier: IncidentNotifier,
        pager: IncidentPager | None = None,
        metrics: IncidentMetrics | None = None,
        vendors: Sequence[VendorContact] = (),
        vendor_status: VendorStatusReader | None = None,
        what_changed: ChangeReader | None = None,
        clock: Clock = utc_now,
        read_timeout_s: float = 8.0,
        db_timeout_s: float = 10.0,
    ) -> None:
        super().__init__(db, clock=clock, db_timeout_s=db_timeout_s)
        self.policy = policy
        self._streaks = StreakStore(db, timeout_s=db_timeout_s)
        self._outbox = OutboxStore(db, timeout_s=db_timeout_s)
        self._metrics = metrics
        self._effects = Effects(
            store=self._store,
            outbox=self._outbox,
            notifier=notifier,
            pager=pager,
            clock=clock,
            vendors=vendors,
            vendor_status=vendor_status,
            what_changed=what_changed,
            read_timeout_s=read_timeout_s,
            metrics=metrics,
            stats=self._stats,
        )

    # -- alerts in ------------------------------------------------------------------------

    async def raise_alert(self, alert: AlertInput, *, actor: str) -> RaiseOutcome:
        """Apply one alert and show it: open, count a repeat, resolve, or ignore.

        ``actor`` is ``"alert:<source>"``, ``"cli:<user>"`` or ``"system"``.
        """
        return await (await self.apply_alert(alert, actor=actor)).deliver()

    async def apply_alert(self, alert: AlertInput, *, actor: str) -> Committed:
        """Apply one alert in PostgreSQL only (one transaction); ``deliver()`` shows it after.

        ``POST /alerts`` answers from the committed outcome and delivers (Slack, PagerDuty,
        what changed) afterwards, so its 202 never waits on Slack.
        """
        if not machine.alert_opens_or_updates(alert.status):
            return await self._apply_clear(alert.dedup_key, actor=actor, note=ALERT_RESOLVED_NOTE)
        now = self._clock()
        first = machine.next_step(self.policy, None)
        incident, created, event = await self._store.raise_firing(
            alert,
            actor=actor,
            now=now,
            first_step=first,
            first_due=now + timedelta(seconds=self.policy.after_s),
        )
        if not created or event is None:
            updated = RaiseOutcome(Action.UPDATED, incident)

            async def show_repeat() -> RaiseOutcome:
                await self._effects.repeated(incident)
                return updated

            return Committed(updated, show_repeat)
        opened = event

        async def show_new() -> RaiseOutcome:
            shown = await self._effects.opened(incident, opened, now=now, keep_changes=True)
            await self._effects.count_open()
            return RaiseOutcome(Action.CREATED, shown, opened)

        return Committed(RaiseOutcome(Action.CREATED, incident, event), show_new)

    async def clear(self, dedup_key: str, *, actor: str, note: str = "") -> RaiseOutcome:
        """Resolve the open incident of a dedup key; ``ignored`` when the key has none."""
        return await (await self._apply_clear(dedup_key, actor=actor, note=note)).deliver()

    async def _apply_clear(self, dedup_key: str, *, actor: str, note: str) -> Committed:
        applied = await self._store.resolve(
            actor=actor, now=self._clock(), note=note, dedup_key=dedup_key
        )
        if applied is None or applied.event is None:
            ignored = RaiseOutcome(Action.IGNORED, None)
            return Committed(ignored, lambda: _done(ignored))
        resolved = applied

        async def show_resolved() -> RaiseOutcome:
            result = await self._after_resolve(resolved)
            return RaiseOutcome(
                Action.RESOLVED, result.incident, result.event, result.time_to_resolve_s
            )

        outcome = RaiseOutcome(
            Action.RESOLVED, applied.incident, applied.event, applied.incident.time_to_resolve_s
        )
        return Committed(outcome, show_resolved)

    async def record_check(
        self,
        dedup_key: str,
        *,
        ok: bool,
        title: str,
        severity: Severity = Severity.CRITICAL,
        source: str = "aisi-bot",
        details: str | dict[str, Any] | None = None,
    ) -> CheckOutcome:
        """One result of the bot's own check, with flap suppression.

        A failure opens (or repeats) an incident only from ``policy.flap_threshold``
        consecutive failures on; the first pass resolves the open incident itself, noting
        "check passed again".
        """
        failures = await self._streaks.record(dedup_key, ok=ok, now=self._clock())
        if ok:
            outcome = await self.clear(dedup_key, actor="system", note=CHECK_PASSED_NOTE)
            shown = outcome if outcome.action is Action.RESOLVED else None
            return CheckOutcome(dedup_key, True, 0, shown)
        if failures < self.policy.flap_threshold:
            return CheckOutcome(dedup_key, False, failures, None)
        alert = AlertInput(
            dedup_key=dedup_key,
            title=title[:200],
            severity=severity,
            source=source,
            status=AlertStatus.FIRING,
            details=details,
        )
        outcome = await self.raise_alert(alert, actor="system")
        return CheckOutcome(dedup_key, False, failures, outcome)

    # -- buttons --------------------------------------------------------------------------

    async def acknowledge(self, incident_id: int, *, actor: str) -> TransitionResult:
        """Acknowledge (stops automatic escalation). Of two presses exactly one applies."""
        applied = await self._store.acknowledge(incident_id, actor=actor, now=self._clock())
        if applied.event is None:
            return self._refused(applied.incident, machine.refusal_to_acknowledge(applied.incident))
        incident = applied.incident
        tta = incident.time_to_acknowledge_s
        if self._metrics is not None and tta is not None:
            self._metrics.observe_time_to_acknowledge(incident.severity, tta)
        await self._effects.changed(incident, applied.event)
        await self._effects.page("acknowledge", incident)
        return TransitionResult(True, incident, applied.event, time_to_acknowledge_s=tta)

    async def escalate(self, incident_id: int, *, level: Level, actor: str) -> TransitionResult:
        """Escalate at once to Level 2 (page the primary) or Level 3 (vendor request)."""
        applied = await self._escalation.escalate(
            incident_id, level=level, actor=actor, now=self._clock(), policy=self.policy
        )
        if applied.event is None:
            refusal = machine.refusal_to_escalate(applied.incident, level)
            return self._refused(applied.incident, refusal or Refusal.ALREADY_AT_LEVEL)
        await self._effects.escalated(applied.incident, applied.event)
        return TransitionResult(True, applied.incident, applied.event)

    async def resolve(self, incident_id: int, *, actor: str, note: str = "") -> TransitionResult:
        """Resolve from open or acknowledged. Of two presses exactly one applies."""
        applied = await self._store.resolve(
            actor=actor, now=self._clock(), note=note, incident_id=incident_id
        )
        assert applied is not None
        if applied.event is None:
            return self._refused(applied.incident, Refusal.ALREADY_RESOLVED)
        return await self._after_resolve(applied)

    # -- timers ---------------------------------------------------------------------------

    async def fire_due_timers(self, *, replica: str, limit: int = 50) -> list[FiredTimer]:
        """Fire every due escalation timer this replica can claim (each fires once overall)."""
        fired: list[FiredTimer] = []
        while len(fired) < limit:
            step = await self._escalation.fire_next_due(
                now=self._clock(), replica=replica, policy=self.policy
            )
            if step is None or step.fired is None:
                break
            fired.append(step.fired)
            if step.event is not None:
                await self._effects.escalated(step.incident, step.event)
        return fired

    # -- Slack bookkeeping ----------------------------------------------------------------

    async def set_message(self, incident_id: int, *, channel: str, ts: str) -> Incident | None:
        """Remember the incident's Slack message (set once; None when it already was)."""
        return await self._store.set_message(incident_id, channel=channel, ts=ts)

    async def deliver_pending(self, *, older_than_s: float = 60.0, limit: int = 100) -> int:
        """Catch up on timeline lines (and first messages) that never reached Slack.

        One replica at a time (an advisory lock; the others return 0 at once), so every
        replica and the scheduler may call it. Returns how many were delivered.
        """
        async with self._outbox.exclusive() as mine:
            if not mine:
                return 0
            before = self._clock() - timedelta(seconds=older_than_s)
            return await self._effects.deliver_pending(before=before, limit=limit)

    # -- internals ------------------------------------------------------------------------

    def _refused(self, incident: Incident, refusal: Refusal | None) -> TransitionResult:
        reason = refusal or Refusal.ALREADY_RESOLVED
        by, at = machine.who_and_when(incident, reason)
        return TransitionResult(False, incident, refusal=reason, by=by, at=at)

    async def _after_resolve(self, applied: Applied) -> TransitionResult:
        incident, event = applied.incident, applied.event
        assert event is not None
        ttr = incident.time_to_resolve_s
        if self._metrics is not None and ttr is not None:
            self._metrics.observe_time_to_resolve(incident.severity, ttr)
        await self._effects.changed(incident, event)
        await self._effects.page("resolve", incident)
        await self._effects.count_open()
        return TransitionResult(True, incident, event, time_to_resolve_s=ttr)


async def _done(outcome: RaiseOutcome) -> RaiseOutcome:
    return outcome
