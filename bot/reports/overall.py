"""The report's overall state and the reasons for it, from its sections.

Each reason is a ``Said``: English as a string, translated where the report is shown."""

from __future__ import annotations

from bot.i18n.said import Said, ngettext
from bot.i18n.translator import N_
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
            reason = ngettext(
                "%(num)s critical incident open", "%(num)s critical incidents open", critical
            )
            found.append(("down", reason))
        if warning:
            reason = ngettext(
                "%(num)s warning incident open", "%(num)s warning incidents open", warning
            )
            found.append(("degraded", reason))
    for key in report.keys.keys:
        if key.state == "failed":
            reason = Said(
                N_("%(provider)s key %(status)s"), provider=key.provider, status=key.status
            )
            found.append(("degraded", reason))
    for check in report.failing_checks:
        found.append(("degraded", check.title))
    failing_syncs = sum(n for outcome, n in report.syncs.outcomes if outcome in _FAILING_SYNCS)
    if failing_syncs:
        reason = Said(N_("%(num)s sync(s) failed or refused in 24 h"), num=failing_syncs)
        found.append(("degraded", reason))
    if report.models.total is not None and report.models.total.today == 0:
        found.append(("down", Said(N_("no active models"))))
    unknowns = report.unknowns()
    if unknowns:
        found.append(("unknown", Said(N_("%(num)s section(s) unknown"), num=len(unknowns))))
    if not found:
        return "ok", []
    found.sort(key=lambda item: -_ORDER[item[0]])
    return found[0][0], [reason for _, reason in found]
