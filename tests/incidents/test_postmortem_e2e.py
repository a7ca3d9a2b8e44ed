"""The postmortem draft end to end: an incident raised with POST /alerts, acknowledged,
escalated and resolved with the signed buttons over real HTTP, then drafted by the
"Postmortem draft" button (only the presser sees it) and by `aisi-bot incidents postmortem
ID` in a real process; the timeline is in order and the durations are the record's."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

from bot.i18n.translator import Translator, relative
from local_slack.recording import RecordedCall
from local_slack.server import LocalSlack
from tests.harness import BotUnderTest, run_cli, start_bot_in_process
from tests.incidents.conftest import markdown_section
from tests.incidents.slack_side import (
    CHANNEL,
    OPERATOR,
    OUTSIDER,
    PRIMARY,
    alert,
    configure,
    post_alert,
    rows,
    wait_for_text,
)

TZ = "Asia/Seoul"  # schedule.timezone of the packaged settings
STEP = re.compile(r"^- (?P<when>.+) \((?P<since>\+\d\d:\d\d:\d\d)\) (?P<what>.+), by (?P<who>\S+)$")


@dataclass
class Incident:
    """A running bot and the incident it posted."""

    bot: BotUnderTest
    slack: LocalSlack
    env: dict[str, str]
    incident_id: int
    message: RecordedCall

    async def press(self, action: str, user: str, key: str, value: str | None = None) -> None:
        """A signed click on a button of the incident's message (value: its id)."""
        reply = await self.bot.sender.click(
            action,
            str(self.incident_id) if value is None else value,
            message={"ts": self.message.response["ts"], "blocks": self.message.body["blocks"]},
            channel_id=CHANNEL,
            user_id=user,
            response_url=self.slack.response_url_for(key),
        )
        assert reply.status == 200

    async def reply(self, key: str) -> RecordedCall:
        """What the bot sent to the response_url of the press ``key``."""
        return await self.slack.wait_for("response_url", predicate=lambda c: c.key == key)


def _with_language(env: dict[str, str], lang: str) -> dict[str, str]:
    local = Path(env["BOT_CONFIG_DIR"]) / "local.toml"
    text = local.read_text()
    slack = f'[slack]\nchannel = "{CHANNEL}"\n'
    assert slack in text
    local.write_text(text.replace(slack, f'{slack}language = "{lang}"\n'))
    return env


# A word of each thread line (acknowledged, escalated, resolved) in the channel's language.
THREAD_WORDS = {
    "en": ("Acknowledged by", "Escalated to Level 2", "Resolved by"),
    "ko": ("확인했습니다", "Level 2 — Primary 담당자(으)로 에스컬레이션", "해결"),
}


@pytest.fixture(params=["en"])
async def scripted(
    request: pytest.FixtureRequest, bot_env: dict[str, str], local_slack: LocalSlack
) -> AsyncIterator[Incident]:
    """Raise (POST /alerts), acknowledge, escalate to Level 2, resolve: each press waited for."""
    env = _with_language(configure(bot_env), request.param)
    if request.param == "ko":  # the channel's language and the operator's Slack locale
        local_slack.workspace.add_user(OPERATOR, locale="ko-KR")
    async with start_bot_in_process(env) as running:
        status, answer, _ = await post_alert(running.session, running.url, alert("db_down"))
        assert status == 202
        message = await wait_for_text(local_slack, "chat.postMessage", "db_down is failing")
        incident = Incident(running, local_slack, env, int(answer["incident_id"]), message)
        acknowledged, escalated, resolved = THREAD_WORDS[request.param]
        await incident.press("incident_ack", OPERATOR, "ack")
        await wait_for_text(local_slack, "chat.postMessage", acknowledged)
        await incident.press("incident_escalate_l2", PRIMARY, "l2")
        await wait_for_text(local_slack, "chat.postMessage", escalated)
        await incident.press("incident_resolve", OPERATOR, "resolve")
        await wait_for_text(local_slack, "chat.postMessage", resolved)
        yield incident


def _record(database_url: str, incident_id: int) -> tuple[datetime, datetime, datetime]:
    found = rows(
        database_url,
        "SELECT opened_at, acknowledged_at, resolved_at FROM chatops.incidents WHERE id = %s",
        incident_id,
    )
    opened, acked, resolved = found[0]
    return opened, acked, resolved


def _steps(markdown: str, heading: str) -> list[re.Match[str]]:
    steps = []
    for line in markdown_section(markdown, heading):
        match = STEP.match(line)
        assert match is not None, line
        steps.append(match)
    return steps


