"""Each report section, read from stored data only, through bounded, indexed queries."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from bot.checks.model import CheckState, StoredCheck
from bot.i18n.said import Said, ngettext
from bot.i18n.translator import N_
from bot.incidents.service import IncidentService
from bot.reports.counts import DailyCounts, DailyCountStore
from bot.reports.model import (
    FailingCheck,
    Finding,
    IncidentSummary,
    KeyState,
    KeyStates,
    ModelCounts,
    NextRun,
    OpenIncident,
    SourceSyncs,
    SyncSummary,
    Trend,
)
from bot.scheduling.model import JobStatus
from bot.stores.db import Database

TREND_DAYS = 14
SYNC_RUNS_READ = 200
OPEN_INCIDENTS_READ = 200
BACKUP_AGE_CHECK = "source:github_backup:age"


def _trends(
    counts: DailyCounts, named: dict[str, dict[date, int]], days: list[date]
) -> list[Trend]:
    trends = [Trend(name, counts.series(values, days)) for name, values in named.items()]
    return sorted(trends, key=lambda t: (-(t.today or 0), -(t.yesterday or 0), t.name))


async def read_models(store: DailyCountStore, *, day: date) -> ModelCounts:
    """Active models today by source and provider, with 14-day trends from the daily table."""
    counts = await store.read(until=day, days=TREND_DAYS)
    days = [day - timedelta(days=n) for n in range(TREND_DAYS - 1, -1, -1)]
    if day not in counts.totals:
        return ModelCounts(unknown=Said(N_("no count of active models was taken today")))
    return ModelCounts(
        total=Trend("total", counts.series(counts.totals, days)),
        by_source=tuple(_trends(counts, counts.by_source, days)),
        by_provider=tuple(_trends(counts, counts.by_provider, days)),
        snapshot_at=counts.taken_at.get(day),
        days_known=len(counts.totals),
    )


def _diff_int(diff: dict[str, Any], key: str) -> int:
    value = diff.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


async def read_syncs(
    db: Database, *, start: datetime, end: datetime, timeout_s: float
) -> SyncSummary:
    """The syncs started in [start, end), newest first, at most SYNC_RUNS_READ of them."""
    async with db.connection(timeout_s) as conn:
        cur = await conn.execute(
            "SELECT outcome, started_at, sources, diff FROM chatops.sync_runs"
            " WHERE started_at >= %s AND started_at < %s AND NOT dry_run"
            " ORDER BY started_at DESC LIMIT %s",
            (start, end, SYNC_RUNS_READ + 1),
        )
        rows = await cur.fetchall()
    capped = len(rows) > SYNC_RUNS_READ
    rows = rows[:SYNC_RUNS_READ]
    outcomes: Counter[str] = Counter()
    per_source: dict[str, Counter[str]] = {}
    last: dict[str, tuple[str, str]] = {}
    added = updated = deactivated = 0
    for outcome, _, sources, diff in rows:
        outcomes[outcome] += 1
        if outcome == "applied" and isinstance(diff, dict):
            added += _diff_int(diff, "added")
            updated += _diff_int(diff, "updated")
            deactivated += _diff_int(diff, "deactivated")
        for item in sources if isinstance(sources, list) else []:
            if not isinstance(item, dict) or not isinstance(item.get("name"), str):
                continue
            name, status = item["name"], str(item.get("status", "unknown"))
            tally = per_source.setdefault(name, Counter())
            tally[status] += 1
            tally["placeholder"] += 1 if item.get("placeholder") else 0
            last.setdefault(name, (status, str(item.get("reason", ""))))
    by_source = tuple(
        SourceSyncs(
            name,
            sum(t[s] for s in ("ok", "failed", "skipped")),
            t["ok"],
            t["failed"],
            t["skipped"],
            t["placeholder"],
            *last[name],
        )
        for name, t in per_source.items()
    )
    return SyncSummary(
        runs=len(rows),
        outcomes=tuple(sorted(outcomes.items(), key=lambda item: (-item[1], item[0]))),
        by_source=by_source,
        added=added,
        updated=updated,
        deactivated=deactivated,
        last_started_at=rows[0][1] if rows else None,
        capped=capped,
    )


async def read_quality_from_sync(db: Database, *, timeout_s: float) -> list[Finding]:
    """Placeholder data and out-of-range values in the latest finished sync."""
    async with db.connection(timeout_s) as conn:
        cur = await conn.execute(
            "SELECT id, sources, diff FROM chatops.sync_runs"
            " WHERE finished_at IS NOT NULL ORDER BY started_at DESC LIMIT 1"
        )
        row = await cur.fetchone()
    if row is None:
        return [Finding("unknown", Said(N_("no sync has finished yet: data quality not checked")))]
    run_id, sources, diff = row
    findings = [
        Finding(
            "warning",
            Said(
                N_("%(source)s: placeholder data in sync #%(run)s (not used)"),
                source=item["name"],
                run=run_id,
            ),
        )
        for item in (sources if isinstance(sources, list) else [])
        if isinstance(item, dict) and item.get("placeholder") and isinstance(item.get("name"), str)
    ]
    violations = _diff_int(diff, "violations") if isinstance(diff, dict) else 0
    if violations:
        findings.append(
            Finding(
                "warning",
                ngettext(
                    "%(num)s out-of-range value dropped in sync #%(run)s",
                    "%(num)s out-of-range values dropped in sync #%(run)s",
                    violations,
                    run=run_id,
                ),
            )
        )
    if not findings:
        findings.append(
            Finding(
                "ok",
                Said(N_("sync #%(run)s: no placeholder data, no out-of-range values"), run=run_id),
            )
        )
    return findings


def split_checks(
    stored: Sequence[StoredCheck], *, now: datetime, key_stale_after_s: float
) -> tuple[KeyStates, tuple[FailingCheck, ...], list[Finding], int | None]:
    """(key states, failing checks, findings, backup age) from the checks' latest outcomes."""
    keys: list[KeyState] = []
    failing: list[FailingCheck] = []
    findings: list[Finding] = []
    backup_age: int | None = None
    for check in stored:
        if check.check_id.startswith("key:"):
            stale = (now - check.checked_at).total_seconds() > key_stale_after_s
            keys.append(
                KeyState(
                    check.check_id.removeprefix("key:"),
                    check.state.value,
                    check.status,
                    check.detail,
                    check.checked_at,
                    stale,
                )
            )
            continue
        if check.state is CheckState.FAILED:
            failing.append(
                FailingCheck(check.check_id, check.title, check.detail, check.changed_at)
            )
            if check.check_id.endswith(":placeholder"):
                findings.append(Finding("warning", f"{check.title}: {check.detail}"))
        if check.check_id == BACKUP_AGE_CHECK:
            age = check.facts.get("age_days")
            backup_age = age if isinstance(age, int) else None
            level = {CheckState.FAILED: "warning", CheckState.OK: "ok"}.get(check.state, "unknown")
            findings.append(
                Finding(level, Said(N_("GitHub backup: %(detail)s"), detail=check.detail))
            )
    if not any(c.check_id == BACKUP_AGE_CHECK for c in stored):
        findings.append(Finding("unknown", Said(N_("GitHub backup age: not checked yet"))))
    key_states = (
        KeyStates(keys=tuple(keys))
        if keys
        else KeyStates(unknown=Said(N_("no key check has run yet")))
    )
    return key_states, tuple(failing), findings, backup_age


async def read_incidents(
    incidents: IncidentService, *, start: datetime, end: datetime
) -> IncidentSummary:
    """Counts and medians over [start, end) and the incidents still open."""
    stats = await incidents.stats(start=start, end=end)
    still_open = await incidents.list_open(limit=OPEN_INCIDENTS_READ)
    shown = tuple(
        OpenIncident(
            i.id,
            i.dedup_key,
            i.title,
            i.severity.value,
            i.state.value,
            int(i.level),
            i.count,
            i.opened_at,
        )
        for i in still_open
    )
    return IncidentSummary(stats=stats, open=shown, open_total=sum(stats.open_by_severity.values()))


def schedule_rows(statuses: Sequence[JobStatus]) -> tuple[NextRun, ...]:
    """Each job's next firing and last outcome, for the report's last section."""
    return tuple(
        NextRun(
            s.job_id,
            s.trigger,
            s.next_run_at,
            s.last_run.outcome.value if s.last_run else None,
            s.last_run.scheduled_for if s.last_run else None,
        )
        for s in statuses
    )
