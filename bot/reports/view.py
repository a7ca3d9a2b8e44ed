"""The daily report laid out as text lines that fit Block Kit, for the template and the CLI.

Each section's text stays under ``SECTION_BUDGET`` characters *after* mrkdwn escaping (Slack
allows 3,000). Lines are never cut: what does not fit is summarised ("…and 37 more
providers"). Names and details are clipped to a bounded length so one line always fits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.reports.model import DailyReport, IncidentSummary, SyncSummary, Trend

SECTION_BUDGET = 2800
NAME_LIMIT = 40
DETAIL_LIMIT = 160
STATE_ICON = {"ok": "✅", "degraded": "⚠️", "down": "🔴", "unknown": "⚪"}
CHECK_ICON = {"ok": "✅", "failed": "🔴", "unknown": "⚪", "skipped": "⏭️"}
FINDING_ICON = {"ok": "✅", "warning": "⚠️", "unknown": "⚪"}
SEVERITY_ICON = {"critical": "🔴", "warning": "⚠️", "info": "ℹ️"}
LEGEND = "trends: the last 14 days, oldest first, scaled per row; · = no count that day"


@dataclass(frozen=True)
class ViewSection:
    """One section block: its text, already within the budget."""

    text: str


@dataclass(frozen=True)
class ReportView:
    """What ``templates/daily_report.json.j2`` prints: header, sections, footer, fallback."""

    header: str
    fallback: str
    sections: tuple[ViewSection, ...]
    footer: str


def escaped_length(text: str) -> int:
    """Length after mrkdwn escaping (& → &amp;, < → &lt;, > → &gt;)."""
    return len(text) + 4 * text.count("&") + 3 * (text.count("<") + text.count(">"))


def clip(text: object, limit: int) -> str:
    """One line of at most ``limit`` characters (a value, not a line of the message)."""
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def fit(
    title: str,
    items: Sequence[str],
    *,
    noun: str,
    head: Sequence[str] = (),
    hidden: int = 0,
    budget: int = SECTION_BUDGET,
) -> str:
    """The title, the ``head`` lines, then as many whole ``items`` as fit, then
    '…and N more <noun>' for the items left out (plus ``hidden`` ones never listed)."""
    lines = [title, *head]
    used = sum(escaped_length(line) + 1 for line in lines)
    total = len(items) + hidden
    for index, item in enumerate(items):
        left_after = total - index - 1
        reserve = escaped_length(f"…and {total} more {noun}") + 1 if left_after else 0
        cost = escaped_length(item) + 1
        if used + cost + reserve > budget:
            lines.append(f"…and {total - index} more {noun}")
            return "\n".join(lines)
        lines.append(item)
        used += cost
    if hidden:
        lines.append(f"…and {hidden} more {noun}")
    return "\n".join(lines)


def _signed(change: int | None) -> str:
    if change is None:
        return "no count yesterday"
    if change == 0:
        return "±0"
    return f"+{change}" if change > 0 else f"−{-change}"


def trend_line(trend: Trend) -> str:
    """'• openai: 45 (+1) ▁▂▃…' for one series."""
    today = "?" if trend.today is None else str(trend.today)
    name = clip(trend.name, NAME_LIMIT)
    return f"• {name}: {today} ({_signed(trend.change)}) {trend.sparkline}"


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    minutes, _ = divmod(whole, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"


def _unknown(why: str) -> list[str]:
    return [f"⚪ Unknown: {clip(why, DETAIL_LIMIT)}"]


class _Clock:
    """Formats times in the report's zone."""

    def __init__(self, timezone: str) -> None:
        self.zone = ZoneInfo(timezone)

    def at(self, moment: datetime | None) -> str:
        return moment.astimezone(self.zone).strftime("%Y-%m-%d %H:%M") if moment else "—"


def _models(report: DailyReport) -> list[ViewSection]:
    models = report.models
    if models.unknown or models.total is None:
        return [ViewSection(fit("*Active models*", _unknown(models.unknown), noun="lines"))]
    total = models.total
    since = "" if total.change is None else " since yesterday"
    head = [f"Total: {total.today} ({_signed(total.change)}{since}) {total.sparkline}"]
    if models.days_known < len(total.series):
        head.append(f"({models.days_known} of {len(total.series)} days counted)")
    by_source = [trend_line(t) for t in models.by_source]
    by_provider = [trend_line(t) for t in models.by_provider]
    return [
        ViewSection(
            fit("*Active models: total and by source*", by_source, noun="sources", head=head)
        ),
        ViewSection(fit("*Active models by provider*", by_provider or ["none"], noun="providers")),
    ]


