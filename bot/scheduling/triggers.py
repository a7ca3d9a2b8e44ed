"""APScheduler triggers every replica computes identically, and the firing before a moment.

Interval triggers are anchored to midnight of 2000-01-01 in the schedule's time zone (an
APScheduler interval otherwise starts "now", which differs per replica), so "6h" fires at
00:00, 06:00, 12:00 and 18:00 local time on every replica. Cron weekdays are translated from
crontab numbering (0 or 7 = Sunday) to names, which APScheduler 3 reads unambiguously.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.settings.schedule import TriggerKind, TriggerSpec, cron_trigger

__all__ = ["JobTrigger", "TriggerKind", "TriggerSpec", "anchor"]


# Looking back for a cron firing: the last 20 minutes first, then day by day up to a year.
_RECENT = timedelta(minutes=20)
_MAX_DAYS_BACK = 367


def anchor(timezone: str) -> datetime:
    """The fixed start of every interval trigger: 2000-01-01 00:00 in ``timezone``."""
    return datetime(2000, 1, 1, tzinfo=ZoneInfo(timezone))


@dataclass(frozen=True)
class JobTrigger:
    """One enabled job's trigger in its time zone: the next and the previous firing."""

    spec: TriggerSpec
    timezone: str
    trigger: BaseTrigger

    @classmethod
    def build(cls, spec: TriggerSpec, timezone: str) -> JobTrigger:
        """The trigger of an enabled spec (``ValueError`` for ``off``)."""
        if spec.kind is TriggerKind.CRON:
            return cls(spec, timezone, cron_trigger(spec.expression, timezone))
        if spec.kind is TriggerKind.INTERVAL:
            zone = ZoneInfo(timezone)
            interval = IntervalTrigger(
                seconds=spec.seconds, start_date=anchor(timezone), timezone=zone
            )
            return cls(spec, timezone, interval)
        raise ValueError("a job that is off has no trigger")

    def next_after(self, now: datetime) -> datetime | None:
        """The first firing at or after ``now`` (what APScheduler schedules on start)."""
        fire: datetime | None = self.trigger.get_next_fire_time(None, now)
        return fire

    def previous(self, now: datetime) -> datetime | None:
        """The latest firing at or before ``now`` (None when there is none in the last year)."""
        if self.spec.kind is TriggerKind.INTERVAL:
            # Absolute time, as APScheduler counts intervals (wall-clock arithmetic on an
            # aware datetime would be an hour off across a DST change).
            start = anchor(self.timezone).astimezone(UTC)
            if now < start:
                return None
            period = timedelta(seconds=self.spec.seconds)
            fired = start + ((now - start) // period) * period
            return fired.astimezone(ZoneInfo(self.timezone))
        latest = self._latest_between(now - _RECENT, now)
        if latest is not None:
            return latest
        day = timedelta(days=1)
        end = now - _RECENT
        for _ in range(_MAX_DAYS_BACK):
            latest = self._latest_between(end - day, end)
            if latest is not None:
                return latest
            end -= day
        return None

    def _latest_between(self, since: datetime, until: datetime) -> datetime | None:
        """The last cron firing in [since, until] (at most a day: 1,440 per-minute firings)."""
        latest: datetime | None = None
        moment = since
        while True:
            fire: datetime | None = self.trigger.get_next_fire_time(None, moment)
            if fire is None or fire > until:
                return latest
            latest = fire
            moment = fire + timedelta(seconds=1)
