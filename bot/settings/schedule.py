"""The ``[schedule]`` settings: one trigger per job, the time zone and the misfire grace.

A trigger is a five-field crontab (``"0 9 * * *"``), a duration (``"30s"``, ``"15m"``,
``"6h"``) or ``"off"``. Weekdays follow crontab (0 or 7 = Sunday), not APScheduler 3's
Monday-is-0 numbering.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from bot.errors import ConfigError
from bot.settings.values import as_timezone, parse_duration


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


class JobId(StrEnum):
    """The scheduled jobs (fixed interface: these ids appear in job_runs, the CLI, /health)."""

    DAILY_REPORT = "daily_report"
    SOURCE_CHECKS = "source_checks"
    KEY_CHECKS = "key_checks"
    SYNC = "sync"
    ESCALATIONS = "escalations"


DEFAULT_DAILY_REPORT = TriggerSpec(TriggerKind.CRON, "0 9 * * *")
DEFAULT_SOURCE_CHECKS = TriggerSpec(TriggerKind.INTERVAL, "15m", 900.0)
DEFAULT_KEY_CHECKS = TriggerSpec(TriggerKind.INTERVAL, "1h", 3600.0)
DEFAULT_SYNC = TriggerSpec(TriggerKind.INTERVAL, "6h", 21600.0)
DEFAULT_ESCALATIONS = TriggerSpec(TriggerKind.INTERVAL, "5m", 300.0)
MIN_INTERVAL_S = 1.0
MAX_INTERVAL_S = 31 * 86400.0
_CRON_FIELD = re.compile(r"^[0-9*/,\-a-zA-Z]+$")


def parse_trigger(key: str, value: Any, *, allow_cron: bool, allow_interval: bool) -> TriggerSpec:
    """A TriggerSpec from a config value; ``ConfigError`` naming ``key`` when it is not one."""
    text = str(value).strip() if isinstance(value, str) else ""
    if text.lower() == "off":
        return TriggerSpec(TriggerKind.OFF, "off")
    kinds = " or ".join(
        word
        for word, allowed in (
            ("a 5-field cron expression like '0 9 * * *'", allow_cron),
            ("a duration like 30s, 15m or 6h", allow_interval),
        )
        if allowed
    )
    if allow_cron and len(text.split()) == 5:
        return TriggerSpec(TriggerKind.CRON, " ".join(_valid_cron(key, text).split()))
    if allow_interval and text:
        try:
            seconds = parse_duration(text)
        except ValueError:
            seconds = -1.0
        if seconds > 0:
            if not MIN_INTERVAL_S <= seconds <= MAX_INTERVAL_S:
                raise ConfigError(key, f"must be from 1s to 31d (got {value!r})")
            return TriggerSpec(TriggerKind.INTERVAL, text.lower(), seconds)
    raise ConfigError(key, f"must be {kinds}, or 'off' (got {value!r})")


def _valid_cron(key: str, text: str) -> str:
    fields = text.split()
    if not all(_CRON_FIELD.match(f) for f in fields):
        raise ConfigError(key, f"must be a 5-field cron expression like '0 9 * * *' (got {text!r})")
    try:
        cron_trigger(text, "UTC")
    except ValueError as exc:
        raise ConfigError(key, f"is not a valid cron expression: {exc} (got {text!r})") from None
    return text


@dataclass(frozen=True)
class ScheduleConfig:
    """Every job's trigger, the time zone they are read in, and how late a firing may run.

    ``misfire_grace_s``: a firing whose time passed at most this long ago (a replica was
    busy, or every replica was down) still runs once; later than that it is recorded as
    ``missed`` and never runs.
    """

    timezone: str = "Asia/Seoul"
    daily_report: TriggerSpec = DEFAULT_DAILY_REPORT
    source_checks: TriggerSpec = DEFAULT_SOURCE_CHECKS
    key_checks: TriggerSpec = DEFAULT_KEY_CHECKS
    sync: TriggerSpec = DEFAULT_SYNC
    escalations: TriggerSpec = DEFAULT_ESCALATIONS
    misfire_grace_s: float = 600.0

    def trigger_for(self, job_id: str) -> TriggerSpec:
        """The trigger of one of the five jobs; ``KeyError`` for any other id."""
        specs = {
            JobId.DAILY_REPORT: self.daily_report,
            JobId.SOURCE_CHECKS: self.source_checks,
            JobId.KEY_CHECKS: self.key_checks,
            JobId.SYNC: self.sync,
            JobId.ESCALATIONS: self.escalations,
        }
        return specs[JobId(job_id)]

    @classmethod
    def from_mapping(cls, section: Mapping[str, Any]) -> ScheduleConfig:
        """Read ``[schedule]``; a bad value raises ``ConfigError`` naming ``schedule.<key>``."""
        default = cls()

        def interval(name: str, fallback: TriggerSpec) -> TriggerSpec:
            raw = section.get(name, fallback.expression)
            return parse_trigger(f"schedule.{name}", raw, allow_cron=False, allow_interval=True)

        grace_raw = section.get("misfire_grace", "10m")
        try:
            grace = parse_duration(grace_raw) if isinstance(grace_raw, str) else -1.0
        except ValueError:
            grace = -1.0
        if not 1.0 <= grace <= 86400.0:
            raise ConfigError(
                "schedule.misfire_grace", f"must be a duration from 1s to 24h (got {grace_raw!r})"
            )
        return cls(
            timezone=as_timezone("schedule.timezone", section.get("timezone", default.timezone)),
            daily_report=parse_trigger(
                "schedule.daily_report",
                section.get("daily_report", default.daily_report.expression),
                allow_cron=True,
                allow_interval=False,
            ),
            source_checks=interval("source_checks", default.source_checks),
            key_checks=interval("key_checks", default.key_checks),
            sync=interval("sync", default.sync),
            escalations=interval("escalations", default.escalations),
            misfire_grace_s=grace,
        )
