"""Incidents as people read them: the words and local times the incident templates print.

Plain data for ``templates/incident*.json.j2`` (Slack) and the CLI alike; no Slack here.
Times are shown in ``schedule.timezone``: "09:41" today, "2026-11-25 09:41" before.

Languages: the fixed words (states, levels, why a press changed nothing) are catalog
message ids marked with ``N_`` and translated by the templates (``_(card.state_word)``);
the words naming who did something ("bob (aisi-bot CLI)") are made here in the render's
language (``t``: a ``bot.i18n.translator.Translator``, English when none is given).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.i18n.translator import N_, Translator, translator
from bot.incidents import Incident, IncidentEvent, Level, Refusal, State, TransitionResult

SEVERITY_ICON = {"critical": "🔴", "warning": "🟠", "info": "🔵"}
STATE_ICON = {"open": "🚨", "acknowledged": "👀", "resolved": "✅"}
STATE_WORD = {"open": N_("Open"), "acknowledged": N_("Acknowledged"), "resolved": N_("Resolved")}
LEVEL_WORDS = {
    Level.L1: N_("Level 1 (automatic alert)"),
    Level.L2: N_("Level 2 (dev team)"),
    Level.L3: N_("Level 3 (vendor support)"),
}
# English phrases kept for callers reading them; the template words each case itself.
REFUSAL_WORDS = {
    Refusal.ALREADY_ACKNOWLEDGED: "already acknowledged",
    Refusal.ALREADY_RESOLVED: "already resolved",
    Refusal.ALREADY_AT_LEVEL: "already escalated",
}


def when(at: datetime, tz: ZoneInfo, now: datetime) -> str:
    """``at`` in ``tz``: the time of day when it is today there, else the date and time."""
    local = at.astimezone(tz)
    if local.date() == now.astimezone(tz).date():
        return local.strftime("%H:%M")
    return local.strftime("%Y-%m-%d %H:%M")


def who(actor: str | None, t: Translator | None = None) -> str:
    """An actor as shown: a Slack id stays an id (templates mention it), the rest in words
    of ``t``'s language."""
    t = t or translator("en")
    if not actor:
        return t._("someone")
    if actor == "system":
        return "aisi-bot"
    kind, _, name = actor.partition(":")
    if kind == "alert" and name:
        # The sender's own word, quoted as data: never shown as (or mentioned like) a person.
        quoted = name.replace("`", "'")
        return t._("`%(name)s` (via /alerts)", name=quoted)
    if kind == "cli" and name:
        return t._("%(name)s (aisi-bot CLI)", name=name)
    return actor


def details_text(details: str | dict[str, object] | None) -> str:
    """An alert's details as one text (an object as compact JSON)."""
    if details is None:
        return ""
    if isinstance(details, str):
        return details
    return json.dumps(details, ensure_ascii=False, sort_keys=True)


@dataclass(frozen=True)
class IncidentCard:
    """What the incident message shows."""

    id: int
    title: str
    severity: str
    severity_icon: str
    state: str
    state_word: str
    state_icon: str
    level: int
    level_words: str
    count: int
    first_seen: str
    last_seen: str
    dedup_key: str
    source: str
    details: str
    acknowledged: tuple[str, str] | None  # (who, when)
    escalated: tuple[str, str, int] | None  # (who, when, level)
    resolved: tuple[str, str, str] | None  # (who, when, note)
    is_open: bool
    zone: str


def card(
    incident: Incident, *, tz: ZoneInfo, now: datetime, t: Translator | None = None
) -> IncidentCard:
    """The incident message's content (who did what in ``t``'s language)."""
    zone = now.astimezone(tz).tzname() or str(tz)
    acknowledged = escalated = resolved = None
    if incident.acknowledged_at is not None:
        acknowledged = (who(incident.acknowledged_by, t), when(incident.acknowledged_at, tz, now))
    if incident.escalated_at is not None and incident.escalated_level is not None:
        escalated = (
            who(incident.escalated_by, t),
            when(incident.escalated_at, tz, now),
            int(incident.escalated_level),
        )
    if incident.resolved_at is not None:
        resolved = (
            who(incident.resolved_by, t),
            when(incident.resolved_at, tz, now),
            incident.resolution_note or "",
        )
    return IncidentCard(
        id=incident.id,
        title=incident.title,
        severity=incident.severity.value,
        severity_icon=SEVERITY_ICON[incident.severity.value],
        state=incident.state.value,
        state_word=STATE_WORD[incident.state.value],
        state_icon=STATE_ICON[incident.state.value],
        level=int(incident.level),
        level_words=LEVEL_WORDS[incident.level],
        count=incident.count,
        first_seen=when(incident.first_seen, tz, now),
        last_seen=when(incident.last_seen, tz, now),
        dedup_key=incident.dedup_key,
        source=incident.source,
        details=details_text(incident.details),
        acknowledged=acknowledged,
        escalated=escalated,
        resolved=resolved,
        is_open=incident.state is not State.RESOLVED,
        zone=zone,
    )


@dataclass(frozen=True)
class LineView:
    """One timeline line: the event, who did it and when (local time)."""

    kind: str
    actor: str
    at: str
    detail: dict[str, object]
    to_level: int | None


def line(
    event: IncidentEvent, *, tz: ZoneInfo, now: datetime, t: Translator | None = None
) -> LineView:
    """A timeline event as the thread shows it (who in ``t``'s language)."""
    return LineView(
        kind=event.kind.value,
        actor=who(event.actor, t),
        at=when(event.at, tz, now),
        detail=dict(event.detail),
        to_level=int(event.to_level) if event.to_level is not None else None,
    )


@dataclass(frozen=True)
class RefusalView:
    """Why a press changed nothing: "already acknowledged by @x at 09:41"."""

    words: str
    by: str
    at: str
    level: int
    incident_id: int
    title: str


def refusal(
    result: TransitionResult, *, tz: ZoneInfo, now: datetime, t: Translator | None = None
) -> RefusalView:
    """The ephemeral answer to the press that lost (or came after the fact)."""
    reason = result.refusal or Refusal.ALREADY_RESOLVED
    return RefusalView(
        words=REFUSAL_WORDS[reason],
        by=who(result.by, t),
        at=when(result.at, tz, now) if result.at is not None else "",
        level=int(result.incident.level),
        incident_id=result.incident.id,
        title=result.incident.title,
    )
