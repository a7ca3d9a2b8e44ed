"""`/<command> help` answers with real help, only to the caller, never under an error header."""

from __future__ import annotations

import json

import pytest

from bot.app.local_mode import commands_help
from bot.errors import UNKNOWN_ARGUMENT
from bot.i18n.translator import translator
from bot.slack.help import COMMAND_HELP, NOTHING
from bot.slack.render import Renderer
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


def test_help_and_usage_in_korean() -> None:
    """Every command's help, and a usage error's problem, read in Korean: the summary, each
    argument's description and who may run it come from the catalog; usage stays as typed."""
    renderer, korean = Renderer(), translator("ko")
    for help_ in COMMAND_HELP.values():
        message = renderer.render("help", lang="ko", help=help_)
        shown = json.dumps(message.blocks, ensure_ascii=False)
        assert f"사용법: `{help_.usage}`" in shown and "*인자*" in shown
        for text in (help_.summary, help_.who):
            assert text not in shown and korean.gettext(text) in shown
        for word, what in help_.arguments:
            assert korean.gettext(what) in shown
            assert f"`{korean.gettext(word) if word == NOTHING else word}`" in shown
    usage = renderer.render(
        "usage", lang="ko", problem=UNKNOWN_ARGUMENT, values={"word": "x"}, usage="/keys"
    )
    assert usage.text.startswith("알 수 없는 인자입니다: `x`. 사용법: `/keys`")


def test_local_mode_help_is_the_same_translated_help() -> None:
    """Local mode's `help` lists every command with the help template, in the language."""
    text = commands_help(Renderer(), "ko")
    for help_ in COMMAND_HELP.values():
        assert f"사용법: `{help_.usage}`" in text
    assert "• `--dry-run` — 전체 변경 내역만 보여 주고 아무것도 쓰지 않음" in text
    assert "• `--dry-run` — show the whole diff and write nothing" in commands_help(
        Renderer(), "en"
    )
