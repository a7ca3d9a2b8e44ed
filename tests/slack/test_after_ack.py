"""Work after the 3-second ack (handlers/after_ack.py): an incident button's busy and failure
notices reach the presser in the presser's language, over real HTTP (signed clicks, the local
Slack's users.info with a ko-KR locale, replies through the response_url)."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import pytest

from bot.errors import SOMETHING_WENT_WRONG
from handlers.ids import ActionId
from local_slack.recording import RecordedCall
from local_slack.server import LocalSlack
from tests.harness import BotUnderTest, start_bot_in_process
from tests.incidents.slack_side import (
    CHANNEL,
    OPERATOR,
    PRIMARY,
    alert,
    configure,
    post_alert,
    wait_for_text,
)

HANGUL = re.compile(r"[\uac00-\ud7a3]")


async def _click(
    bot: BotUnderTest,
    slack: LocalSlack,
    incident: RecordedCall,
    user: str,
    key: str,
    incident_id: int,
) -> dict[str, Any]:
    """A signed Acknowledge click; the ephemeral reply the presser got."""
    reply = await bot.sender.click(
        ActionId.INCIDENT_ACK.value,
        str(incident_id),
        message={"ts": incident.response["ts"], "blocks": incident.body["blocks"]},
        channel_id=CHANNEL,
        user_id=user,
        response_url=slack.response_url_for(key),
    )
    assert reply.status == 200 and not reply.text.strip()  # a button's ack carries nothing
    told = await slack.wait_for("response_url", predicate=lambda c: c.key == key, timeout=15)
    assert told.body["response_type"] == "ephemeral"
    assert told.body.get("replace_original") in (False, "false", None)
    body: dict[str, Any] = told.body
    return body


async def test_a_buttons_busy_and_failure_notices_are_in_the_pressers_language(
    bot_env: dict[str, str], local_slack: LocalSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ko-KR presser: the failure notice (with its error id) and the busy notice in Korean;
    en-US presser: the same notices in English. Nothing is applied either way."""
    local_slack.workspace.add_user(PRIMARY, locale="ko-KR")
    local_slack.workspace.add_user(OPERATOR, locale="en-US")
    env = configure(bot_env, extra="\n[work]\nworkers = 1\nqueue_length = 4\n")
    async with start_bot_in_process(env) as bot:
        runtime = bot.runtime
        assert runtime is not None
        status, answer, _ = await post_alert(bot.session, bot.url, alert("db_down"))
        assert status == 202
        incident = await wait_for_text(local_slack, "chat.postMessage", "db_down is failing")
        await wait_for_text(local_slack, "chat.postMessage", "What changed")
        incident_id = int(answer["incident_id"])
        assert await runtime.wait_idle(15)

        # A failure inside the transition: the one error mapping, in the presser's language.
        async def broken(*_: object, **__: object) -> None:
            raise RuntimeError("the transition broke")

        monkeypatch.setattr(runtime.incidents, "acknowledge", broken)
        failed = {
            user: await _click(bot, local_slack, incident, user, f"fail-{user}", incident_id)
            for user in (PRIMARY, OPERATOR)
        }
        korean = json.dumps(failed[PRIMARY], ensure_ascii=False)
        english = json.dumps(failed[OPERATOR], ensure_ascii=False)
        assert HANGUL.search(korean) and SOMETHING_WENT_WRONG not in korean, korean
        assert SOMETHING_WENT_WRONG in english and not HANGUL.search(english), english
        assert "the transition broke" not in korean + english  # never the details
        assert await runtime.wait_idle(15)

        # Busy: the one worker is held and the queue is full; the press starts nothing.
        release, holding = asyncio.Event(), asyncio.Event()

        async def hold() -> None:
            holding.set()
            await release.wait()

        assert runtime.work.submit("test-hold", hold).value == "accepted"
        await asyncio.wait_for(holding.wait(), 10)
        while runtime.work.submit("test-hold", hold).value == "accepted":
            pass  # until the queue is full
        try:
            busy = {
                user: await _click(bot, local_slack, incident, user, f"busy-{user}", incident_id)
                for user in (PRIMARY, OPERATOR)
            }
        finally:
            release.set()
        for user, lang in ((PRIMARY, "ko"), (OPERATOR, "en")):
            expected = runtime.renderer.render_constant(
                "busy", lang=lang, command="that button", stopping=False
            )
            assert busy[user]["text"] == expected.text, user
        assert HANGUL.search(busy[PRIMARY]["text"]) and not HANGUL.search(busy[OPERATOR]["text"])
        assert await runtime.wait_idle(15)
