"""The daily report built from stored data: daily counts, sync runs, check outcomes,
incidents; what it cannot learn it says, with the database down too."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import psycopg

from bot.checks import CheckResult, CheckResultStore, CheckState
from bot.incidents import AlertInput, AlertStatus, IncidentService, Severity
from bot.reports import ReportBuilder
from bot.scheduling import ScheduleConfig, job_statuses
from bot.stores.db import Database
from tests.incidents.conftest import FakeClock

SEOUL = "Asia/Seoul"


async def seed_models(database_url: str, counts: dict[tuple[str, str], int]) -> None:
    """Replace public.models with ``count`` active rows per (data source, provider)."""
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
        await conn.execute("TRUNCATE public.change_logs, public.models, public.providers CASCADE")
        providers = sorted({p for _, p in counts})
        for provider in providers:
            await conn.execute(
                "INSERT INTO public.providers (id, slug, name) VALUES (%s, %s, %s)",
                (f"prov_{provider}", provider, provider.title()),
            )
        n = 0
        for (source, provider), count in counts.items():
            for _ in range(count):
                n += 1
                await conn.execute(
                    "INSERT INTO public.models (id, provider_id, slug, name, data_source)"
                    " VALUES (%s, %s, %s, %s, %s)",
                    (f"mdl_{n}", f"prov_{provider}", f"model-{n}", f"Model {n}", source),
                )


async def seed_sync_run(
    database_url: str,
    *,
    started: datetime,
    outcome: str,
    sources: list[dict[str, object]],
    diff: dict[str, object],
) -> int:
    """One finished row of chatops.sync_runs."""
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
        cur = await conn.execute(
            "INSERT INTO chatops.sync_runs (trigger, scope, started_at, finished_at, sources,"
            " diff, outcome) VALUES ('schedule:sync', 'all', %s, %s, %s, %s, %s) RETURNING id",
            (
                started,
                started + timedelta(seconds=9),
                json.dumps(sources),
                json.dumps(diff),
                outcome,
            ),
        )
        row = await cur.fetchone()
    assert row is not None
    return int(row[0])


def builder(db: Database, incidents: IncidentService, clock: FakeClock) -> ReportBuilder:
    """The report builder on the test database, in Seoul time."""
    return ReportBuilder(db, incidents=incidents, timezone=SEOUL, clock=clock)


async def test_a_fresh_install_reports_what_it_does_not_know(
    db: Database, incidents: IncidentService, clock: FakeClock
) -> None:
    """Nothing stored yet: no counts, no syncs, no key checks, no backup age; no made-up numbers."""
    report = await builder(db, incidents, clock).build()
    assert report.models.unknown == "no count of active models was taken today"
    assert report.keys.unknown == "no key check has run yet"
    assert report.syncs.runs == 0 and report.syncs.unknown == ""
    texts = [f.text for f in report.quality.findings]
    assert texts == [
        "no sync has finished yet: data quality not checked",
        "GitHub backup age: not checked yet",
    ]
    assert report.overall == "unknown"
    assert report.schedule_unknown == "the scheduler's state was not given"


async def test_counts_by_source_and_provider_with_change_and_trend(
    db: Database, incidents: IncidentService, clock: FakeClock, database_url: str
) -> None:
    """Three days counted (one missing): today's counts, change since yesterday, gaps as '·'."""
    build = builder(db, incidents, clock)
    await seed_models(database_url, {("aa_api", "openai"): 5, ("aa_api", "google"): 3})
    await build.snapshot_counts()  # 2026-11-26 in Seoul
    clock.advance(2 * 86400)
    await seed_models(database_url, {("aa_api", "openai"): 6, ("provider_api", "anthropic"): 2})
    await build.snapshot_counts()
    clock.advance(86400)
    await seed_models(
        database_url,
        {("aa_api", "openai"): 4, ("provider_api", "anthropic"): 2, ("github_backup", "meta"): 1},
    )
    await build.snapshot_counts()
    await build.snapshot_counts()  # idempotent
    report = await build.build()
    models = report.models
    assert models.total is not None
    assert models.total.series[-4:] == (8, None, 8, 7)
    assert (models.total.today, models.total.change) == (7, -1)
    assert models.total.sparkline.endswith("█·█▁")
    by_source = {t.name: (t.today, t.change) for t in models.by_source}
    assert by_source == {"aa_api": (4, -2), "provider_api": (2, 0), "github_backup": (1, 1)}
    by_provider = {t.name: t.series[-4:] for t in models.by_provider}
    assert by_provider["google"] == (3, None, 0, 0)  # gone: zero on counted days, never a guess
    assert [t.name for t in models.by_provider] == ["openai", "anthropic", "meta", "google"]
    assert models.days_known == 3


