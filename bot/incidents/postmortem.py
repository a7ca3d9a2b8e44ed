"""The postmortem draft of an incident, as Markdown, from the incident's own record.

Summary (severity, source, dedup key, alert count, first and last seen), the timeline in
time order with the time since opening ("+00:03:12"), the times to acknowledge and to
resolve (from the incident's row), the "what changed" lines kept in its timeline when it
opened, and empty headings (cause, impact, follow-ups) for people to fill. Plain text, no
Slack: the CLI prints it and Slack can post it. In English or Korean
(``bot.i18n.translator``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.i18n.translator import Translator, relative
from bot.incidents.changes import ChangeLine, change_from_json
from bot.incidents.model import (
    EscalationTarget,
    EventKind,
    Incident,
    IncidentEvent,
    Severity,
    State,
)
from bot.incidents.service import IncidentService

log = logging.getLogger(__name__)

# Timeline kinds that are not steps of the incident: audit lines and the kept changes.
NOT_STEPS = frozenset({EventKind.DENIED, EventKind.WHAT_CHANGED})



def severity_word(severity: Severity, t: Translator) -> str:
    """A severity in words ("critical" / "심각")."""
    words = {
        Severity.CRITICAL: t.pgettext("severity", "critical"),
        Severity.WARNING: t.pgettext("severity", "warning"),
        Severity.INFO: t.pgettext("severity", "info"),
    }
    return words[severity]


def state_word(state: State, t: Translator) -> str:
    """An incident state in words ("acknowledged" / "확인됨")."""
    words = {
        State.OPEN: t.pgettext("incident state", "open"),
        State.ACKNOWLEDGED: t.pgettext("incident state", "acknowledged"),
        State.RESOLVED: t.pgettext("incident state", "resolved"),
    }
    return words[state]


@dataclass(frozen=True)
class Postmortem:
    """What the draft is made of: the incident, its steps in time order, the kept changes
    (None: none were kept when it opened) and its timings."""

    incident: Incident
    steps: tuple[IncidentEvent, ...]
    changes: tuple[ChangeLine, ...] | None
    time_to_acknowledge_s: float | None
    time_to_resolve_s: float | None

    @property
    def escalations(self) -> int:
        """How many escalations the incident went through."""
        return sum(1 for e in self.steps if e.kind is EventKind.ESCALATED)


def build_postmortem(incident: Incident, timeline: Sequence[IncidentEvent]) -> Postmortem:
    """The draft's content from an incident and its timeline (any order)."""
    ordered = sorted(timeline, key=lambda e: (e.at, e.id))
    changes: tuple[ChangeLine, ...] | None = None
    for event in ordered:
        if event.kind is EventKind.WHAT_CHANGED:
            changes = _kept_changes(event)
    return Postmortem(
        incident=incident,
        steps=tuple(e for e in ordered if e.kind not in NOT_STEPS),
        changes=changes,
        time_to_acknowledge_s=incident.time_to_acknowledge_s,
        time_to_resolve_s=incident.time_to_resolve_s,
    )


def _kept_changes(event: IncidentEvent) -> tuple[ChangeLine, ...]:
    lines = []
    for item in event.detail.get("lines") or ():
        try:
            lines.append(change_from_json(item))
        except (KeyError, TypeError, ValueError):
            log.warning("incident %s: a kept change line is malformed", event.incident_id)
    return tuple(lines)


def one_line(value: object) -> str:
    """Someone else's text on one line (a title or a note cannot break the document)."""
    return " ".join(str(value).split())


def describe(event: IncidentEvent, t: Translator) -> str:
    """One timeline step in words."""
    detail = event.detail
    if event.kind is EventKind.OPENED:
        return t._("Opened")
    if event.kind is EventKind.ACKNOWLEDGED:
        return t._("Acknowledged")
    if event.kind is EventKind.RESOLVED:
        note = one_line(detail.get("note") or "")
        return t._("Resolved: %(note)s", note=note) if note else t._("Resolved")
    if event.kind is EventKind.PAGERDUTY_FAILED:
        return t._(
            "PagerDuty %(action)s failed: %(reason)s",
            action=one_line(detail.get("event_action", "")),
            reason=one_line(detail.get("reason", "")),
        )
    if event.kind is EventKind.ESCALATED:
        return _escalation(detail, t)
    return one_line(event.kind.value)


