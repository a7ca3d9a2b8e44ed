"""Small helpers shared by listeners: replying with a rendered message or a usage text."""

from __future__ import annotations

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.webhook import WebhookResponse
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.errors import UsageError
from bot.help import COMMAND_HELP
from bot.render import Message, Renderer
from bot.runtime import Runtime


async def ack_help(ack: AsyncAck, renderer: Renderer, command: str) -> None:
    """Acknowledge with the command's help, visible only to the caller."""
    message = renderer.render("help", help=COMMAND_HELP[command])
    await ack(text=message.text, blocks=message.blocks, response_type="ephemeral")


async def ack_usage(ack: AsyncAck, renderer: Renderer, error: UsageError) -> None:
    """Acknowledge with the usage text, visible only to the caller."""
    message = renderer.render("usage", problem=str(error), usage=error.usage)
    await ack(text=message.text, blocks=message.blocks, response_type="ephemeral")


async def respond_message(
    runtime: Runtime, respond: AsyncRespond, message: Message, *, visible: bool
) -> WebhookResponse:
    """Send a rendered message through the response_url (in channel or ephemeral).

    The runtime's one HTTP session carries every reply, so replies reuse connections
    instead of opening (and, against Slack, TLS-handshaking) one each.
    """
    if respond.response_url is None:
        raise ValueError("this request has no response_url to reply to")
    client = AsyncWebhookClient(url=respond.response_url, session=runtime.replies)
    return await client.send_dict(
        {
            "text": message.text,
            "blocks": message.blocks,
            "response_type": "in_channel" if visible else "ephemeral",
        }
    )
