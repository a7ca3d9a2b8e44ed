"""The daily report's template: empty, normal and very large inputs stay within Block Kit's
limits, overflow is summarised in whole lines, and Slack (the local server) accepts it."""

from __future__ import annotations

import html
import json
from collections.abc import Callable

import pytest
from slack_sdk.models.blocks import Block
from slack_sdk.web.async_client import AsyncWebClient

from bot.reports import DailyReport, sparkline
from bot.slack.blockkit import SECTION_TEXT
from bot.slack.render import Message, Renderer
from bot.slack.report_view import ReportLayout, fit, present, trend_line
from local_slack.server import LocalSlack
from local_slack.validation import validate_blocks
from tests.conftest import BOT_TOKEN
from tests.scheduling.report_samples import HOSTILE, empty_report, huge_report, normal_report

REPORTS: dict[str, Callable[[], DailyReport]] = {
    "empty": empty_report,
    "normal": normal_report,
    "huge": huge_report,
}


def render(report: DailyReport) -> Message:
    """The report as the job posts it."""
    return Renderer().render("daily_report", layout=ReportLayout(report))


def section_texts(message: Message) -> list[str]:
    """The mrkdwn text of every section block, unescaped."""
    return [html.unescape(b["text"]["text"]) for b in message.blocks if b["type"] == "section"]


@pytest.mark.parametrize("name", list(REPORTS))
def test_the_report_breaks_no_block_kit_limit(name: str) -> None:
    """Every block parses with slack_sdk and validates; at most 50 blocks, 3,000 per section."""
    message = render(REPORTS[name]())
    assert validate_blocks(message.blocks, limit=50) == []
    for block in message.blocks:
        parsed = Block.parse(block)
        assert parsed is not None
        parsed.validate_json()
    assert len(message.blocks) <= 50
    assert all(len(b["text"]["text"]) <= 3000 for b in message.blocks if b["type"] == "section")
    assert message.blocks[0]["type"] == "header" and len(message.blocks[0]["text"]["text"]) <= 150


def test_overflow_is_summarised_in_whole_lines() -> None:
    """500 providers and 100 open incidents: '…and N more', and no line is cut in the middle."""
    report = huge_report()
    view = present(report)
    texts = [s.text for s in view.sections]
    providers = next(t for t in texts if t.startswith("*Active models by provider*"))
    shown = providers.splitlines()[1:-1]
    more = providers.splitlines()[-1]
    assert more == f"…and {500 - len(shown)} more providers" and 10 < len(shown) < 500
    assert shown == [trend_line(t) for t in report.models.by_provider[: len(shown)]]
    incidents = next(t for t in texts if t.startswith("*Incidents in the last 24 h*"))
    listed = [line for line in incidents.splitlines() if line.startswith(("🔴", "⚠️"))]
    assert incidents.splitlines()[-1] == f"…and {100 - len(listed)} more open incidents"
    assert all(line.endswith(")") for line in listed)


def test_hostile_text_cannot_mention_or_link() -> None:
    """<!channel> and <url|label> in names and titles arrive escaped."""
    message = render(huge_report())
    raw = str(message.blocks) + message.text
    assert "<!channel>" not in raw and "<https://evil|click>" not in raw
    assert "&lt;!channel&gt;" in raw
    assert HOSTILE.strip()[:10] in html.unescape(raw)


def test_the_normal_report_says_what_an_engineer_needs() -> None:
    """State, counts with change and trend, syncs, keys, incidents, quality, next runs."""
    texts = "\n".join(section_texts(render(normal_report())))
    for expected in (
        "🔴 *Overall: DOWN*",
        "• 1 critical incident open",
        "Total: 271 (−3 since yesterday) ▁▅█·▆▁▅█▃▆▁▅█▃",
        "(13 of 14 days counted)",
        "• aa_api: ",
        "4 runs: 3 applied, 1 refused · 3 added, 12 updated, 1 deactivated",
        "• github_backup: 3 ok, 1 failed (last: HTTP 500) · ⚠️ placeholder data in 3",
        "🔴 openai: invalid — key rejected (HTTP 401)",
        "⚪ replicate: rate_limited — rate limited (stale: checked 2026-11-26 09:00)",
        "Median time to acknowledge 4 min · to resolve 1 h 02 min",
        "Open now: 2 (1 critical, 1 warning)",
        "⚠️ github_backup: placeholder data in sync #41 (not used)",
        "• daily_report (every 15m): next 2026-11-26 09:15 · last ok (2026-11-26 09:00)",
    ):
        assert expected in texts, expected


