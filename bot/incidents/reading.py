"""Reading incidents: one, the open ones, every one, a timeline, figures, the next timer.

``IncidentService`` inherits these; they never change anything.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.incidents.escalation import EscalationStore
from bot.incidents.model import Incident, IncidentEvent, IncidentStats, Severity
from bot.incidents.stats import StatsStore
from bot.incidents.store import IncidentStore
from bot.stores.db import Database

Clock = Callable[[], datetime]


class IncidentReader:
    """The read side of the incident service, over the same stores."""

    def __init__(self, db: Database, *, clock: Clock, db_timeout_s: float = 10.0) -> None:
        self._store = IncidentStore(db, timeout_s=db_timeout_s)
        self._escalation = EscalationStore(db, timeout_s=db_timeout_s)
        self._stats = StatsStore(db, timeout_s=db_timeout_s)
        self._clock = clock

    def now(self) -> datetime:
        """The service's clock (injected in tests)."""
        return self._clock()

    async def next_timer_due(self) -> datetime | None:
        """When the earliest pending escalation timer is due (None: none pending)."""
        return await self._escalation.next_due_at()

    async def get(self, incident_id: int) -> Incident:
        """One incident; raises ``IncidentNotFoundError``."""
        return await self._store.get(incident_id)

    async def find_open(self, dedup_key: str) -> Incident | None:
        """The open incident of a dedup key, if any."""
        return await self._store.open_by_key(dedup_key)

    async def list_open(self, *, limit: int = 200) -> list[Incident]:
        """Open and acknowledged incidents, most severe and oldest first."""
        return await self._store.list_incidents(include_resolved=False, limit=limit)

    async def list_all(self, *, limit: int = 200) -> list[Incident]:
        """Every incident, newest first (``aisi-bot incidents --all``)."""
        return await self._store.list_incidents(include_resolved=True, limit=limit)

    async def timeline(self, incident_id: int) -> list[IncidentEvent]:
        """An incident's timeline, oldest first."""
        return await self._store.timeline(incident_id)

    async def open_by_severity(self) -> dict[Severity, int]:
        """Open incidents per severity (the gauge in ``/metrics``)."""
        return await self._stats.open_by_severity()

    async def stats(self, *, start: datetime, end: datetime) -> IncidentStats:
        """Counts and median times to acknowledge and resolve in [start, end)."""
        return await self._stats.window(start=start, end=end)
