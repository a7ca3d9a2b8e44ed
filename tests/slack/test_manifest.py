"""The Slack app manifest and the registered listeners agree."""

from __future__ import annotations

from typing import Any

import yaml
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

import handlers
from local_slack.server import LocalSlack
from tests.conftest import BOT_TOKEN
from tests.harness import REPO, BotUnderTest

MANIFEST = REPO / "manifest.yaml"


def _manifest() -> dict[str, Any]:
    data = yaml.safe_load(MANIFEST.read_text())
    assert isinstance(data, dict)
    return data


async def test_manifest_commands_equal_registered_commands(
    bot: BotUnderTest, local_slack: LocalSlack
) -> None:
    """The commands in manifest.yaml are exactly the slash commands the handlers register."""
    assert bot.runtime is not None
    client = AsyncWebClient(token=BOT_TOKEN, base_url=local_slack.api_url)
    app = AsyncApp(signing_secret="x" * 32, client=client)
    registered = handlers.register(app, bot.runtime)
    in_manifest = {c["command"] for c in _manifest()["features"]["slash_commands"]}
    assert in_manifest == registered == {"/health", "/sync", "/recover", "/keys"}


def test_manifest_scopes_and_interactivity() -> None:
    """The manifest asks for the documented scopes, interactivity and App Home."""
    data = _manifest()
    assert set(data["oauth_config"]["scopes"]["bot"]) == {
        "commands",
        "chat:write",
        "chat:write.public",
        "im:write",
        "users:read",
        "usergroups:read",
    }
    assert data["settings"]["interactivity"]["is_enabled"] is True
    assert data["features"]["app_home"]["home_tab_enabled"] is True


async def test_every_manifest_command_is_answered(
    bot: BotUnderTest, local_slack: LocalSlack
) -> None:
    """Each manifest command sent over signed HTTP is handled (never Bolt's 404 for unhandled)."""
    for entry in _manifest()["features"]["slash_commands"]:
        reply = await bot.sender.command(
            entry["command"], "", response_url=local_slack.response_url_for(entry["command"])
        )
        assert reply.status == 200, entry["command"]