async def test_syncs_of_the_last_24_hours_per_source(
    db: Database, incidents: IncidentService, clock: FakeClock, database_url: str
) -> None:
    """Outcomes, per-source results and the rows changed; older runs are left out."""
    now = clock()
    ok = {"name": "aa_api", "status": "ok", "reason": "276 models", "placeholder": False}
    backup = {"name": "github_backup", "status": "ok", "reason": "275 models", "placeholder": True}
    down = {"name": "github_backup", "status": "failed", "reason": "HTTP 500", "placeholder": False}
    await seed_sync_run(
        database_url,
        started=now - timedelta(hours=30),
        outcome="applied",
        sources=[ok],
        diff={"added": 99},
    )
    await seed_sync_run(
        database_url,
        started=now - timedelta(hours=12),
        outcome="applied",
        sources=[ok, backup],
        diff={"added": 2, "updated": 5, "deactivated": 1},
    )
    last = await seed_sync_run(
        database_url,
        started=now - timedelta(hours=6),
        outcome="refused",
        sources=[ok, down],
        diff={"violations": 3},
    )
    report = await builder(db, incidents, clock).build()
    syncs = report.syncs
    assert (syncs.runs, syncs.outcomes) == (2, (("applied", 1), ("refused", 1)))
    assert (syncs.added, syncs.updated, syncs.deactivated) == (2, 5, 1)
    by_source = {s.source: s for s in syncs.by_source}
    assert (by_source["aa_api"].ok, by_source["aa_api"].runs) == (2, 2)
    gh = by_source["github_backup"]
    assert (gh.ok, gh.failed, gh.placeholder, gh.last_reason) == (1, 1, 1, "HTTP 500")
    assert f"3 out-of-range values dropped in sync #{last}" in [
        f.text for f in report.quality.findings
    ]
    assert report.overall == "degraded" and "1 sync(s) failed or refused in 24 h" in report.reasons


async def test_keys_checks_and_backup_age_come_from_the_latest_check_outcomes(
    db: Database, incidents: IncidentService, clock: FakeClock
) -> None:
    """Key states (stale when old), failing checks and the backup's age, as stored by checks."""
    store = CheckResultStore(db)
    await store.save(
        [CheckResult("key:openai", CheckState.OK, "t", "key valid (HTTP 200)", "valid")],
        now=clock() - timedelta(hours=5),
    )
    await store.save(
        [
            CheckResult(
                "key:anthropic",
                CheckState.FAILED,
                "Anthropic key invalid",
                "key rejected (HTTP 401)",
                "invalid",
            ),
            CheckResult(
                "source:github_backup:age",
                CheckState.FAILED,
                "old",
                "backup 67 days old (updated 2026-09-20)",
                "stale",
                facts={"age_days": 67},
            ),
            CheckResult(
                "source:aa_api:placeholder",
                CheckState.FAILED,
                "Source aa_api serves placeholder data",
                "275 of 275 models have speed 100 and prices 5/10",
                "placeholder",
            ),
        ],
        now=clock(),
    )
    report = await builder(db, incidents, clock).build()
    keys = {k.provider: (k.status, k.stale) for k in report.keys.keys}
    assert keys == {"openai": ("valid", True), "anthropic": ("invalid", False)}
    assert report.quality.backup_age_days == 67
    texts = [f.text for f in report.quality.findings]
    assert "GitHub backup: backup 67 days old (updated 2026-09-20)" in texts
    assert (
        "Source aa_api serves placeholder data: 275 of 275 models have speed 100 and prices 5/10"
    ) in texts
    assert [c.check_id for c in report.failing_checks] == [
        "source:aa_api:placeholder",
        "source:github_backup:age",
    ]
    assert "anthropic key invalid" in report.reasons


