"""Driving /recover over signed HTTP: the command, the dialog views.open recorded, the
submission, and the progress message with its summary."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from local_slack.recording import RecordedCall
from local_slack.sender import SentResponse
from local_slack.server import LocalSlack
from tests.harness import BotUnderTest
from tests.recovery.vercel_standin import PROJECT_ID, TOKEN, VercelStandIn
from tests.sync_upstreams import SyncUpstreams, sync_env

OPERATOR, SECOND, OUTSIDER = "U0ALICE", "U0BOB", "U0MALLORY"
CHANNEL = "C0OPS"
WAIT_S = 30.0


def recovery_env(
    base: dict[str, str], upstreams: SyncUpstreams, vercel: VercelStandIn, config_dir: Path
) -> dict[str, str]:
    """The bot against the sync stand-ins and the Vercel stand-in, two operators."""
    env = sync_env(base, upstreams, config_dir, operators=(OPERATOR, SECOND), source_timeout_s=5)
    with (config_dir / "local.toml").open("a", encoding="utf-8") as handle:
        handle.write(f'\n[vercel]\nproject_id = "{PROJECT_ID}"\ndeploy_timeout = "30s"\n')
    return {
        **env,
        "VERCEL_DEPLOY_HOOK_URL": vercel.hook_url,
        "VERCEL_TOKEN": TOKEN,
        "VERCEL_API_URL": vercel.url,
    }


def texts(body: dict[str, Any]) -> str:
    """Every text of a message's blocks, one per line."""
    parts: list[str] = []
    for block in body.get("blocks") or []:
        if isinstance(block.get("text"), dict):
            parts.append(str(block["text"].get("text", "")))
        parts.extend(str(e.get("text", "")) for e in block.get("elements") or [])
    return "\n".join(parts)


def is_summary(call: RecordedCall) -> bool:
    """A recovery summary starts with a header block."""
    blocks = call.body.get("blocks") or [{}]
    return bool(blocks[0].get("type") == "header")


@dataclass
class RecoverDriver:
    """Sends /recover and submissions as Slack would, and waits for what Slack records."""

    bot: BotUnderTest
    slack: LocalSlack
    sent: int = 0

    async def command(self, text: str = "", *, user: str = OPERATOR) -> tuple[SentResponse, str]:
        """Send /recover; returns the ack and the response_url key."""
        self.sent += 1
        key = f"recover-{self.sent}"
        reply = await self.bot.sender.command(
            "/recover",
            text,
            response_url=self.slack.response_url_for(key),
            user_id=user,
            channel_id=CHANNEL,
        )
        return reply, key

    async def open_dialog(self, text: str = "", *, user: str = OPERATOR) -> dict[str, Any]:
        """Send /recover and return the dialog as views.open returned it."""
        since = len(self.slack.calls)
        reply, _ = await self.command(text, user=user)
        assert (reply.status, reply.text) == (200, ""), reply.text
        opened = await self.slack.wait_for("views.open", since=since, timeout=WAIT_S)
        assert opened.ok, opened.response
        view: dict[str, Any] = opened.response["view"]
        return view

    async def submit(
        self,
        view: dict[str, Any],
        *,
        user: str = OPERATOR,
        choices: dict[str, list[str]] | None = None,
    ) -> dict[str, Any]:
        """Submit the dialog; returns the bot's JSON answer."""
        reply = await self.bot.sender.submit(view, user_id=user, choices=choices)
        assert reply.status == 200, reply.text
        answer: dict[str, Any] = json.loads(reply.text) if reply.text else {}
        return answer

    async def summary(self, since: int = 0) -> RecordedCall:
        """The update of the progress message that carries the summary."""
        return await self.slack.wait_for(
            "chat.update", predicate=is_summary, since=since, timeout=WAIT_S
        )

    async def reply_to(self, key: str) -> RecordedCall:
        """What the bot sent to the response_url of command ``key``."""
        return await self.slack.wait_for(
            "response_url", predicate=lambda c: c.key == key, timeout=WAIT_S
        )
