"""Commands in the manifest whose capability is not built yet: they say so and do nothing."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck

from bot.help import wants_help
from bot.runtime import Runtime
from handlers.common import ack_help

NOT_BUILT = ("/recover",)


def register(app: AsyncApp, runtime: Runtime) -> set[str]:
    """Answer each not-yet-built command honestly (ephemeral, nothing done)."""

    async def not_built(ack: AsyncAck, command: dict[str, Any]) -> None:
        if wants_help(str(command.get("text", ""))) and command.get("command") in NOT_BUILT:
            await ack_help(ack, runtime.renderer, str(command["command"]))
            return
        message = runtime.renderer.render("not_built", command=command.get("command", "?"))
        await ack(text=message.text, blocks=message.blocks, response_type="ephemeral")

    for name in NOT_BUILT:
        app.command(name)(not_built)
    return set(NOT_BUILT)
