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

from bot.config_values import as_timezone, parse_duration
from bot.errors import ConfigError
from bot.scheduling.triggers import TriggerKind, TriggerSpec, cron_trigger


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
