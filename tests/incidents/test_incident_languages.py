"""The incident and recovery messages in each language: the buttons a message carries, the
words made outside the templates (who did it, what a step will do) in the render's language,
and the channel's language chosen by ``slack.language``."""

from __future__ import annotations

from typing import Any

import pytest

from bot.i18n.translator import SUPPORTED, translator
from bot.incidents import EventKind, IncidentEvent, State
from bot.recovery import CacheStep
from bot.slack import incident_view
from bot.slack.render import Renderer
from tests.incidents.conftest import START
from tests.incidents.factories import incident_like
from tests.incidents.template_samples import NOW, RESOLVED, TZ

FOUR = ["incident_ack", "incident_escalate_l2", "incident_escalate_l3", "incident_resolve"]


def _buttons(blocks: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    return [
        (e["action_id"], e["value"], e["text"]["text"])
        for b in blocks
        if b["type"] == "actions"
        for e in b["elements"]
    ]


@pytest.mark.parametrize("lang", SUPPORTED)
def test_an_open_incident_has_the_four_buttons_and_a_resolved_one_the_postmortem_draft(
    lang: str,
) -> None:
    """Open or acknowledged: the four buttons; resolved: only "Postmortem draft" (value: id)."""
    renderer = Renderer(timezone="Asia/Seoul")
    t = renderer.translator(lang)
    for state in (State.OPEN, State.ACKNOWLEDGED):
        incident = incident_like("db_down", "Database unreachable", id=41, state=state)
        card = incident_view.card(incident, tz=TZ, now=NOW, t=t)
        shown = _buttons(renderer.render("incident", lang=lang, card=card).blocks)
        assert [(a, v) for a, v, _ in shown] == [(a, "41") for a in FOUR]
    resolved = incident_like("db_down", "Database unreachable", id=41, **RESOLVED)
    card = incident_view.card(resolved, tz=TZ, now=NOW, t=t)
    message = renderer.render("incident", lang=lang, card=card)
    assert _buttons(message.blocks) == [
        ("incident_postmortem", "41", t._("Postmortem draft"))
    ]


def test_the_resolved_message_speaks_korean_end_to_end() -> None:
    """In Korean: the state, the level, who resolved it and the button are Korean words."""
    renderer = Renderer(timezone="Asia/Seoul")
    ko = renderer.translator("ko")
    resolved = incident_like("db_down", "Database unreachable", id=7, **RESOLVED)
    card = incident_view.card(resolved, tz=TZ, now=NOW, t=ko)
    assert card.resolved is not None and card.resolved[0] == "bob (aisi-bot CLI)"
    message = renderer.render("incident", lang="ko", card=card)
    shown = str(message.blocks)
    assert "*상태*" in shown and "Level 2 (개발팀)" in shown and "포스트모템 초안" in shown
    assert "bob (aisi-bot CLI)님이" in shown
    assert message.text.startswith("[심각] Database unreachable — ")
    english = renderer.render("incident", card=incident_view.card(resolved, tz=TZ, now=NOW))
    assert english.text.startswith("[critical] Database unreachable — Resolved, Level 2")


def test_who_did_it_is_said_in_the_language() -> None:
    """Actors that are no Slack user are named in the render's language."""
    ko, en = translator("ko"), translator("en")
    assert incident_view.who("alert:grafana", ko) == "`grafana`(/alerts 경유)"
    assert incident_view.who("alert:grafana", en) == "`grafana` (via /alerts)"
    assert incident_view.who("alert:U0OPS", en) == "`U0OPS` (via /alerts)"  # data, not a person
    assert (incident_view.who(None), incident_view.who(None, ko)) == ("someone", "누군가")
    assert incident_view.who("U0ALICE", ko) == "U0ALICE"


def test_a_refusal_and_a_timeline_line_in_korean() -> None:
    """The ephemeral refusal and a thread line read as Korean sentences around the values."""
    renderer = Renderer(timezone="Asia/Seoul")
    ko = renderer.translator("ko")
    view = incident_view.RefusalView("already acknowledged", "U0ALICE", "09:41", 1, 9, "t")
    refused = renderer.render("incident_refused", lang="ko", refusal=view)
    assert refused.text == (
        "장애 #9은(는) 이미 <@U0ALICE>님이 09:41에 확인했습니다. 아무것도 하지 않았습니다."
    )
    english = renderer.render("incident_refused", refusal=view)
    assert english.text == (
        "Incident #9 was already acknowledged by <@U0ALICE> at 09:41. Nothing was done."
    )
    line = incident_view.line(
        IncidentEvent(1, 9, START, "alert:grafana", EventKind.OPENED), tz=TZ, now=NOW, t=ko
    )
    opened = renderer.render("incident_line", lang="ko", line=line, wait="15분")
    assert opened.text == "🚨 `grafana`(/alerts 경유)님이 09:00에 생성"


def test_a_recovery_step_describes_itself_in_the_language() -> None:
    """What a step will do (the confirmation dialog) follows the dialog's language."""
    step = CacheStep(None, ["aisi:"])  # type: ignore[arg-type]  # describe() reads no Redis
    assert step.describe() == "keys under aisi: only; never FLUSHALL"
    korean = "aisi: 아래의 키만 지웁니다. FLUSHALL은 절대 쓰지 않습니다"
    assert step.describe(translator("ko")) == korean

