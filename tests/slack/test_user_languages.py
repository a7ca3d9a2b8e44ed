"""Each person reads their own language; the channel keeps slack.language.

A user whose Slack locale is ko-KR gets App Home, /health, /keys and help in Korean while a
user whose locale is en-US gets English, and what the bot posts in the channel on its own
(an incident raised through POST /alerts) stays in the configured language (en). Over real
HTTP: users.info with include_locale on the local Slack, signed requests to the bot.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.app.runtime import Runtime
from bot.slack.help import COMMAND_HELP
from local_slack.recording import RecordedCall
from local_slack.server import LocalSlack
from tests.harness import BotUnderTest, start_bot_in_process
from tests.incidents.slack_side import CHANNEL, alert, configure, post_alert, wait_for_text

KOREAN, ENGLISH = "U0KIM", "U0ALICE"
HANGUL = re.compile(r"[\uac00-\ud7a3]")
DIGITS = re.compile(r"\d+")


@pytest.fixture
async def bot(bot_env: dict[str, str], local_slack: LocalSlack) -> AsyncIterator[BotUnderTest]:
    """The bot with slack.language = en (the default) and /alerts on; one Korean user."""
    local_slack.workspace.add_user(KOREAN, locale="ko-KR")
    local_slack.workspace.add_user(ENGLISH, locale="en-US")
    async with start_bot_in_process(configure(bot_env)) as running:
        yield running


def _runtime(bot: BotUnderTest) -> Runtime:
    assert bot.runtime is not None
    return bot.runtime


async def _home(bot: BotUnderTest, slack: LocalSlack, user: str) -> dict[str, Any]:
    since = len(slack.calls)
    await bot.sender.open_home(user)
    call = await slack.wait_for(
        "views.publish", predicate=lambda c: c.body.get("user_id") == user, since=since, timeout=15
    )
    view: dict[str, Any] = call.body["view"]
    return view


async def _reply(bot: BotUnderTest, slack: LocalSlack, command: str, user: str) -> RecordedCall:
    key = f"{command.strip('/')}-{user}"
    reply = await bot.sender.command(
        command, "", response_url=slack.response_url_for(key), user_id=user
    )
    assert reply.status == 200
    return await slack.wait_for("response_url", predicate=lambda c: c.key == key, timeout=30)


def _header(blocks: list[dict[str, Any]]) -> str:
    """The first block's text with the numbers (times, counts) taken out."""
    return DIGITS.sub("#", str(blocks[0]["text"]["text"]))


async def test_a_korean_user_reads_korean_and_the_channel_stays_english(
    bot: BotUnderTest, local_slack: LocalSlack
) -> None:
    """ko-KR: App Home, /health, /keys and help in Korean; en-US: English; the incident
    message in the channel: English (slack.language)."""
    runtime = _runtime(bot)
    assert runtime.settings.language == "en"
    korean_home = json.dumps(await _home(bot, local_slack, KOREAN), ensure_ascii=False)
    english_home = json.dumps(await _home(bot, local_slack, ENGLISH), ensure_ascii=False)
    assert "전체 상태" in korean_home and "상태 점검 실행" in korean_home
    assert "Overall:" in english_home and not HANGUL.search(english_home)
    asked = [c.body["user"] for c in local_slack.calls_for("users.info")]
    assert sorted(asked) == [ENGLISH, KOREAN]  # each asked once, with include_locale
    assert all(
        str(c.body["include_locale"]).lower() in ("1", "true")
        for c in local_slack.calls_for("users.info")
    )

    # /health and /keys: each reply is the report rendered in its reader's language.
    for command, template, component in (
        ("/health", "health_report", None),
        ("/keys", "keys_report", "keys"),
    ):
        replies = {
            user: await _reply(bot, local_slack, command, user) for user in (KOREAN, ENGLISH)
        }
        report = await runtime.health.run(component)
        for user, lang in ((KOREAN, "ko"), (ENGLISH, "en")):
            expected = runtime.renderer.render(template, lang=lang, report=report)
            assert _header(replies[user].body["blocks"]) == _header(expected.blocks), command
        assert HANGUL.search(json.dumps(replies[KOREAN].body, ensure_ascii=False)), command
        assert not HANGUL.search(json.dumps(replies[ENGLISH].body, ensure_ascii=False))

    # help is answered in the ack, in the language already known for the person.
    for user, lang in ((KOREAN, "ko"), (ENGLISH, "en")):
        ack = await bot.sender.command(
            "/health", "help", response_url=local_slack.response_url_for("h"), user_id=user
        )
        shown = json.loads(ack.text)
        expected = runtime.renderer.render("help", lang=lang, help=COMMAND_HELP["/health"])
        assert shown["blocks"] == expected.blocks

    # What the bot posts on its own in the channel is in slack.language.
    status, _, _ = await post_alert(bot.session, bot.url, alert("db_down"))
    assert status == 202
    posted = await wait_for_text(local_slack, "chat.postMessage", "db_down is failing")
    assert posted.body["channel"] == CHANNEL
    assert not HANGUL.search(json.dumps(posted.body, ensure_ascii=False))


async def test_the_ack_never_waits_for_the_locale(
    bot: BotUnderTest, local_slack: LocalSlack
) -> None:
    """A command from someone not known yet is acknowledged before Slack is asked about them:
    the ack is empty and users.info comes after it."""
    reply = await bot.sender.command(
        "/keys", "", response_url=local_slack.response_url_for("k"), user_id=KOREAN
    )
    assert reply.status == 200 and not reply.text.strip()
    await local_slack.wait_for("response_url", predicate=lambda c: c.key == "k", timeout=30)
    assert [c.body["user"] for c in local_slack.calls_for("users.info")] == [KOREAN]
