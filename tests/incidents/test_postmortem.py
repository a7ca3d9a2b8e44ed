"""The postmortem draft: a scripted incident (raise, acknowledge, escalate, resolve) gives its
timeline in order with the right durations, in English and in Korean, from its own record."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from bot.i18n.translator import Translator
from bot.incidents import EventKind, IncidentService, Level, RecordingNotifier
from bot.incidents.changes import ChangeLine
from bot.incidents.postmortem import build_postmortem, draft_postmortem, postmortem_markdown
from tests.incidents.conftest import START, FakeClock, ServiceFactory, alert, markdown_section

KEY = "db_down"


async def _changes(now: datetime) -> list[ChangeLine]:
    """What a what-changed reader finds at the incident's opening."""
    return [
        ChangeLine(now - timedelta(hours=1), "sync runs", "sync #7 (all, by schedule) applied"),
        ChangeLine(now - timedelta(hours=3), "Vercel", "deployment dpl_1 READY"),
    ]


async def _scripted(service: IncidentService, clock: FakeClock) -> int:
    """Raise, repeat, acknowledge after 3 min 12 s, escalate, resolve after 48 min 17 s."""
    opened = await service.raise_alert(alert(KEY, title="Database unreachable"), actor="alert:ci")
    assert opened.incident is not None
    incident_id = opened.incident.id
    clock.advance(60)
    await service.raise_alert(alert(KEY, title="Database unreachable"), actor="alert:ci")
    clock.advance(132)  # +00:03:12
    assert (await service.acknowledge(incident_id, actor="U0ALICE")).applied
    clock.advance(300)  # +00:08:12
    assert (await service.escalate(incident_id, level=Level.L2, actor="U0ALICE")).applied
    clock.advance(2405)  # +00:48:17
    resolved = await service.resolve(incident_id, actor="U0BOB", note="restarted\nthe pooler")
    assert resolved.applied
    return incident_id


@pytest.fixture
def seoul() -> dict[str, Translator]:
    """Both languages in the team's time zone."""
    return {lang: Translator(lang, timezone="Asia/Seoul") for lang in ("en", "ko")}


async def test_a_scripted_incident_gives_its_timeline_in_order_with_durations(
    make_service: ServiceFactory, clock: FakeClock, seoul: dict[str, Translator]
) -> None:
    """Opened, acknowledged (+3 min 12 s), escalated, resolved (+48 min 17 s), in that order."""
    service = make_service(what_changed=_changes)
    incident_id = await _scripted(service, clock)
    text = await draft_postmortem(service, incident_id, seoul["en"])
    assert text.startswith(f"# Postmortem draft: incident #{incident_id}, Database unreachable\n")
    timeline = [line for line in markdown_section(text, "## Timeline (Asia/Seoul)")]
    assert timeline == [
        "- 26 Nov 2026, 09:00:00 (+00:00:00) Opened, by alert:ci",
        "- 26 Nov 2026, 09:03:12 (+00:03:12) Acknowledged, by U0ALICE",
        "- 26 Nov 2026, 09:08:12 (+00:08:12) Escalated to Level 2: paged the primary (UPRIMARY),"
        " by U0ALICE",
        "- 26 Nov 2026, 09:48:17 (+00:48:17) Resolved: restarted the pooler, by U0BOB",
    ]
    summary = markdown_section(text, "## Summary")
    assert "- Severity: critical" in summary and "- Dedup key: `db_down`" in summary
    assert "- Alerts: 2, first seen 26 Nov 2026, 09:00:00, last seen 26 Nov 2026, 09:01:00" in (
        summary
    )
    assert "- State: resolved, Level 2, 1 escalation" in summary
    assert "- Time to acknowledge: 3 min 12 s" in summary
    assert "- Time to resolve: 48 min 17 s" in summary
    assert "- Resolution note: restarted the pooler" in summary
    assert markdown_section(text, "## What changed in the 24 hours before it opened") == [
        "- 26 Nov 2026, 08:00, sync runs: sync #7 (all, by schedule) applied",
        "- 26 Nov 2026, 06:00, Vercel: deployment dpl_1 READY",
    ]
    for heading in ("## Cause", "## Impact", "## Follow-ups"):
        assert markdown_section(text, heading)[0].endswith("_To be filled in._")


