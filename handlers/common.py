"""Small helpers shared by listeners: replying with a rendered message or a usage text."""

from __future__ import annotations

from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond

from bot.errors import UsageError
from bot.help import COMMAND_HELP
from bot.render import Message, Renderer


async def ack_help(ack: AsyncAck, renderer: Renderer, command: str) -> None:
    """Acknowledge with the command's help, visible only to the caller."""
    message = renderer.render("help", help=COMMAND_HELP[command])
    await ack(text=message.text, blocks=message.blocks, response_type="ephemeral")


async def ack_usage(ack: AsyncAck, renderer: Renderer, error: UsageError) -> None:
    """Acknowledge with the usage text, visible only to the caller."""
    message = renderer.render("usage", problem=str(error), usage=error.usage)
    await ack(text=message.text, blocks=message.blocks, response_type="ephemeral")


async def respond_message(respond: AsyncRespond, message: Message, *, visible: bool) -> Any:
    """Send a rendered message through the response_url (in channel or ephemeral)."""
    return await respond(
        text=message.text,
        blocks=message.blocks,
        response_type="in_channel" if visible else "ephemeral",
    )
