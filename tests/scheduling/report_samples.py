"""Daily reports for template tests: empty, normal, and very large with hostile text."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from bot.i18n.said import Said, ngettext
from bot.i18n.translator import N_
from bot.incidents import IncidentStats, Severity
from bot.reports import (
    DailyReport,
    DataQuality,
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
from bot.reports.builder import NO_SCHEDULE
from bot.slack.report_view import ReportLayout

NOW = datetime(2026, 11, 26, 0, 0, tzinfo=UTC)  # 09:00 in Seoul
DAY = date(2026, 11, 26)
HOSTILE = "Ünïcödé ✓ 模型 — <!channel> & <https://evil|click> *bold* `code` "
JOBS = ("daily_report", "source_checks", "key_checks", "sync", "escalations")


def _series(base: int, days: int = 14, gaps: tuple[int, ...] = ()) -> tuple[int | None, ...]:
    return tuple(None if n in gaps else base + (n * 7) % 5 for n in range(days))


def _stats(open_critical: int = 0, open_warning: int = 0) -> IncidentStats:
    return IncidentStats(
        opened=7,
        acknowledged=5,
        resolved=6,
        median_time_to_acknowledge_s=252.0,
        median_time_to_resolve_s=3725.0,
        open_by_severity={
            Severity.CRITICAL: open_critical,
            Severity.WARNING: open_warning,
            Severity.INFO: 0,
        },
    )


def _incident(n: int, title: str) -> OpenIncident:
    severity = "critical" if n % 3 == 0 else "warning"
    return OpenIncident(n, f"source:x{n}", title, severity, "open", 1 + n % 3, n + 1, NOW)


def _schedule() -> tuple[NextRun, ...]:
    return tuple(NextRun(job, "every 15m", NOW + timedelta(minutes=15), "ok", NOW) for job in JOBS)


def empty_report() -> DailyReport:
    """Nothing known at all: every section says why."""
    why = Said(N_("database unavailable (%(error)s)"), error="PoolTimeout")
    return DailyReport(
        generated_at=NOW,
        day=DAY,
        timezone="Asia/Seoul",
        overall="unknown",
        reasons=(Said(N_("%(num)s section(s) unknown"), num=6),),
        models=ModelCounts(unknown=why),
        syncs=SyncSummary(unknown=why),
        keys=KeyStates(unknown=why),
        incidents=IncidentSummary(unknown=why),
        quality=DataQuality(unknown=why),
        checks_unknown=why,
        schedule_unknown=NO_SCHEDULE,
    )


def normal_report() -> DailyReport:
    """A typical morning: five sources, a dozen providers, one key invalid, two open incidents."""
    providers = (
        "openai",
        "anthropic",
        "google",
        "meta",
        "mistral",
        "xai",
        "deepseek",
        "alibaba",
        "cohere",
        "ai21",
        "amazon",
        "nvidia",
    )
    return DailyReport(
        generated_at=NOW,
        day=DAY,
        timezone="Asia/Seoul",
        overall="down",
        reasons=(
            ngettext("%(num)s critical incident open", "%(num)s critical incidents open", 1),
            Said(N_("%(provider)s key %(status)s"), provider="openai", status="invalid"),
        ),
        models=ModelCounts(
            total=Trend("total", _series(270, gaps=(3,))),
            by_source=tuple(
                Trend(s, _series(40 + i))
                for i, s in enumerate(
                    ("aa_api", "provider_api", "github_backup", "defaults", "aa_page")
                )
            ),
            by_provider=tuple(Trend(p, _series(20 - i)) for i, p in enumerate(providers)),
            snapshot_at=NOW,
            days_known=13,
        ),
        syncs=SyncSummary(
            runs=4,
            outcomes=(("applied", 3), ("refused", 1)),
            by_source=(
                SourceSyncs("aa_api", 4, 4, 0, 0, 0, "ok", "276 models"),
                SourceSyncs("github_backup", 4, 3, 1, 0, 3, "failed", "HTTP 500"),
            ),
            added=3,
            updated=12,
            deactivated=1,
            last_started_at=NOW,
        ),
        keys=KeyStates(
            keys=(
                KeyState("openai", "failed", "invalid", "key rejected (HTTP 401)", NOW, False),
                KeyState("anthropic", "ok", "valid", "key valid (HTTP 200)", NOW, False),
                KeyState("replicate", "unknown", "rate_limited", "rate limited", NOW, True),
            )
        ),
        incidents=IncidentSummary(
            stats=_stats(1, 1),
            open=(_incident(3, "OpenAI key invalid"), _incident(4, "App health check failing")),
            open_total=2,
        ),
        quality=DataQuality(
            findings=(
                Finding(
                    "warning",
                    Said(
                        N_("%(source)s: placeholder data in sync #%(run)s (not used)"),
                        source="github_backup",
                        run=41,
                    ),
                ),
                Finding(
                    "ok",
                    Said(
                        N_("GitHub backup: %(detail)s"),
                        detail="backup 2 days old (updated 2026-11-24)",
                    ),
                ),
            ),
            backup_age_days=2,
        ),
        failing_checks=(FailingCheck("app:health", "App health check failing", "db down", NOW),),
        schedule=_schedule(),
    )


def huge_report() -> DailyReport:
    """500 providers, 100 open incidents, 60 sources, hostile and very long text everywhere."""
    long_text = HOSTILE * 40
    base = normal_report()
    return DailyReport(
        generated_at=NOW,
        day=DAY,
        timezone="Asia/Seoul",
        overall="down",
        reasons=tuple(f"{long_text} {n}" for n in range(60)),
        models=ModelCounts(
            total=Trend("total", _series(100_000)),
            by_source=tuple(Trend(f"{HOSTILE}{n}", _series(n, gaps=(n % 14,))) for n in range(60)),
            by_provider=tuple(
                Trend(f"{HOSTILE}provider-{n}", _series(1000 - n)) for n in range(500)
            ),
            snapshot_at=NOW,
            days_known=14,
        ),
        syncs=SyncSummary(
            runs=200,
            outcomes=tuple((f"{HOSTILE}{n}", n) for n in range(30)),
            by_source=tuple(
                SourceSyncs(f"{HOSTILE}{n}", 200, 100, 90, 10, 50, "failed", long_text)
                for n in range(80)
            ),
            added=10**6,
            updated=10**6,
            deactivated=10**6,
            capped=True,
        ),
        keys=KeyStates(
            keys=tuple(
                KeyState(f"{HOSTILE}{n}", "failed", "invalid", long_text, NOW, True)
                for n in range(40)
            )
        ),
        incidents=IncidentSummary(
            stats=_stats(60, 40),
            open=tuple(_incident(n, long_text) for n in range(100)),
            open_total=100,
        ),
        quality=DataQuality(
            unknown=long_text,
            findings=tuple(Finding("warning", long_text) for _ in range(50)),
        ),
        failing_checks=base.failing_checks * 50,
        schedule=tuple(NextRun(f"{HOSTILE}{n}", long_text, NOW, long_text, NOW) for n in range(40)),
    )


def template_samples() -> list[Any]:
    """Render contexts for tests/test_templates.py: empty, normal and very large."""
    return [
        lambda make=make: {"layout": ReportLayout(make())}
        for make in (empty_report, normal_report, huge_report)
    ]
