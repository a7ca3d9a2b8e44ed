"""APScheduler triggers every replica computes identically, and the firing before a moment.

Interval triggers are anchored to midnight of 2000-01-01 in the schedule's time zone (an
APScheduler interval otherwise starts "now", which differs per replica), so "6h" fires at
00:00, 06:00, 12:00 and 18:00 local time on every replica. Cron weekdays are translated from
crontab numbering (0 or 7 = Sunday) to names, which APScheduler 3 reads unambiguously.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger


class TriggerKind(StrEnum):
    """How a job fires."""

    CRON = "cron"
    INTERVAL = "interval"
    OFF = "off"


@dataclass(frozen=True)
class TriggerSpec:
    """One job's trigger: ``cron`` (``expression``), ``interval`` (``seconds``) or ``off``."""

    kind: TriggerKind
    expression: str = ""
    seconds: float = 0.0

    @property
    def enabled(self) -> bool:
        """False for ``off``."""
        return self.kind is not TriggerKind.OFF

    def describe(self) -> str:
        """'cron 0 9 * * *', 'every 15m' or 'off' (for the CLI and /health)."""
        if self.kind is TriggerKind.CRON:
            return f"cron {self.expression}"
        if self.kind is TriggerKind.INTERVAL:
            return f"every {self.expression}"
        return "off"


_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
# Looking back for a cron firing: the last 20 minutes first, then day by day up to a year.
_RECENT = timedelta(minutes=20)
_MAX_DAYS_BACK = 367


def anchor(timezone: str) -> datetime:
    """The fixed start of every interval trigger: 2000-01-01 00:00 in ``timezone``."""
    return datetime(2000, 1, 1, tzinfo=ZoneInfo(timezone))


def _weekday_number(token: str) -> int:
    lowered = token.lower()
    if lowered[:3] in _WEEKDAYS and not lowered.isdigit():
        return _WEEKDAYS.index(lowered[:3])
    number = int(lowered)
    if not 0 <= number <= 7:
        raise ValueError(f"weekday {token!r} is out of range 0-7")
    return number % 7


def crontab_weekdays(field: str) -> str:
    """A crontab weekday field as APScheduler 3 names: '1-5' → 'mon,tue,wed,thu,fri'."""
    if field == "*":
        return "*"
    days: set[int] = set()
    for item in field.split(","):
        span, _, step_text = item.partition("/")
        step = int(step_text) if step_text else 1
        if step < 1:
            raise ValueError(f"weekday step {item!r} must be at least 1")
        if span == "*":
            first, last = 0, 6
        elif "-" in span:
            start, end = span.split("-", 1)
            first, last = _weekday_number(start), _weekday_number(end)
            if end.strip() == "7":
                last = 7
            if last < first:
                raise ValueError(f"weekday range {span!r} runs backwards")
        else:
            first = last = _weekday_number(span)
            if step_text:
                last = 6
        days.update(d % 7 for d in range(first, last + 1, step))
    return ",".join(_WEEKDAYS[d] for d in sorted(days))


def cron_trigger(expression: str, timezone: str) -> CronTrigger:
    """An APScheduler CronTrigger for a standard 5-field crontab line in ``timezone``.

    Restricting both day of month and weekday is refused: crontab fires on either,
    APScheduler only on both, and silently changing the meaning would be worse.
    """
    fields = expression.split()
    if len(fields) != 5:
        raise ValueError(f"expected 5 fields, got {len(fields)}")
    minute, hour, day, month, weekday = fields
    if day != "*" and weekday != "*":
        raise ValueError("restrict the day of month or the weekday, not both")
    try:
        return CronTrigger(
            minute=minute,
            hour=hour,
            day=day,
            month=month,
            day_of_week=crontab_weekdays(weekday),
            timezone=ZoneInfo(timezone),
        )
    except (TypeError, ValueError) as exc:
        raise ValueError(str(exc)) from None


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
