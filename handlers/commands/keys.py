"""/keys: every provider key, masked; only the caller sees the answer."""

from __future__ import annotations

import asyncio

from slack_bolt.async_app import AsyncApp

from bot.app.runtime import Runtime
from bot.slack.commands import parse_keys_args
from handlers.after_ack import ack_and_run, for_command
from handlers.common import Invocation, respond_message, slash_command
from handlers.ids import Command


def register(app: AsyncApp, runtime: Runtime) -> set[str]:
    """Register the /keys command."""

    @slash_command(app, runtime, Command.KEYS, parse_keys_args)
    async def keys(call: Invocation[None]) -> None:
        async def work() -> None:
            report, lang = await asyncio.gather(
                runtime.health.run("keys"), runtime.language_of(call.user_id)
            )
            message = runtime.renderer.render("keys_report", lang=lang, report=report)
            await respond_message(runtime, call.respond, message, visible=False)

        await ack_and_run(call.ack, for_command(runtime, call), work)

    return {Command.KEYS}