def _syncs(syncs: SyncSummary) -> str:
    title = "*Syncs in the last 24 h*"
    if syncs.unknown:
        return fit(title, _unknown(syncs.unknown), noun="lines")
    if not syncs.runs:
        return fit(title, ["No sync ran in the last 24 h."], noun="lines")
    outcomes = ", ".join(f"{n} {clip(o, 20)}" for o, n in syncs.outcomes)
    capped = " (the newest)" if syncs.capped else ""
    head = [
        f"{syncs.runs} runs{capped}: {outcomes} · {syncs.added} added, {syncs.updated} updated,"
        f" {syncs.deactivated} deactivated"
    ]
    lines: list[str] = []
    for s in syncs.by_source:
        parts = [
            f"{n} {w}" for n, w in ((s.ok, "ok"), (s.failed, "failed"), (s.skipped, "skipped")) if n
        ]
        last = (
            "" if s.last_status == "ok" else f" (last: {clip(s.last_reason or s.last_status, 80)})"
        )
        flag = f" · ⚠️ placeholder data in {s.placeholder}" if s.placeholder else ""
        lines.append(f"• {clip(s.source, NAME_LIMIT)}: {', '.join(parts) or 'not run'}{last}{flag}")
    return fit(title, lines, noun="sources", head=head)


def _keys(report: DailyReport, clock: _Clock) -> str:
    title = "*Keys*"
    if report.keys.unknown:
        return fit(title, _unknown(report.keys.unknown), noun="keys")
    lines = []
    for key in report.keys.keys:
        stale = f" (stale: checked {clock.at(key.checked_at)})" if key.stale else ""
        detail = f" — {clip(key.detail, DETAIL_LIMIT)}" if key.state != "ok" else ""
        lines.append(
            f"{CHECK_ICON.get(key.state, '•')} {clip(key.provider, NAME_LIMIT)}:"
            f" {key.status or key.state}{detail}{stale}"
        )
    return fit(title, lines, noun="keys")


def _incidents(incidents: IncidentSummary, clock: _Clock) -> str:
    title = "*Incidents in the last 24 h*"
    if incidents.unknown or incidents.stats is None:
        return fit(title, _unknown(incidents.unknown), noun="lines")
    stats = incidents.stats
    severities = ", ".join(f"{n} {s}" for s, n in stats.open_by_severity.items() if n)
    head = [
        f"Opened {stats.opened} · acknowledged {stats.acknowledged} · resolved {stats.resolved}",
        f"Median time to acknowledge {_duration(stats.median_time_to_acknowledge_s)}"
        f" · to resolve {_duration(stats.median_time_to_resolve_s)}",
        f"Open now: {incidents.open_total}" + (f" ({severities})" if severities else ""),
    ]
    items = [
        f"{SEVERITY_ICON.get(i.severity, '•')} #{i.id} {clip(i.title, 80)} ({i.state},"
        f" L{i.level}, ×{i.count}, since {clock.at(i.opened_at)})"
        for i in incidents.open
    ]
    hidden = max(0, incidents.open_total - len(incidents.open))
    return fit(title, items, noun="open incidents", head=head, hidden=hidden)


def _quality(report: DailyReport) -> str:
    quality = report.quality
    lines = [
        f"{FINDING_ICON.get(f.level, '•')} {clip(f.text, DETAIL_LIMIT)}" for f in quality.findings
    ]
    if quality.unknown:
        lines += _unknown(quality.unknown)
    return fit("*Data quality*", lines or ["nothing checked yet"], noun="findings")


def _schedule(report: DailyReport, clock: _Clock) -> str:
    title = "*Next scheduled runs*"
    if report.schedule_unknown:
        return fit(title, _unknown(report.schedule_unknown), noun="jobs")
    lines = []
    for job in report.schedule:
        nxt = f"next {clock.at(job.next_run_at)}" if job.next_run_at else "not scheduled"
        last = (
            f" · last {job.last_outcome} ({clock.at(job.last_scheduled_for)})"
            if job.last_outcome
            else " · never ran"
        )
        lines.append(
            f"• {clip(job.job_id, NAME_LIMIT)} ({clip(job.trigger, 40)}): {nxt}{last}"
        )
    return fit(title, lines, noun="jobs")


def present(report: DailyReport) -> ReportView:
    """Lay the report out for one Slack message (and the CLI)."""
    clock = _Clock(report.timezone)
    word = report.overall.upper()
    icon = STATE_ICON.get(report.overall, "•")
    reasons = [f"• {clip(r, DETAIL_LIMIT)}" for r in report.reasons]
    unknowns = [f"⚪ Could not learn {clip(u, DETAIL_LIMIT)}" for u in report.unknowns()]
    overall = fit(f"{icon} *Overall: {word}*", reasons + unknowns, noun="reasons")
    sections = [
        ViewSection(overall),
        *_models(report),
        ViewSection(_syncs(report.syncs)),
        ViewSection(_keys(report, clock)),
        ViewSection(_incidents(report.incidents, clock)),
        ViewSection(_quality(report)),
        ViewSection(_schedule(report, clock)),
    ]
    first_reason = f" — {clip(report.reasons[0], 200)}" if report.reasons else ""
    return ReportView(
        header=clip(f"📊 Daily report — {report.day.isoformat()}", 150),
        fallback=f"Daily report {report.day.isoformat()}: {word}{first_reason}",
        sections=tuple(sections),
        footer=f"Generated {clock.at(report.generated_at)} ({report.timezone}) · {LEGEND}",
    )
