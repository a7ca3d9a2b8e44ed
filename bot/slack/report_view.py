"""The daily report laid out as text lines that fit Block Kit, for the template and the CLI.

Each section's text stays under ``SECTION_BUDGET`` characters *after* mrkdwn escaping (Slack
allows 3,000). Lines are never cut: what does not fit is summarised ("…and 37 more
providers"). Names and details are clipped to a bounded length so one line always fits.

The words are the render's language: ``present`` takes a ``Translator``; the template gets a
``ReportLayout`` and lays it out with the render's own (``layout.view(translator)``). Names
and details from the stores are data and stay as they are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.i18n.said import shown
from bot.i18n.translator import DEFAULT_LANGUAGE, N_, Translator, translator
from bot.reports.model import DailyReport, OpenIncident, SourceSyncs, Trend
from bot.slack.blockkit import SECTION_TEXT, Tags, Texts
from bot.slack.fit import fit_lines

# The report is plain text: no value in it carries a filter's tag or a mention mark.
PLAIN = Texts(Tags("\x00report-m", "\x00report-p", "\x00report-@"))
NAME_LIMIT = 40
DETAIL_LIMIT = 160
STATE_ICON = {"ok": "✅", "degraded": "⚠️", "down": "🔴", "unknown": "⚪"}
CHECK_ICON = {"ok": "✅", "failed": "🔴", "unknown": "⚪", "skipped": "⏭️"}
FINDING_ICON = {"ok": "✅", "warning": "⚠️", "unknown": "⚪"}
SEVERITY_ICON = {"critical": "🔴", "warning": "⚠️", "info": "ℹ️"}
LEGEND = N_("trends: the last 14 days, oldest first, scaled per row; · = no count that day")
# The overall state in the header line, as a word of the language.
OVERALL_WORD = {
    "ok": N_("OK"),
    "degraded": N_("DEGRADED"),
    "down": N_("DOWN"),
    "unknown": N_("UNKNOWN"),
}


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


@dataclass(frozen=True)
class ReportLayout:
    """A report for ``templates/daily_report.json.j2``, laid out there in the render's
    language."""

    report: DailyReport

    def view(self, translator: Translator) -> ReportView:
        """The report laid out in ``translator``'s language."""
        return present(self.report, translator)


def clip(text: object, limit: int) -> str:
    """One line of at most ``limit`` characters (a value, not a line of the message)."""
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def english() -> Translator:
    """The default language (English: the message ids as they are)."""
    return translator(DEFAULT_LANGUAGE)


def fit(
    title: str,
    items: Sequence[str],
    *,
    noun: str,
    head: Sequence[str] = (),
    hidden: int = 0,
    translator: Translator | None = None,
) -> str:
    """The title, the ``head`` lines, then as many whole ``items`` as fit in one section
    (Block Kit's count, after mrkdwn escaping), then '…and N more <noun>' for the items left
    out (plus ``hidden`` ones never listed); that line in ``translator``'s language
    (``noun`` already is). The one fitting rule of every template: ``fit_lines``."""
    return fit_lines(
        PLAIN,
        items,
        noun,
        limit=SECTION_TEXT,
        head="\n".join([title, *head]),
        total=len(items) + hidden,
        translator=translator or english(),
    )


def _signed(change: int | None, t: Translator) -> str:
    if change is None:
        return t._("no count yesterday")
    if change == 0:
        return "±0"
    return f"+{change}" if change > 0 else f"−{-change}"


def trend_line(trend: Trend, translator: Translator | None = None) -> str:
    """'• openai: 45 (+1) ▁▂▃…' for one series."""
    t = translator or english()
    today = "?" if trend.today is None else str(trend.today)
    name = clip(trend.name, NAME_LIMIT)
    return f"• {name}: {today} ({_signed(trend.change, t)}) {trend.sparkline}"


