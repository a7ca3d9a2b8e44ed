"""`/<command> help` answers with real help, only to the caller, never under an error header."""

from __future__ import annotations

import json

import pytest

from bot.help import COMMAND_HELP
from local_slack.server import LocalSlack
from tests.harness import BotUnderTest


@pytest.mark.parametrize("command", ["/health", "/sync", "/keys", "/recover"])
async def test_help_lists_every_argument_ephemerally(
    bot: BotUnderTest, local_slack: LocalSlack, command: str
) -> None:
    """The ack is the help: usage, each argument with what it does, who may run it."""
    reply = await bot.sender.command(
        command, "help", response_url=local_slack.response_url_for("h")
    )
    assert reply.status == 200
    body = json.loads(reply.text)
    assert body["response_type"] == "ephemeral"
    shown = json.dumps(body, ensure_ascii=False)
    assert "could not do that" not in shown and "⚠️" not in shown and "❌" not in shown
    help_ = COMMAND_HELP[command]
    assert f"Usage: `{help_.usage}`" in shown
    for word, _ in help_.arguments:
        assert f"`{word}`" in shown
    assert [c.method for c in local_slack.calls if c.method != "auth.test"] == []


async def test_unknown_arguments_still_get_the_usage(
    bot: BotUnderTest, local_slack: LocalSlack
) -> None:
    """A word the command does not take is named, with the usage, and nothing runs."""
    reply = await bot.sender.command(
        "/health", "helpme", response_url=local_slack.response_url_for("u")
    )
    body = json.loads(reply.text)
    assert "Unknown argument `helpme`" in body["text"] and "Usage: `/health" in body["text"]
    assert [c.method for c in local_slack.calls if c.method != "auth.test"] == []
