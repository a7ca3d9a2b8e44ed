"""The progress message: posted once, updated in place at most once per interval, the final
state shown at once, and the response_url used when Slack will not take the message."""

from __future__ import annotations

import asyncio

from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.render import Message
from handlers.progress import ProgressMessage
from local_slack.server import LocalSlack
from tests.conftest import BOT_TOKEN

CHANNEL = "C0PROGRESS"
LONG_INTERVAL_S = 600.0  # nothing in a test waits this long: a wait would time it out


def _message(text: str) -> Message:
    return Message(text, [{"type": "section", "text": {"type": "mrkdwn", "text": text}}])


def _progress(slack: LocalSlack, replies: list[Message]) -> ProgressMessage:
    async def reply(message: Message) -> None:
        replies.append(message)

    client = AsyncWebClient(token=BOT_TOKEN, base_url=slack.api_url)
    return ProgressMessage(client, CHANNEL, reply, interval_s=LONG_INTERVAL_S)


async def test_a_burst_of_steps_is_one_update_and_the_result_comes_at_once(
    local_slack: LocalSlack,
) -> None:
    """Twenty steps within the interval: one update (the newest); finish shows the result now."""
    replies: list[Message] = []
    progress = _progress(local_slack, replies)
    await progress.start(_message("0 of 20"))
    for step in range(1, 21):
        progress.update(_message(f"{step} of 20"))
    await local_slack.wait_for("chat.update", timeout=5)
    await asyncio.wait_for(progress.finish(_message("done")), 5)
    assert len(local_slack.calls_for("chat.postMessage")) == 1
    updates = [c.body["text"] for c in local_slack.calls_for("chat.update")]
    assert updates == ["20 of 20", "done"]
    assert all(c.body["ts"] == progress.ts for c in local_slack.calls_for("chat.update"))
    assert replies == []


async def test_a_channel_the_bot_cannot_post_in_gets_the_result_by_response_url(
    local_slack: LocalSlack,
) -> None:
    """The post is refused: no updates are tried, and the result goes by the reply."""
    local_slack.fail_next("chat.postMessage", error="not_in_channel")
    replies: list[Message] = []
    progress = _progress(local_slack, replies)
    await progress.start(_message("0 of 2"))
    progress.update(_message("1 of 2"))
    await progress.finish(_message("done"))
    assert progress.ts is None and local_slack.calls_for("chat.update") == []
    assert [m.text for m in replies] == ["done"]


async def test_a_failed_final_update_falls_back_to_the_response_url(
    local_slack: LocalSlack,
) -> None:
    """When the message can no longer be updated, the result is still delivered."""
    replies: list[Message] = []
    progress = _progress(local_slack, replies)
    await progress.start(_message("0 of 1"))
    local_slack.fail_next("chat.update", error="message_not_found")
    await progress.finish(_message("done"))
    assert [m.text for m in replies] == ["done"]
