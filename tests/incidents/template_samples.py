"""Render contexts for the incident templates (tests/slack/test_templates.py): ordinary,
hostile and overflowing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.health.incidents import HealthIncident
from bot.incidents import (
    Action,
    EventKind,
    IncidentEvent,
    Level,
    Refusal,
    Severity,
    State,
    TransitionResult,
)
from bot.incidents.support import SupportRequest, VendorSection
from bot.slack import incident_view
from tests.incidents.conftest import START
from tests.incidents.factories import incident_like

TZ = ZoneInfo("Asia/Seoul")
NOW = START + timedelta(minutes=7)
HOSTILE = "Ünïcödé ✓ 模型 — <!channel> & <https://evil|click> "
HUGE = HOSTILE * 4000


def _card(**over: Any) -> incident_view.IncidentCard:
    base = incident_like("db_down", over.pop("title", "Database unreachable"), **over)
    return incident_view.card(base, tz=TZ, now=NOW)


def _line(kind: EventKind, actor: str = "U0ALICE", **detail: Any) -> incident_view.LineView:
    event = IncidentEvent(1, 1, START, actor, kind, detail=detail, to_level=Level.L2)
    return incident_view.line(event, tz=TZ, now=NOW)


def _request(vendors: int, text: str) -> SupportRequest:
    return SupportRequest(
        incident_id=7,
        subject=f"[critical] {text} (AI Server Information)",
        summary=(f"Incident #7: {text}", "Severity critical."),
        timeline=tuple(f"2026-11-26 00:0{i % 10}:00 escalated — by {text}" for i in range(40)),
        vendors=tuple(
            VendorSection(f"Vendor {i} {text[:40]}", "degraded", text, "https://x", "a@b")
            for i in range(vendors)
        ),
    )


ACKED = {
    "state": State.ACKNOWLEDGED,
    "acknowledged_at": START,
    "acknowledged_by": "U0ALICE",
    "level": Level.L2,
    "escalated_at": START,
    "escalated_by": "system",
    "escalated_level": Level.L2,
}
RESOLVED = {**ACKED, "state": State.RESOLVED, "resolved_at": NOW, "resolved_by": "cli:bob"}
REFUSED = TransitionResult(
    False,
    incident_like("k", "t", **ACKED),
    refusal=Refusal.ALREADY_ACKNOWLEDGED,
    by="U0ALICE",
    at=START,
)
LATE = TransitionResult(
    False, incident_like("k", "t", **RESOLVED), refusal=Refusal.ALREADY_RESOLVED, by="cli:bob"
)

SAMPLES: dict[str, list[Callable[[], dict[str, Any]]]] = {
    "incident": [
        lambda: {"card": _card()},
        lambda: {"card": _card(**ACKED, details={"run": 12, "note": HOSTILE})},
        lambda: {"card": _card(**RESOLVED, resolution_note="check passed again")},
        lambda: {"card": _card(**{**RESOLVED, "resolved_by": None}, severity=Severity.INFO)},
        lambda: {"card": _card(severity=Severity.WARNING, acknowledged_by="alert:grafana",
                               acknowledged_at=START, state=State.ACKNOWLEDGED)},
        lambda: {"card": _card(title=HOSTILE * 3, details=HOSTILE * 30)},
    ],
    "incident_line": [
        lambda: {"line": _line(EventKind.ACKNOWLEDGED), "wait": "15 min"},
        lambda: {
            "line": _line(
                EventKind.ESCALATED,
                "system",
                target="primary",
                users=["U0P", "S0GROUP"],
                auto=True,
                last_automatic=False,
            ),
            "wait": "2 s",
        },
        lambda: {
            "line": _line(EventKind.ESCALATED, target="level3", users=[], auto=False),
            "wait": "15 min",
        },
        lambda: {"line": _line(EventKind.RESOLVED, "system", note=HOSTILE), "wait": "1 h"},
        lambda: {"line": _line(EventKind.RESOLVED, "cli:bob"), "wait": "1 h"},
        lambda: {
            "line": _line(
                EventKind.ESCALATED, "system", target="backup", users=[], auto=True,
                last_automatic=True,
            ),
            "wait": "15 min",
        },
        lambda: {
            "line": _line(EventKind.ESCALATED, target="primary", users=["U0P"], auto=False),
            "wait": "15 min",
        },
        lambda: {"line": _line(EventKind.ESCALATED, target=HOSTILE, users=[]), "wait": "1 h"},
        lambda: {"line": _line(EventKind.OPENED, "alert:alertmanager"), "wait": "1 h"},
        lambda: {"line": _line(EventKind.WHAT_CHANGED, ""), "wait": "1 h"},
        lambda: {
            "line": _line(EventKind.PAGERDUTY_FAILED, event_action="trigger", reason=HOSTILE),
            "wait": "1 h",
        },
    ],
    "incident_dm": [
        lambda: {"card": _card(), "target": "primary", "link": "https://slack.test/archives/C1"},
        lambda: {"card": _card(title=HOSTILE), "target": "backup", "link": ""},
    ],
    "incident_support": [
        lambda: {"request": _request(2, "Database unreachable")},
        lambda: {"request": _request(5, HOSTILE)},
    ],
    "incident_changes": [
        lambda: {"lines": []},
        lambda: {"lines": [("09:12", "sync runs", "sync #7 (all, by cron) applied: 3 added")]},
        lambda: {
            "lines": [
                ("09:12", source, "could not be read: no answer within 5 s")
                for source in ("key checks", "source checks", "checks", "what changed")
            ]
            + [("09:00", "vendor status pages", "could not be read"), ("08:00", "Vercel API", "x")]
        },
        lambda: {"lines": [("09:12", HOSTILE, HOSTILE)] * 5},
    ],
    "incident_refused": [
        lambda: {"refusal": incident_view.refusal(REFUSED, tz=TZ, now=NOW)},
        lambda: {"refusal": incident_view.refusal(LATE, tz=TZ, now=NOW)},
        lambda: {"refusal": incident_view.RefusalView("already resolved", "", "", 1, 2, "t")},
        lambda: {
            "refusal": incident_view.RefusalView("already acknowledged", "U0A", "", 1, 2, "t")
        },
        lambda: {
            "refusal": incident_view.RefusalView("already escalated", "U0ALICE", "09:41", 2, 3, "t")
        },
        lambda: {
            "refusal": incident_view.RefusalView("already escalated", "system", "", 3, 9, HOSTILE)
        },
    ],
    "health_incident": [
        lambda: {"opened": [], "channel": "#ai-monitoring"},
        lambda: {
            "opened": [
                HealthIncident("db", "/health: Database down", 12, Action.CREATED),
                HealthIncident(
                    "vendors", "/health: Vendor status pages degraded", 13, Action.UPDATED
                ),
            ],
            "channel": "#ai-monitoring",
        },
    ],
}

OVERFLOW: dict[str, tuple[Callable[[], dict[str, Any]], tuple[str, ...]]] = {
    "incident": (lambda: {"card": _card(title=HUGE, details=HUGE, source=HUGE)}, ("…",)),
    "incident_line": (
        lambda: {"line": _line(EventKind.RESOLVED, HUGE, note=HUGE), "wait": HUGE},
        ("…",),
    ),
    "incident_dm": (lambda: {"card": _card(title=HUGE), "target": HUGE, "link": ""}, ("…",)),
    "incident_support": (lambda: {"request": _request(200, HUGE)}, ("more vendors", "…")),
    "incident_changes": (
        lambda: {"lines": [("09:12", "sync runs", HOSTILE * 5)] * 400},
        ("more changes",),
    ),
    "incident_refused": (
        lambda: {"refusal": incident_view.RefusalView(HUGE, HUGE, HUGE, 2, 1, HUGE)},
        ("…",),
    ),
    "health_incident": (
        lambda: {
            "opened": [HealthIncident("db", HOSTILE * 3, i, Action.CREATED) for i in range(300)],
            "channel": "#ai-monitoring",
        },
        ("more incidents",),
    ),
}