async def test_the_korean_draft_has_the_same_timeline_and_durations(
    make_service: ServiceFactory, clock: FakeClock, seoul: dict[str, Translator]
) -> None:
    """The same incident in Korean: Korean words, Korean dates, the same order and times."""
    service = make_service(what_changed=_changes)
    incident_id = await _scripted(service, clock)
    text = await draft_postmortem(service, incident_id, seoul["ko"])
    assert text.startswith(f"# 포스트모템 초안: 장애 #{incident_id}, Database unreachable\n")
    assert markdown_section(text, "## 타임라인 (Asia/Seoul)") == [
        "- 2026년 11월 26일 오전 9:00:00 (+00:00:00) 장애 열림 · alert:ci",
        "- 2026년 11월 26일 오전 9:03:12 (+00:03:12) 확인함 · U0ALICE",
        "- 2026년 11월 26일 오전 9:08:12 (+00:08:12) Level 2로 에스컬레이션: Primary 담당자 호출"
        " (UPRIMARY) · U0ALICE",
        "- 2026년 11월 26일 오전 9:48:17 (+00:48:17) 해결: restarted the pooler · U0BOB",
    ]
    summary = markdown_section(text, "## 요약")
    assert "- 확인까지 걸린 시간: 3분 12초" in summary
    assert "- 해결까지 걸린 시간: 48분 17초" in summary
    assert "- 상태: 해결됨, Level 2, 에스컬레이션 1회" in summary
    assert "- 심각도: 심각" in summary
    assert len(markdown_section(text, "## 열리기 전 24시간 동안의 변경 사항")) == 2
    assert markdown_section(text, "## 원인") == ["_작성 필요._"]


async def test_automatic_escalations_and_level_3_are_named(
    make_service: ServiceFactory, clock: FakeClock, seoul: dict[str, Translator]
) -> None:
    """A timer's escalation says nobody had acknowledged; Level 3 names vendor support."""
    service = make_service()
    opened = await service.raise_alert(alert(KEY), actor="system")
    assert opened.incident is not None
    clock.advance(61)
    assert len(await service.fire_due_timers(replica="r1")) == 1
    clock.advance(30)
    await service.escalate(opened.incident.id, level=Level.L3, actor="U0ALICE")
    clock.advance(9)
    await service.resolve(opened.incident.id, actor="U0ALICE")
    text = await draft_postmortem(service, opened.incident.id, seoul["en"])
    assert [
        line.split(") ", 1)[1] for line in markdown_section(text, "## Timeline (Asia/Seoul)")
    ] == [
        "Opened, by system",
        "Escalated to Level 2: paged the primary (UPRIMARY), automatically: nobody had"
        " acknowledged, by system",
        "Escalated to Level 3 (vendor support), by U0ALICE",
        "Resolved, by U0ALICE",
    ]
    assert "- Time to acknowledge: not yet" in text
    assert "- Time to resolve: 1 min 40 s" in text
    assert "- State: resolved, Level 3, 2 escalations" in text
    # No reader was configured: the draft says the changes were not recorded, not "none".
    assert markdown_section(text, "## What changed in the 24 hours before it opened") == [
        "_Not recorded: the changes were not read when this incident opened._"
    ]


async def test_the_timeline_is_put_in_time_order_and_keeps_text_on_one_line(
    make_service: ServiceFactory, clock: FakeClock, seoul: dict[str, Translator]
) -> None:
    """Events handed over in any order come out by time; a title's line breaks are flattened."""
    service = make_service(what_changed=_changes)
    incident_id = await _scripted(service, clock)
    incident = await service.get(incident_id)
    events = list(reversed(await service.timeline(incident_id)))
    draft = build_postmortem(replace(incident, title="Database\n## injected heading"), events)
    assert [e.at - START for e in draft.steps] == [
        timedelta(0),
        timedelta(seconds=192),
        timedelta(seconds=492),
        timedelta(seconds=2897),
    ]
    text = postmortem_markdown(draft, seoul["en"])
    assert "\n## injected" not in text and "Database ## injected heading" in text


async def test_the_changes_read_at_opening_are_kept_out_of_the_thread(
    make_service: ServiceFactory, notifier: RecordingNotifier, clock: FakeClock
) -> None:
    """The lines are kept once, as a what_changed timeline entry that is not a thread line."""
    service = make_service(what_changed=_changes)
    opened = await service.raise_alert(alert(KEY), actor="alert:ci")
    await service.raise_alert(alert(KEY), actor="alert:ci")
    assert opened.incident is not None
    kept = [
        e for e in await service.timeline(opened.incident.id) if e.kind is EventKind.WHAT_CHANGED
    ]
    assert len(kept) == 1 and not kept[0].thread and len(kept[0].detail["lines"]) == 2
    assert kept[0].at == START
    clock.advance(120)
    await service.deliver_pending(older_than_s=60)  # the outbox catch-up skips it too
    lines = [call.args["event"].kind for call in notifier.named("thread_line")]
    assert EventKind.WHAT_CHANGED not in lines