async def test_incidents_opened_acknowledged_resolved_with_medians(
    db: Database, incidents: IncidentService, clock: FakeClock
) -> None:
    """Two incidents in the window: counts, median times, the one still open; overall down."""

    def alert(key: str) -> AlertInput:
        return AlertInput(key, f"{key} failing", Severity.CRITICAL, "test", AlertStatus.FIRING)

    first = (await incidents.raise_alert(alert("a"), actor="system")).incident
    second = (await incidents.raise_alert(alert("b"), actor="system")).incident
    assert first is not None and second is not None
    clock.advance(120)
    await incidents.acknowledge(first.id, actor="UONCALL")
    clock.advance(240)
    await incidents.resolve(first.id, actor="UONCALL")
    await incidents.acknowledge(second.id, actor="UONCALL")
    report = await builder(db, incidents, clock).build()
    stats = report.incidents.stats
    assert stats is not None
    assert (stats.opened, stats.acknowledged, stats.resolved) == (2, 2, 1)
    assert stats.median_time_to_acknowledge_s == 240.0 and stats.median_time_to_resolve_s == 360.0
    assert [(i.dedup_key, i.state) for i in report.incidents.open] == [("b", "acknowledged")]
    assert report.overall == "down" and report.reasons[0] == "1 critical incident open"


async def test_next_runs_come_from_the_schedule(
    db: Database, incidents: IncidentService, clock: FakeClock
) -> None:
    """Given the jobs' statuses, the report lists each job's next firing and last outcome."""
    config = ScheduleConfig()
    statuses = await job_statuses(db, config=config, now=clock())
    report = await builder(db, incidents, clock).build(schedule=statuses)
    rows = {r.job_id: r for r in report.schedule}
    assert list(rows) == ["daily_report", "source_checks", "key_checks", "sync", "escalations"]
    assert rows["daily_report"].next_run_at == datetime(2026, 11, 26, 0, 0, tzinfo=UTC)
    assert rows["sync"].next_run_at == datetime(2026, 11, 26, 3, 0, tzinfo=UTC)  # 12:00 KST
    assert rows["sync"].last_outcome is None


async def test_with_the_database_down_every_section_says_so(
    incidents: IncidentService, clock: FakeClock
) -> None:
    """No database: the report still builds, each section naming the failure."""
    down = Database("postgresql://postgres@127.0.0.1:9/none", connect_timeout_s=1)
    await down.open()
    try:
        from bot.incidents import EscalationPolicy, RecordingNotifier

        service = IncidentService(
            down, policy=EscalationPolicy(), notifier=RecordingNotifier(), db_timeout_s=1
        )
        report = await ReportBuilder(
            down, incidents=service, timezone=SEOUL, clock=clock, timeout_s=1
        ).build()
    finally:
        await down.close()
    assert report.overall == "unknown"
    assert report.models.unknown == "database unavailable (PoolTimeout)"
    assert report.incidents.unknown == "database unavailable (PoolTimeout)"
    assert report.keys.unknown == report.checks_unknown == "database unavailable (PoolTimeout)"
    assert len(report.unknowns()) == 7


async def test_the_snapshot_keeps_400_days_of_counts(
    db: Database, incidents: IncidentService, clock: FakeClock, database_url: str
) -> None:
    """A day older than 400 days is dropped by the next snapshot; the table stays small."""
    build = builder(db, incidents, clock)
    today = build.today()
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
        for age in (401, 399):
            await conn.execute(
                "INSERT INTO chatops.daily_model_counts VALUES (%s, '*', '*', 5, now())",
                (today - timedelta(days=age),),
            )
    assert await build.snapshot_counts() == 0
    async with await psycopg.AsyncConnection.connect(database_url) as conn:
        cur = await conn.execute("SELECT day FROM chatops.daily_model_counts ORDER BY day")
        days = [row[0] for row in await cur.fetchall()]
    assert days == [today - timedelta(days=399), today]
