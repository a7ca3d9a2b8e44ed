"""The Level 3 vendor support request, as plain data ready to render or paste into an email."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.health.probes.base import ProbeResult
from bot.health.probes.vendors import GROUP as VENDOR_GROUP
from bot.incidents.model import EventKind, Incident, IncidentEvent

# Words in an incident that point at a vendor, besides the vendor's own name.
_KEYWORDS: dict[str, tuple[str, ...]] = {
    "vercel": ("vercel", "deploy", "deployment", "app", "redeploy"),
    "neon": ("neon", "database", "db", "postgres", "postgresql"),
    "openai": ("openai", "gpt"),
    "anthropic": ("anthropic", "claude"),
    "google cloud": ("google", "gemini", "gcp"),
}
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class VendorContact:
    """A vendor from config: its status page people open and how to reach its support."""

    name: str
    page_url: str
    contact: str
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class VendorStatus:
    """A vendor's status-page state as the health probes saw it (ok/degraded/down/unknown)."""

    name: str
    state: str
    detail: str


@dataclass(frozen=True)
class VendorSection:
    """One vendor in a support request: current state, status page and contact."""

    name: str
    state: str
    detail: str
    page_url: str
    contact: str


@dataclass(frozen=True)
class SupportRequest:
    """A ready-to-send vendor support request: subject, summary, timeline, vendors."""

    incident_id: int
    subject: str
    summary: tuple[str, ...]
    timeline: tuple[str, ...]
    vendors: tuple[VendorSection, ...]


def vendor_contacts(status_pages: Iterable[object]) -> list[VendorContact]:
    """Vendor contacts from the ``[[status_pages]]`` config entries (name, page_url, contact)."""
    return [
        VendorContact(
            name=str(getattr(page, "name", "")),
            page_url=str(getattr(page, "page_url", "")),
            contact=str(getattr(page, "contact", "")),
        )
        for page in status_pages
    ]


def vendor_statuses(results: Iterable[ProbeResult]) -> list[VendorStatus]:
    """Vendor states from the health probes' vendor results."""
    return [
        VendorStatus(r.name, r.state.value, r.detail) for r in results if r.group == VENDOR_GROUP
    ]


def _words(incident: Incident) -> set[str]:
    details = incident.details
    text = " ".join(
        [
            incident.dedup_key,
            incident.title,
            incident.source,
            details if isinstance(details, str) else json.dumps(details or {}),
        ]
    )
    return set(_WORD.findall(text.lower()))


def relevant_vendors(
    incident: Incident, contacts: Sequence[VendorContact], statuses: Sequence[VendorStatus]
) -> list[VendorContact]:
    """Vendors the incident names (or hints at), plus any whose status page is not OK.

    When none is relevant, every vendor is listed: the engineer picks.
    """
    words = _words(incident)
    troubled = {s.name for s in statuses if s.state in ("degraded", "down")}
    chosen = []
    for contact in contacts:
        keys = contact.keywords or _KEYWORDS.get(contact.name.lower(), ())
        names = set(_WORD.findall(contact.name.lower()))
        if contact.name in troubled or names <= words or words & set(keys):
            chosen.append(contact)
    return chosen or list(contacts)


def timeline_line(event: IncidentEvent) -> str:
    """One timeline entry as plain text: time, what happened, who."""
    at = event.at.strftime("%Y-%m-%d %H:%M:%S")
    detail = event.detail
    if event.kind is EventKind.ESCALATED:
        target = detail.get("target", "")
        what = (
            "escalated to Level 3 (vendor support)"
            if target == "level3"
            else (f"escalated to Level 2 {target}")
        )
        users = detail.get("users") or []
        if users:
            what += " (" + ", ".join(str(u) for u in users) + ")"
        if detail.get("auto"):
            what += ", nobody had acknowledged"
    elif event.kind is EventKind.RESOLVED and detail.get("note"):
        what = f"resolved: {detail['note']}"
    elif event.kind is EventKind.PAGERDUTY_FAILED:
        what = f"PagerDuty {detail.get('event_action', '')} failed: {detail.get('reason', '')}"
    else:
        what = event.kind.value
    return f"{at} {what} — by {event.actor}"


def build_support_request(
    incident: Incident,
    *,
    timeline: Sequence[IncidentEvent],
    contacts: Sequence[VendorContact],
    statuses: Sequence[VendorStatus],
    now: datetime,
) -> SupportRequest:
    """Assemble the request from the incident, its timeline and the vendors' current states."""
    state_by_name = {s.name: s for s in statuses}
    sections = []
    for contact in relevant_vendors(incident, contacts, statuses):
        status = state_by_name.get(contact.name)
        sections.append(
            VendorSection(
                name=contact.name,
                state=status.state if status else "unknown",
                detail=status.detail if status else "the bot has no status-page reading",
                page_url=contact.page_url,
                contact=contact.contact,
            )
        )
    open_for = now - incident.opened_at
    minutes = int(open_for.total_seconds() // 60)
    summary = (
        f"Incident #{incident.id}: {incident.title}",
        f"Severity {incident.severity.value}, reported by {incident.source}, key"
        f" {incident.dedup_key}.",
        f"Open since {incident.opened_at:%Y-%m-%d %H:%M} UTC ({minutes} min), seen"
        f" {incident.count} time(s), last at {incident.last_seen:%Y-%m-%d %H:%M} UTC.",
        f"Current state: {incident.state.value}, Level {int(incident.level)}.",
    )
    return SupportRequest(
        incident_id=incident.id,
        subject=f"[{incident.severity.value}] {incident.title} (AI Server Information)",
        summary=summary,
        timeline=tuple(timeline_line(e) for e in timeline if e.thread),
        vendors=tuple(sections),
    )
