"""The daily report as plain data. Each section is either known or says why it is not
(``unknown``): the report never shows a guessed number."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any

from bot.i18n.translator import N_
from bot.incidents.model import IncidentStats
from bot.reports.sparkline import sparkline


@dataclass(frozen=True)
class Trend:
    """One series of daily active-model counts: 14 days ending today, oldest first.

    ``None`` marks a day without a snapshot (shown as a gap, never as zero).
    """

    name: str
    series: tuple[int | None, ...]

    @property
    def today(self) -> int | None:
        """Today's count (None: no snapshot today)."""
        return self.series[-1] if self.series else None

    @property
    def yesterday(self) -> int | None:
        """Yesterday's count (None: no snapshot yesterday)."""
        return self.series[-2] if len(self.series) > 1 else None

    @property
    def change(self) -> int | None:
        """Today minus yesterday (None when either is unknown)."""
        if self.today is None or self.yesterday is None:
            return None
        return self.today - self.yesterday

    @property
    def sparkline(self) -> str:
        """The 14 days as ▁▂▃▄▅▆▇█, scaled to this series; '·' for a day without a count."""
        return sparkline(self.series)


@dataclass(frozen=True)
class ModelCounts:
    """Active models: the total, by data source and by provider, each with its trend."""

    unknown: str = ""
    total: Trend | None = None
    by_source: tuple[Trend, ...] = ()
    by_provider: tuple[Trend, ...] = ()
    snapshot_at: datetime | None = None
    days_known: int = 0


@dataclass(frozen=True)
class SourceSyncs:
    """One source over the syncs of the last 24 h."""

    source: str
    runs: int
    ok: int
    failed: int
    skipped: int
    placeholder: int
    last_status: str
    last_reason: str


@dataclass(frozen=True)
class SyncSummary:
    """The syncs of the last 24 h: outcomes, per-source results, the rows they changed."""

    unknown: str = ""
    runs: int = 0
    outcomes: tuple[tuple[str, int], ...] = ()
    by_source: tuple[SourceSyncs, ...] = ()
    added: int = 0
    updated: int = 0
    deactivated: int = 0
    last_started_at: datetime | None = None
    capped: bool = False  # more runs than the report reads (the counts cover the newest)


@dataclass(frozen=True)
class KeyState:
    """One provider key as the last key check found it."""

    provider: str
    state: str  # ok | failed | unknown | skipped
    status: str  # valid | invalid | quota | missing | rate_limited | ...
    detail: str
    checked_at: datetime
    stale: bool  # the last check is older than the report trusts


@dataclass(frozen=True)
class KeyStates:
    """Every key checked so far."""

    unknown: str = ""
    keys: tuple[KeyState, ...] = ()


@dataclass(frozen=True)
class OpenIncident:
    """An incident still open (or acknowledged)."""

    id: int
    dedup_key: str
    title: str
    severity: str
    state: str
    level: int
    count: int
    opened_at: datetime


@dataclass(frozen=True)
class IncidentSummary:
    """Incidents opened, acknowledged, resolved in the last 24 h, and those still open."""

    unknown: str = ""
    stats: IncidentStats | None = None
    open: tuple[OpenIncident, ...] = ()
    open_total: int = 0


@dataclass(frozen=True)
class Finding:
    """One data-quality finding: ``warning``, ``ok`` or ``unknown``, and what it is."""

    level: str
    text: str


@dataclass(frozen=True)
class DataQuality:
    """Placeholder data, out-of-range values, the GitHub backup's age."""

    unknown: str = ""
    findings: tuple[Finding, ...] = ()
    backup_age_days: int | None = None


@dataclass(frozen=True)
class FailingCheck:
    """A source or app check whose last outcome failed."""

    check_id: str
    title: str
    detail: str
    since: datetime


@dataclass(frozen=True)
class NextRun:
    """A scheduled job: its next firing and how its last one ended."""

    job_id: str
    trigger: str
    next_run_at: datetime | None
    last_outcome: str | None
    last_scheduled_for: datetime | None


@dataclass(frozen=True)
class DailyReport:
    """Everything the daily report shows, for the template, the CLI and ``--json``."""

    generated_at: datetime
    day: date
    timezone: str
    overall: str  # ok | degraded | down | unknown
    reasons: tuple[str, ...]
    models: ModelCounts
    syncs: SyncSummary
    keys: KeyStates
    incidents: IncidentSummary
    quality: DataQuality
    failing_checks: tuple[FailingCheck, ...] = ()
    checks_unknown: str = ""
    schedule: tuple[NextRun, ...] = ()
    schedule_unknown: str = ""

    def unknown_sections(self) -> list[tuple[str, str]]:
        """(section, why) for every section the report could not learn; the section's name
        is a catalog message id, ``why`` a ``Said`` or data."""
        named = (
            (N_("active models"), self.models.unknown),
            (N_("syncs"), self.syncs.unknown),
            (N_("keys"), self.keys.unknown),
            (N_("incidents"), self.incidents.unknown),
            (N_("data quality"), self.quality.unknown),
            (N_("checks"), self.checks_unknown),
            (N_("schedule"), self.schedule_unknown),
        )
        return [(name, why) for name, why in named if why]

    def unknowns(self) -> list[str]:
        """'section: why' for every section the report could not learn (English)."""
        return [f"{name}: {why}" for name, why in self.unknown_sections()]

    def as_json(self) -> dict[str, Any]:
        """JSON-able view (``aisi-bot report --json``): dates as ISO text, enums as values."""
        data: dict[str, Any] = _plain(self)
        data["unknowns"] = self.unknowns()
        return data


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        data = {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
        if isinstance(value, Trend):
            data.update(today=value.today, change=value.change, sparkline=value.sparkline)
        return data
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {str(_plain(k)): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
