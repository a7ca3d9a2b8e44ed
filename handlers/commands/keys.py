"""/keys: every provider key, masked, only the caller sees the answer."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond

from bot.errors import HelpRequested, UsageError
from bot.health.check import parse_keys_args
from bot.runtime import Runtime
from handlers.common import ack_help, ack_usage, respond_message
from handlers.errors import submit_and_ack


def register(app: AsyncApp, runtime: Runtime) -> set[str]:
    """Register the /keys command."""

    @app.command("/keys")
    async def keys_command(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond) -> None:
        runtime.metrics.commands.labels("/keys").inc()
        try:
            parse_keys_args(command.get("text", ""))
        except HelpRequested as asked:
            await ack_help(ack, runtime.renderer, asked.command)
            return
        except UsageError as error:
            await ack_usage(ack, runtime.renderer, error)
            return

        async def work() -> None:
            report = await runtime.health.run("keys")
            message = runtime.renderer.render("keys_report", report=report)
            await respond_message(runtime, respond, message, visible=False)

        await submit_and_ack(ack, runtime, respond, "/keys", work)

    return {"/keys"}