def _escalation(detail: dict[str, object], t: Translator) -> str:
    target = str(detail.get("target", ""))
    raw_users = detail.get("users")
    users = ", ".join(str(u) for u in raw_users) if isinstance(raw_users, list) else ""
    if target == EscalationTarget.LEVEL3.value:
        what = t._("Escalated to Level 3 (vendor support)")
    elif target == EscalationTarget.BACKUP.value:
        what = t._("Escalated to Level 2: paged the backup")
    else:
        what = t._("Escalated to Level 2: paged the primary")
    if users:
        what += " (" + users + ")"
    if detail.get("auto"):
        what = t._("%(what)s, automatically: nobody had acknowledged", what=what)
    return what


def postmortem_markdown(draft: Postmortem, t: Translator) -> str:
    """The draft as Markdown in ``t``'s language and time zone."""
    incident = draft.incident
    never = t._("not yet")
    tta = draft.time_to_acknowledge_s
    ttr = draft.time_to_resolve_s
    out = [
        t._(
            "# Postmortem draft: incident #%(id)s, %(title)s",
            id=incident.id,
            title=one_line(incident.title),
        ),
        "",
        t._("## Summary"),
        "",
        t._("- Severity: %(severity)s", severity=severity_word(incident.severity, t)),
        t._("- Source: %(source)s", source=one_line(incident.source)),
        t._("- Dedup key: `%(key)s`", key=one_line(incident.dedup_key).replace("`", "'")),
        t._(
            "- Alerts: %(count)s, first seen %(first)s, last seen %(last)s",
            count=incident.count,
            first=t.datetime(incident.first_seen, seconds=True),
            last=t.datetime(incident.last_seen, seconds=True),
        ),
        t.ngettext(
            "- State: %(state)s, Level %(level)s, %(num)s escalation",
            "- State: %(state)s, Level %(level)s, %(num)s escalations",
            draft.escalations,
            state=state_word(incident.state, t),
            level=int(incident.level),
        ),
        t._(
            "- Opened: %(when)s by %(who)s",
            when=t.datetime(incident.opened_at, seconds=True),
            who=one_line(incident.opened_by),
        ),
        t._("- Time to acknowledge: %(took)s", took=t.duration(tta) if tta is not None else never),
        t._("- Time to resolve: %(took)s", took=t.duration(ttr) if ttr is not None else never),
    ]
    if incident.resolution_note:
        out.append(t._("- Resolution note: %(note)s", note=one_line(incident.resolution_note)))
    out += ["", t._("## Timeline (%(zone)s)", zone=t.timezone), ""]
    out += [_step_line(event, incident.opened_at, t) for event in draft.steps]
    out += ["", t._("## What changed in the 24 hours before it opened"), ""]
    out += _change_lines(draft.changes, t)
    todo = t._("_To be filled in._")
    out += ["", t._("## Cause"), "", todo, "", t._("## Impact"), "", todo]
    out += ["", t._("## Follow-ups"), "", "- [ ] " + todo, ""]
    return "\n".join(out)


def _step_line(event: IncidentEvent, opened_at: datetime, t: Translator) -> str:
    since = relative((event.at - opened_at).total_seconds())
    when = t.datetime(event.at, seconds=True)
    return t._(
        "- %(when)s (%(since)s) %(what)s, by %(who)s",
        when=when,
        since=since,
        what=describe(event, t),
        who=one_line(event.actor),
    )


def _change_lines(changes: tuple[ChangeLine, ...] | None, t: Translator) -> list[str]:
    if changes is None:
        return [t._("_Not recorded: the changes were not read when this incident opened._")]
    if not changes:
        return [t._("_Nothing changed that the bot knows of._")]
    return [
        t._(
            "- %(when)s, %(source)s: %(text)s",
            when=t.datetime(line.at),
            source=one_line(line.source),
            text=one_line(line.text),
        )
        for line in changes
    ]


async def draft_postmortem(service: IncidentService, incident_id: int, t: Translator) -> str:
    """The Markdown draft of one incident (raises ``IncidentNotFoundError``)."""
    incident = await service.get(incident_id)
    return postmortem_markdown(build_postmortem(incident, await service.timeline(incident_id)), t)