def _check_draft(markdown: str, incident_id: int, database_url: str) -> None:
    """The timeline in order (opened, acknowledged, escalated, resolved, each by its
    presser, times rising) and the durations the incident's record gives."""
    assert markdown.startswith(f"# Postmortem draft: incident #{incident_id}, db_down is failing")
    opened, acked, resolved = _record(database_url, incident_id)
    t = Translator("en", timezone=TZ)
    steps = _steps(markdown, f"## Timeline ({TZ})")
    assert [(s["what"].split(":")[0], s["who"]) for s in steps] == [
        ("Opened", "alert:github-actions"),
        ("Acknowledged", OPERATOR),
        ("Escalated to Level 2", PRIMARY),
        ("Resolved", OPERATOR),
    ]
    events = rows(
        database_url,
        "SELECT at FROM chatops.incident_events WHERE incident_id = %s"
        " AND kind IN ('opened', 'acknowledged', 'escalated', 'resolved') ORDER BY at, id",
        incident_id,
    )
    assert [s["when"] for s in steps] == [t.datetime(at, seconds=True) for (at,) in events]
    assert [s["since"] for s in steps] == [
        relative((at - opened).total_seconds()) for (at,) in events
    ]
    assert events[0][0] == opened and events[1][0] == acked and events[-1][0] == resolved
    assert opened < acked < resolved
    took_ack = t.duration((acked - opened).total_seconds())
    took_resolve = t.duration((resolved - opened).total_seconds())
    assert f"- Time to acknowledge: {took_ack}\n" in markdown
    assert f"- Time to resolve: {took_resolve}\n" in markdown
    assert "- State: resolved, Level 2, 1 escalation\n" in markdown
    for heading in ("## Cause", "## Impact", "## Follow-ups"):
        assert f"\n{heading}\n" in markdown


async def test_the_scripted_incident_drafts_its_timeline_in_order_with_its_durations(
    scripted: Incident, database_url: str
) -> None:
    """The button shows the draft only to its presser; the CLI prints the same Markdown."""
    await scripted.press("incident_postmortem", PRIMARY, "draft")
    reply = await scripted.reply("draft")
    assert reply.body["response_type"] == "ephemeral"
    assert reply.body.get("replace_original") is False
    assert reply.body["text"] == f"Postmortem draft of incident #{scripted.incident_id}"
    blocks = reply.body["blocks"]
    parts = [b["text"]["text"] for b in blocks if b["type"] == "section"][1:]
    assert parts and all(p.startswith("```\n") and p.endswith("\n```") for p in parts)
    shown = "\n".join(p[4:-4] for p in parts).replace("&gt;", ">").replace("&lt;", "<")
    shown = shown.replace("&amp;", "&")
    _check_draft(shown + "\n", scripted.incident_id, database_url)
    cli = f"aisi-bot incidents postmortem {scripted.incident_id}"
    assert cli in json.dumps(blocks[-1])

    code, out, err = await run_cli(
        scripted.env, "--lang", "en", "incidents", "postmortem", str(scripted.incident_id)
    )
    assert code == 0, err
    _check_draft(out, scripted.incident_id, database_url)
    assert out.rstrip("\n") == shown.rstrip("\n")  # the button and the CLI show one draft


@pytest.mark.parametrize("scripted", ["ko"], indirect=True)
async def test_the_draft_follows_the_configured_language(
    scripted: Incident, database_url: str
) -> None:
    """slack.language = "ko" and a Korean-speaking presser: the button's reply is Korean; the
    CLI follows LANG (ko_KR: Korean)."""
    await scripted.press("incident_postmortem", OPERATOR, "ko")
    reply = await scripted.reply("ko")
    assert reply.body["text"] == f"장애 #{scripted.incident_id} 포스트모템 초안"
    assert f"# 포스트모템 초안: 장애 #{scripted.incident_id}" in str(reply.body["blocks"])
    env = {**scripted.env, "LANG": "en_US.UTF-8"}
    code, out, _ = await run_cli(env, "incidents", "postmortem", str(scripted.incident_id))
    assert code == 0 and out.startswith("# Postmortem draft")  # LANG names English
    env = {**scripted.env, "LANG": "ko_KR.UTF-8", "LC_ALL": "", "LC_MESSAGES": ""}
    code, out, _ = await run_cli(env, "incidents", "postmortem", str(scripted.incident_id))
    assert code == 0 and "## 타임라인 (Asia/Seoul)" in out and "- 확인까지 걸린 시간: " in out
    code, after, _ = await run_cli(
        env, "incidents", "postmortem", str(scripted.incident_id), "--lang", "en"
    )
    assert code == 0 and after.startswith("# Postmortem draft")


async def test_refusals_and_unknown_incidents(scripted: Incident, database_url: str) -> None:
    """Someone neither operator nor Level 2 is refused; an unknown id is said, in Slack and
    by the CLI (exit 1); a malformed id is a usage error (exit 2); the list still works."""
    await scripted.press("incident_postmortem", OUTSIDER, "nope")
    told = await scripted.reply("nope")
    assert "Only configured operators and the Level 2 people may draft" in told.body["text"]
    missing = scripted.incident_id + 1000
    await scripted.press("incident_postmortem", OPERATOR, "missing", value=str(missing))
    said = await scripted.reply("missing")
    assert said.body["response_type"] == "ephemeral"
    assert f"There is no incident #{missing}" in str(said.body["blocks"])
    code, out, err = await run_cli(scripted.env, "incidents", "postmortem", str(missing))
    assert (code, out) == (1, "") and f"no incident #{missing}" in err
    code, _, err = await run_cli(scripted.env, "incidents", "postmortem", "abc")
    assert code == 2 and "not an incident id" in err
    code, out, _ = await run_cli(scripted.env, "incidents", "--all", "--json")
    assert code == 0 and [i["id"] for i in json.loads(out)] == [scripted.incident_id]
    assert rows(database_url, "SELECT count(*) FROM chatops.incidents") == [(1,)]
