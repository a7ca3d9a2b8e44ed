"""The incident buttons over real HTTP, signed: each transition, a double click, a refusal."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from local_slack.recording import RecordedCall
from local_slack.server import LocalSlack
from tests.harness import BotUnderTest, start_bot_in_process
from tests.incidents.slack_side import (
    BACKUP,
    CHANNEL,
    OPERATOR,
    OUTSIDER,
    PRIMARY,
    alert,
    configure,
    post_alert,
    rows,
    thread_posts,
    wait_for_text,
)

GROUP, GROUPIE = "S0ONCALL", "U0GROUPIE"


@dataclass
class Opened:
    """A running bot and the incident it just posted."""

    bot: BotUnderTest
    slack: LocalSlack
    incident_id: int
    message: RecordedCall

    @property
    def ts(self) -> str:
        return str(self.message.response["ts"])

    async def press(self, action: str, user: str, key: str) -> int:
        """A signed click on one of the message's buttons."""
        reply = await self.bot.sender.click(
            action,
            str(self.incident_id),
            message={"ts": self.ts, "blocks": self.message.body["blocks"]},
            channel_id=CHANNEL,
            user_id=user,
            response_url=self.slack.response_url_for(key),
        )
        return reply.status


@pytest.fixture
async def opened(
    bot_env: dict[str, str], local_slack: LocalSlack
) -> AsyncIterator[Opened]:
    """A bot (Level 2: U0PRIMARY, then U0BACKUP and the group S0ONCALL) and one open incident."""
    local_slack.usergroups.add(GROUP, [GROUPIE])
    env = configure(bot_env, backup=(BACKUP, GROUP))
    async with start_bot_in_process(env) as running:
        status, answer, _ = await post_alert(running.session, running.url, alert("db_down"))
        assert status == 202
        message = await wait_for_text(local_slack, "chat.postMessage", "db_down is failing")
        await wait_for_text(local_slack, "chat.postMessage", "What changed")
        yield Opened(running, local_slack, int(answer["incident_id"]), message)


async def _updated(opened: Opened, words: str) -> RecordedCall:
    return await opened.slack.wait_for(
        "chat.update", predicate=lambda c: c.body.get("ts") == opened.ts and words in c.body["text"]
    )


def _state(opened: Opened, database_url: str) -> tuple[str, int]:
    found = rows(database_url, "SELECT state, level FROM chatops.incidents WHERE id = %s",
                 opened.incident_id)
    return found[0][0], int(found[0][1])


async def test_acknowledge_updates_the_message_and_adds_a_thread_line(
    opened: Opened, database_url: str
) -> None:
    """Acknowledge: the message says so in place, its thread gets who and when."""
    assert await opened.press("incident_ack", OPERATOR, "ack") == 200
    update = await _updated(opened, "Acknowledged")
    assert "Acknowledged by <@U0OPERATOR>" in str(update.body["blocks"])
    line = await wait_for_text(opened.slack, "chat.postMessage", "Acknowledged by")
    assert line.body["thread_ts"] == opened.ts and "<@U0OPERATOR>" in line.body["text"]
    assert _state(opened, database_url) == ("acknowledged", 1)
    assert opened.bot.runtime is not None and await opened.bot.runtime.wait_idle(10)
    _, metrics = await opened.bot.get("/metrics")
    assert 'aisi_incident_time_to_acknowledge_seconds_count{severity="critical"} 1.0' in metrics
    assert 'aisi_incidents_open{severity="critical"} 1.0' in metrics


async def test_escalate_to_level2_mentions_and_dms_the_primary(
    opened: Opened, database_url: str
) -> None:
    """A Level 2 person (not an operator) may press; the primary is mentioned and DMed."""
    assert await opened.press("incident_escalate_l2", PRIMARY, "l2") == 200
    line = await wait_for_text(opened.slack, "chat.postMessage", "Escalated to Level 2")
    assert line.body["thread_ts"] == opened.ts and "<@U0PRIMARY>" in line.body["text"]
    dm = await wait_for_text(opened.slack, "chat.postMessage", "You are paged")
    assert dm.response["channel"].startswith("D")
    opens = opened.slack.calls_for("conversations.open")
    assert [c.body["users"] for c in opens] == [PRIMARY]
    await _updated(opened, "Level 2")
    assert _state(opened, database_url) == ("open", 2)


