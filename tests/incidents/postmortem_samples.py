"""Render contexts for the ``postmortem`` template (tests/slack/test_templates.py): a real
draft, one full of hostile text, an unknown incident, and a draft too long for Slack."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from bot.i18n.translator import Translator
from bot.incidents import EventKind, IncidentEvent, Level, State
from bot.incidents.postmortem import build_postmortem, postmortem_markdown
from bot.slack.postmortem_view import missing_view, postmortem_view
from tests.incidents.conftest import START
from tests.incidents.factories import incident_like

HOSTILE = "Ünïcödé ✓ 模型 — <!channel> & <https://evil|click> ``` "


def _draft(title: str, note: str, steps: int = 4) -> str:
    incident = incident_like(
        "db_down",
        title,
        id=42,
        state=State.RESOLVED,
        level=Level.L2,
        acknowledged_at=START + timedelta(seconds=192),
        acknowledged_by="U0ALICE",
        resolved_at=START + timedelta(seconds=2897),
        resolved_by="U0BOB",
        resolution_note=note,
    )
    kinds = [EventKind.OPENED, EventKind.ACKNOWLEDGED, EventKind.ESCALATED, EventKind.RESOLVED]
    events = [
        IncidentEvent(i + 1, 42, START + timedelta(seconds=i * 60), "U0ALICE",
                      kinds[min(i, 3)], detail={"target": "primary", "users": ["U0P"],
                                                "note": note})
        for i in range(steps)
    ]
    return postmortem_markdown(build_postmortem(incident, events), Translator("en"))


SAMPLES: dict[str, list[Callable[[], dict[str, Any]]]] = {
    "postmortem": [
        lambda: {"view": postmortem_view(42, _draft("Database unreachable", "restarted"))},
        lambda: {"view": postmortem_view(42, _draft(HOSTILE * 3, HOSTILE * 20, steps=30))},
        lambda: {"view": missing_view(99)},
    ],
}

OVERFLOW: dict[str, tuple[Callable[[], dict[str, Any]], tuple[str, ...]]] = {
    "postmortem": (
        lambda: {"view": postmortem_view(42, _draft(HOSTILE * 3, HOSTILE * 40, steps=2000))},
        ("aisi-bot incidents postmortem 42", "…"),
    ),
}