def test_the_report_is_written_in_the_channel_language() -> None:
    """In Korean every word the report decides is Korean (the reasons, the unknowns, the
    section titles, durations); names and details from the stores stay as they are."""
    korean = Renderer().render("daily_report", lang="ko", layout=ReportLayout(normal_report()))
    assert korean.blocks[0]["text"]["text"] == "📊 일일 보고서 — 2026-11-26"
    texts = "\n".join(section_texts(korean))
    for expected in (
        "🔴 *전체 상태: 장애*",
        "• 심각 장애 1건 열림",
        "• openai 키 invalid",
        "실행 4회: 적용 3건, 거부 1건",
        "확인까지 중앙값 4분 · 해결까지 1시간 02분",
        "⚠️ github_backup: 동기화 #41에 임시 데이터 (사용 안 함)",
    ):
        assert expected in texts, expected
    assert "Overall" not in texts and "since yesterday" not in texts
    empty_ko = Renderer().render("daily_report", lang="ko", layout=ReportLayout(empty_report()))
    empty = section_texts(empty_ko)
    assert "⚪ 활성 모델 정보를 알 수 없음: 데이터베이스 사용 불가 (PoolTimeout)" in empty[0]


def test_an_empty_report_says_what_it_could_not_learn() -> None:
    """No store answered: every section says 'Unknown' and why, never a number."""
    texts = section_texts(render(empty_report()))
    assert texts[0].startswith("⚪ *Overall: UNKNOWN*")
    assert sum("⚪ Unknown: database unavailable (PoolTimeout)" in t for t in texts) == 5
    assert "⚪ Unknown: the scheduler's state was not given" in texts[-1]
    assert "Could not learn active models: database unavailable (PoolTimeout)" in texts[0]


def test_sparkline_scales_each_series_and_shows_gaps() -> None:
    """Lowest value ▁, highest █, a flat series at mid height, a missing day '·'."""
    assert sparkline([1, 5, 9]) == "▁▅█"
    assert sparkline([100, None, 200]) == "▁·█"
    assert sparkline([7, 7, 7]) == "▄▄▄"
    assert sparkline([None, None]) == "··"


def test_fit_keeps_whole_lines_within_the_escaped_budget() -> None:
    """Lines full of '&' (5 characters once escaped) still fit the budget after escaping."""
    lines = [f"• {'&' * 50} {n}" for n in range(200)]
    text = fit("*Title*", lines, noun="things")
    escaped = text.replace("&", "&amp;")
    assert len(escaped) <= SECTION_TEXT
    body = text.splitlines()[1:]
    assert body[-1] == f"…and {200 - (len(body) - 1)} more things"
    assert all(line in lines for line in body[:-1])


async def test_slack_accepts_the_large_report(local_slack: LocalSlack) -> None:
    """Posted through the local Slack server (which enforces Block Kit limits): ok."""
    client = AsyncWebClient(token=BOT_TOKEN, base_url=local_slack.api_url)
    message = render(huge_report())
    response = await client.chat_postMessage(channel="#ai-monitoring", **message.as_kwargs())
    assert response["ok"]
    (call,) = local_slack.calls_for("chat.postMessage")
    assert call.ok and len(call.body["blocks"]) == len(message.blocks)


@pytest.mark.parametrize("name", list(REPORTS))
def test_the_report_as_json_is_plain_data(name: str) -> None:
    """``aisi-bot report --json``: dates as ISO text, trends with today/change/sparkline."""
    data = json.loads(json.dumps(REPORTS[name]().as_json()))
    assert data["day"] == "2026-11-26" and isinstance(data["unknowns"], list)
    if name == "normal":
        assert data["models"]["total"]["change"] == -3
        assert data["incidents"]["stats"]["open_by_severity"] == {
            "critical": 1,
            "warning": 1,
            "info": 0,
        }