async def test_escalate_to_level3_posts_the_support_request(
    opened: Opened, database_url: str
) -> None:
    """Level 3: a ready-to-send request with the vendors' status and contacts, in the thread."""
    assert await opened.press("incident_escalate_l3", OPERATOR, "l3") == 200
    request = await wait_for_text(opened.slack, "chat.postMessage", "vendor support request")
    assert request.body["thread_ts"] == opened.ts
    shown = str(request.body["blocks"])
    assert "*Neon*" in shown and "Contact: support@neon.test" in shown and "Timeline" in shown
    assert _state(opened, database_url) == ("open", 3)


async def test_resolve_removes_the_buttons_and_says_so(opened: Opened, database_url: str) -> None:
    """Resolve: the message shows Resolved, the four buttons give way to "Postmortem draft";
    the thread says who."""
    assert await opened.press("incident_resolve", GROUPIE, "res") == 200
    update = await _updated(opened, "Resolved")
    buttons = [
        (e["action_id"], e["value"], e["text"]["text"])
        for b in update.body["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    ]
    assert buttons == [("incident_postmortem", str(opened.incident_id), "Postmortem draft")]
    await wait_for_text(opened.slack, "chat.postMessage", "Resolved by <@U0GROUPIE>")
    assert _state(opened, database_url) == ("resolved", 1)
    assert opened.bot.runtime is not None and await opened.bot.runtime.wait_idle(10)
    _, metrics = await opened.bot.get("/metrics")
    assert 'aisi_incident_time_to_resolve_seconds_count{severity="critical"} 1.0' in metrics
    assert 'aisi_incidents_open{severity="critical"} 0.0' in metrics


async def test_a_double_click_makes_one_transition_and_one_notice(
    opened: Opened, database_url: str
) -> None:
    """Two signed presses at once: one acknowledgement, one ephemeral 'already acknowledged'."""
    statuses = await asyncio.gather(
        opened.press("incident_ack", OPERATOR, "first"),
        opened.press("incident_ack", PRIMARY, "second"),
    )
    assert statuses == [200, 200]
    notice = await opened.slack.wait_for(
        "response_url", predicate=lambda c: "already acknowledged" in str(c.body.get("text"))
    )
    assert notice.body["response_type"] == "ephemeral"
    said = r"already acknowledged by <@U0(OPERATOR|PRIMARY)> at \d\d:\d\d"
    assert re.search(said, notice.body["text"])
    assert opened.bot.runtime is not None and await opened.bot.runtime.wait_idle(10)
    events = rows(
        database_url,
        "SELECT actor FROM chatops.incident_events"
        " WHERE incident_id = %s AND kind = 'acknowledged'",
        opened.incident_id,
    )
    assert len(events) == 1
    winner = events[0][0]
    assert f"<@{winner}>" in notice.body["text"]
    lines = [c for c in thread_posts(opened.slack, opened.ts) if "Acknowledged" in c.body["text"]]
    assert len(lines) == 1
    assert len(opened.slack.calls_for("response_url")) == 1


async def test_an_unauthorised_press_is_refused_with_a_reason_and_audited(
    opened: Opened, database_url: str
) -> None:
    """Someone neither operator nor Level 2: an ephemeral reason, an audit row, no change."""
    assert await opened.press("incident_resolve", OUTSIDER, "nope") == 200
    told = await opened.slack.wait_for("response_url", predicate=lambda c: c.key == "nope")
    assert told.body["response_type"] == "ephemeral"
    assert "Only configured operators and the Level 2 people may resolve" in told.body["text"]
    assert opened.bot.runtime is not None
    await opened.bot.runtime.audit.flush()
    audit = rows(database_url, "SELECT user_id, what, allowed FROM chatops.audit")
    assert (OUTSIDER, "action:incident_resolve", False) in audit
    assert _state(opened, database_url) == ("open", 1)
    assert opened.slack.calls_for("chat.update") == []