def _duration(seconds: float | None, t: Translator) -> str:
    if seconds is None:
        return "—"
    whole = round(seconds)
    if whole < 60:
        return t._("%(n)s s", n=whole)
    minutes, _ = divmod(whole, 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        padded = str(minutes).zfill(2)
        return t._("%(hours)s h %(minutes)s min", hours=hours, minutes=padded)
    return t._("%(n)s min", n=minutes)


class _View:
    """Lays one report out in one language; times in the report's zone."""

    def __init__(self, report: DailyReport, t: Translator) -> None:
        self.report = report
        self.t = t
        self.zone = ZoneInfo(report.timezone)

    def at(self, moment: datetime | None) -> str:
        return moment.astimezone(self.zone).strftime("%Y-%m-%d %H:%M") if moment else "—"

    def fit(
        self,
        title: str,
        items: Sequence[str],
        noun: str,
        *,
        head: Sequence[str] = (),
        hidden: int = 0,
    ) -> str:
        t = self.t
        return fit(title, items, noun=t._(noun), head=head, hidden=hidden, translator=t)

    def unknown(self, why: str) -> list[str]:
        return ["⚪ " + self.t._("Unknown: %(why)s", why=clip(shown(why, self.t), DETAIL_LIMIT))]

    def title(self, words: str) -> str:
        return "*" + self.t._(words) + "*"

    # ---- sections --------------------------------------------------------------------------
    def models(self) -> list[ViewSection]:
        t, models = self.t, self.report.models
        if models.unknown or models.total is None:
            text = self.fit(
                self.title(N_("Active models")), self.unknown(models.unknown), N_("lines")
            )
            return [ViewSection(text)]
        total = models.total
        change = _signed(total.change, t)
        if total.change is None:
            line = t._(
                "Total: %(today)s (%(change)s) %(trend)s",
                today=total.today,
                change=change,
                trend=total.sparkline,
            )
        else:
            line = t._(
                "Total: %(today)s (%(change)s since yesterday) %(trend)s",
                today=total.today,
                change=change,
                trend=total.sparkline,
            )
        head = [line]
        if models.days_known < len(total.series):
            head.append(
                t._(
                    "(%(known)s of %(days)s days counted)",
                    known=models.days_known,
                    days=len(total.series),
                )
            )
        by_source = [trend_line(x, t) for x in models.by_source]
        by_provider = [trend_line(x, t) for x in models.by_provider]
        return [
            ViewSection(
                self.fit(
                    self.title(N_("Active models: total and by source")),
                    by_source,
                    N_("sources"),
                    head=head,
                )
            ),
            ViewSection(
                self.fit(
                    self.title(N_("Active models by provider")),
                    by_provider or [t._("none")],
                    N_("providers"),
                )
            ),
        ]

    def syncs(self) -> str:
        t, syncs = self.t, self.report.syncs
        title = self.title(N_("Syncs in the last 24 h"))
        if syncs.unknown:
            return self.fit(title, self.unknown(syncs.unknown), N_("lines"))
        if not syncs.runs:
            return self.fit(title, [t._("No sync ran in the last 24 h.")], N_("lines"))
        outcomes = ", ".join(self.count(n, self.outcome(o)) for o, n in syncs.outcomes)
        values = {
            "runs": syncs.runs,
            "outcomes": outcomes,
            "added": syncs.added,
            "updated": syncs.updated,
            "deactivated": syncs.deactivated,
        }
        if syncs.capped:
            line = t._(
                "%(runs)s runs (the newest): %(outcomes)s · %(added)s added,"
                " %(updated)s updated, %(deactivated)s deactivated",
                **values,
            )
        else:
            line = t._(
                "%(runs)s runs: %(outcomes)s · %(added)s added, %(updated)s updated,"
                " %(deactivated)s deactivated",
                **values,
            )
        lines = [self.source_line(s) for s in syncs.by_source]
        return self.fit(title, lines, N_("sources"), head=[line])

    def count(self, num: int, what: str) -> str:
        """ "3 applied", "1 critical": a number of things of a kind."""
        return self.t._("%(num)s %(what)s", num=num, what=what)

    def outcome(self, word: str) -> str:
        """A sync outcome ("applied", "refused") in the language; an unknown one as it is."""
        said = OUTCOME_WORDS.get(word)
        return self.t._(said) if said else clip(word, 20)

    def source_line(self, s: SourceSyncs) -> str:
        t = self.t
        counts = (
            (s.ok, N_("%(n)s ok")),
            (s.failed, N_("%(n)s failed")),
            (s.skipped, N_("%(n)s skipped")),
        )
        parts = ", ".join(t._(form, n=n) for n, form in counts if n) or t._("not run")
        line = f"• {clip(s.source, NAME_LIMIT)}: {parts}"
        if s.last_status != "ok":
            line += " " + t._("(last: %(why)s)", why=clip(s.last_reason or s.last_status, 80))
        if s.placeholder:
            line += " · ⚠️ " + t._("placeholder data in %(n)s", n=s.placeholder)
        return line

    def keys(self) -> str:
        t, keys = self.t, self.report.keys
        title = self.title(N_("Keys"))
        if keys.unknown:
            return self.fit(title, self.unknown(keys.unknown), N_("keys"))
        lines = []
        for key in keys.keys:
            line = f"{CHECK_ICON.get(key.state, '•')} {clip(key.provider, NAME_LIMIT)}:"
            line += f" {key.status or key.state}"
            if key.state != "ok":
                line += f" — {clip(key.detail, DETAIL_LIMIT)}"
            if key.stale:
                line += " " + t._("(stale: checked %(when)s)", when=self.at(key.checked_at))
            lines.append(line)
        return self.fit(title, lines, N_("keys"))

    def incidents(self) -> str:
        t, incidents = self.t, self.report.incidents
        title = self.title(N_("Incidents in the last 24 h"))
        if incidents.unknown or incidents.stats is None:
            return self.fit(title, self.unknown(incidents.unknown), N_("lines"))
        stats = incidents.stats
        severities = ", ".join(
            self.count(n, t.pgettext("severity", str(s)))
            for s, n in stats.open_by_severity.items()
            if n
        )
        head = [
            t._(
                "Opened %(opened)s · acknowledged %(acknowledged)s · resolved %(resolved)s",
                opened=stats.opened,
                acknowledged=stats.acknowledged,
                resolved=stats.resolved,
            ),
            t._(
                "Median time to acknowledge %(ack)s · to resolve %(resolve)s",
                ack=_duration(stats.median_time_to_acknowledge_s, t),
                resolve=_duration(stats.median_time_to_resolve_s, t),
            ),
            t._(
                "Open now: %(num)s (%(severities)s)",
                num=incidents.open_total,
                severities=severities,
            )
            if severities
            else t._("Open now: %(num)s", num=incidents.open_total),
        ]
        items = [self.incident_line(i) for i in incidents.open]
        hidden = max(0, incidents.open_total - len(incidents.open))
        return self.fit(title, items, N_("open incidents"), head=head, hidden=hidden)

    def incident_line(self, i: OpenIncident) -> str:
        t = self.t
        state = t.pgettext("incident state", i.state) if i.state in INCIDENT_STATES else i.state
        about = t._(
            "(%(state)s, L%(level)s, ×%(count)s, since %(when)s)",
            state=state,
            level=i.level,
            count=i.count,
            when=self.at(i.opened_at),
        )
        return f"{SEVERITY_ICON.get(i.severity, '•')} #{i.id} {clip(i.title, 80)} {about}"

    def quality(self) -> str:
        quality = self.report.quality
        lines = [
            f"{FINDING_ICON.get(f.level, '•')} {clip(shown(f.text, self.t), DETAIL_LIMIT)}"
            for f in quality.findings
        ]
        if quality.unknown:
            lines += self.unknown(quality.unknown)
        items = lines or [self.t._("nothing checked yet")]
        return self.fit(self.title(N_("Data quality")), items, N_("findings"))

    def schedule(self) -> str:
        t, report = self.t, self.report
        title = self.title(N_("Next scheduled runs"))
        if report.schedule_unknown:
            return self.fit(title, self.unknown(report.schedule_unknown), N_("jobs"))
        lines = []
        for job in report.schedule:
            if job.next_run_at:
                nxt = t._("next %(when)s", when=self.at(job.next_run_at))
            else:
                nxt = t._("not scheduled")
            if job.last_outcome:
                last = t._(
                    "last %(outcome)s (%(when)s)",
                    outcome=job.last_outcome,
                    when=self.at(job.last_scheduled_for),
                )
            else:
                last = t._("never ran")
            name = f"{clip(job.job_id, NAME_LIMIT)} ({clip(job.trigger, 40)})"
            lines.append(f"• {name}: {nxt} · {last}")
        return self.fit(title, lines, N_("jobs"))

    def overall(self) -> str:
        t, report = self.t, self.report
        word = t._(OVERALL_WORD.get(report.overall, N_("UNKNOWN")))
        icon = STATE_ICON.get(report.overall, "•")
        reasons = [f"• {clip(shown(r, t), DETAIL_LIMIT)}" for r in report.reasons]
        unknowns = [
            "⚪ "
            + t._(
                "Could not learn %(what)s: %(why)s",
                what=t._(name),
                why=clip(shown(why, t), DETAIL_LIMIT),
            )
            for name, why in report.unknown_sections()
        ]
        title = f"{icon} *" + t._("Overall: %(state)s", state=word) + "*"
        return self.fit(title, reasons + unknowns, N_("reasons"))


# Sync outcomes as the report names them.
OUTCOME_WORDS = {
    "applied": N_("applied"),
    "refused": N_("refused"),
    "failed": N_("failed"),
    "interrupted": N_("interrupted"),
    "nothing_to_do": N_("nothing_to_do"),
    "busy": N_("busy"),
}
INCIDENT_STATES = frozenset({"open", "acknowledged", "resolved"})


def present(report: DailyReport, translator: Translator | None = None) -> ReportView:
    """Lay the report out for one Slack message (and the CLI), in ``translator``'s language
    (English without one)."""
    t = translator or english()
    view = _View(report, t)
    word = t._(OVERALL_WORD.get(report.overall, N_("UNKNOWN")))
    sections = [
        ViewSection(view.overall()),
        *view.models(),
        ViewSection(view.syncs()),
        ViewSection(view.keys()),
        ViewSection(view.incidents()),
        ViewSection(view.quality()),
        ViewSection(view.schedule()),
    ]
    day = report.day.isoformat()
    if report.reasons:
        fallback = t._(
            "Daily report %(day)s: %(state)s — %(reason)s",
            day=day,
            state=word,
            reason=clip(shown(report.reasons[0], t), 200),
        )
    else:
        fallback = t._("Daily report %(day)s: %(state)s", day=day, state=word)
    return ReportView(
        header=clip("📊 " + t._("Daily report — %(day)s", day=day), 150),
        fallback=fallback,
        sections=tuple(sections),
        footer=t._(
            "Generated %(when)s (%(zone)s) · %(legend)s",
            when=view.at(report.generated_at),
            zone=report.timezone,
            legend=t._(LEGEND),
        ),
    )
