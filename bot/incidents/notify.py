"""What the incident service tells the outside world, as protocols (Slack-free).

The Slack side implements ``IncidentNotifier`` (post/update the message, thread lines,
DMs); ``PagerDutyPager`` implements ``IncidentPager``; Prometheus histograms implement
``IncidentMetrics``. ``RecordingNotifier`` is a real in-memory implementation for tests
and the CLI.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.errors import BotError
from bot.incidents.changes import ChangeLine
from bot.incidents.machine import EscalationStep
from bot.incidents.model import Incident, IncidentEvent, Severity
from bot.incidents.support import SupportRequest


@dataclass(frozen=True)
class MessageRef:
    """Where an incident's Slack message is."""

    channel: str
    ts: str


class NotifyError(BotError):
    """A notification could not be delivered (the transition stands; the outbox retries)."""


class IncidentNotifier(Protocol):
    """Shows incidents to people. A failure never undoes a committed transition.

    - ``incident_changed``: with an ``opened`` event, post the incident's message and return
      where it is (called once per incident across replicas); otherwise update the message
      in place (coalesced; ``event`` is None for a repeat, which changed count and last seen).
      An incident whose ``message_ts`` is still None has no message to update yet.
    - ``thread_line``: add one timeline line to the message's thread.
    - ``page_level2``: mention the people in the thread and send each a DM.
    - ``level3_request``: post the ready-to-send vendor support request in the thread.
    - ``what_changed``: post the last 24 h of changes in the thread of a new incident.
    """

    async def incident_changed(
        self, incident: Incident, event: IncidentEvent | None
    ) -> MessageRef | None: ...

    async def thread_line(self, incident: Incident, event: IncidentEvent) -> None: ...

    async def page_level2(
        self, incident: Incident, user_ids: tuple[str, ...], step: EscalationStep
    ) -> None: ...

    async def level3_request(self, incident: Incident, request: SupportRequest) -> None: ...

    async def what_changed(self, incident: Incident, lines: Sequence[ChangeLine]) -> None: ...


class PagerError(BotError):
    """An outside pager (PagerDuty) did not take an event; the text is safe to show."""


class IncidentPager(Protocol):
    """Mirrors incidents to an outside pager, keyed by the incident's dedup key."""

    async def trigger(self, incident: Incident) -> None: ...

    async def acknowledge(self, incident: Incident) -> None: ...

    async def resolve(self, incident: Incident) -> None: ...


class IncidentMetrics(Protocol):
    """Observes timings when a transition applies, and open counts (Prometheus)."""

    def observe_time_to_acknowledge(self, severity: Severity, seconds: float) -> None: ...

    def observe_time_to_resolve(self, severity: Severity, seconds: float) -> None: ...

    def set_open(self, counts: dict[Severity, int]) -> None:
        """The open (or acknowledged) incidents per severity, after a change (a gauge)."""


@dataclass
class NotifierCall:
    """One recorded notifier call: its method name and arguments."""

    method: str
    incident: Incident
    args: dict[str, Any] = field(default_factory=dict)


class RecordingNotifier:
    """An ``IncidentNotifier`` that records every call and can be told to fail.

    ``fail_methods`` makes the named methods raise ``NotifyError``. ``wait_for`` waits (with
    a timeout, no sleeping) until a predicate over the calls holds.
    """

    def __init__(self, *, channel: str = "C-INCIDENTS") -> None:
        self.calls: list[NotifierCall] = []
        self.fail_methods: set[str] = set()
        self._channel = channel
        self._posted = 0
        self._changed = asyncio.Condition()

    async def _record(self, method: str, incident: Incident, **args: Any) -> None:
        async with self._changed:
            self.calls.append(NotifierCall(method, incident, args))
            self._changed.notify_all()
        if method in self.fail_methods:
            raise NotifyError(f"{method} failed (test)")

    def named(self, method: str) -> list[NotifierCall]:
        """The recorded calls of one method, in order."""
        return [c for c in self.calls if c.method == method]

    async def wait_for(
        self, predicate: Callable[[list[NotifierCall]], bool], timeout_s: float = 5.0
    ) -> None:
        """Wait until ``predicate(calls)`` is true; raises TimeoutError after ``timeout_s``."""
        async with asyncio.timeout(timeout_s), self._changed:
            await self._changed.wait_for(lambda: predicate(self.calls))

    async def incident_changed(
        self, incident: Incident, event: IncidentEvent | None
    ) -> MessageRef | None:
        await self._record("incident_changed", incident, event=event)
        if event is not None and event.kind.value == "opened":
            self._posted += 1
            return MessageRef(self._channel, f"1700000000.{self._posted:06d}")
        return None

    async def thread_line(self, incident: Incident, event: IncidentEvent) -> None:
        await self._record("thread_line", incident, event=event)

    async def page_level2(
        self, incident: Incident, user_ids: tuple[str, ...], step: EscalationStep
    ) -> None:
        await self._record("page_level2", incident, user_ids=user_ids, step=step)

    async def level3_request(self, incident: Incident, request: SupportRequest) -> None:
        await self._record("level3_request", incident, request=request)

    async def what_changed(self, incident: Incident, lines: Sequence[ChangeLine]) -> None:
        await self._record("what_changed", incident, lines=list(lines))
