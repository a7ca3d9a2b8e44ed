"""The report's overall state and the reasons for it, from its sections."""

from __future__ import annotations

from bot.reports.model import DailyReport

_ORDER = {"ok": 0, "unknown": 1, "degraded": 2, "down": 3}
_FAILING_SYNCS = ("failed", "refused")


def overall_state(report: DailyReport) -> tuple[str, list[str]]:
    """('down' | 'degraded' | 'unknown' | 'ok', the reasons, worst first)."""
    found: list[tuple[str, str]] = []
    incidents = report.incidents
    if incidents.stats is not None:
        by_severity = {str(k): v for k, v in incidents.stats.open_by_severity.items()}
        critical, warning = by_severity.get("critical", 0), by_severity.get("warning", 0)
        if critical:
            found.append(("down", f"{critical} critical incident{'s' * (critical > 1)} open"))
        if warning:
            found.append(("degraded", f"{warning} warning incident{'s' * (warning > 1)} open"))
    for key in report.keys.keys:
        if key.state == "failed":
            found.append(("degraded", f"{key.provider} key {key.status}"))
    for check in report.failing_checks:
        found.append(("degraded", check.title))
    failing_syncs = sum(n for outcome, n in report.syncs.outcomes if outcome in _FAILING_SYNCS)
    if failing_syncs:
        found.append(("degraded", f"{failing_syncs} sync(s) failed or refused in 24 h"))
    if report.models.total is not None and report.models.total.today == 0:
        found.append(("down", "no active models"))
    unknowns = report.unknowns()
    if unknowns:
        found.append(("unknown", f"{len(unknowns)} section(s) unknown"))
    if not found:
        return "ok", []
    found.sort(key=lambda item: -_ORDER[item[0]])
    return found[0][0], [reason for _, reason in found]
