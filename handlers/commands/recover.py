"""/recover: in the manifest, not built yet (the recovery domain is ``bot.recovery``): it says
so and does nothing. Operators only, like the real one (the pipeline checks)."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.errors import HelpRequested
from bot.help import wants_help
from bot.runtime import Runtime
from handlers.common import Invocation, slash_command
from handlers.ids import Command


def parse_recover_args(text: str) -> str:
    """Anything is taken (nothing runs); ``help`` shows the planned command's help."""
    if wants_help(text):
        raise HelpRequested(Command.RECOVER)
    return text


def register(app: AsyncApp, runtime: Runtime) -> set[str]:
    """Answer /recover honestly (ephemeral, nothing done)."""

    @slash_command(app, runtime, Command.RECOVER, parse_recover_args)
    async def recover(call: Invocation[str]) -> None:
        message = runtime.renderer.render("not_built", command=call.name.value)
        await call.ack(text=message.text, blocks=message.blocks, response_type="ephemeral")

    return {Command.RECOVER}
