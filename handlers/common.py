"""What every listener shares: a slash command's parse-help-usage step and the replies."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook import WebhookResponse
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.app.runtime import Runtime
from bot.errors import HelpRequested, UsageError
from bot.i18n.translator import DEFAULT_LANGUAGE
from bot.slack.help import COMMAND_HELP
from bot.slack.render import Message, Renderer
from handlers.ids import Command

A = TypeVar("A")


@dataclass(frozen=True)
class Invocation(Generic[A]):
    """A slash command that passed the pipeline (workspace, authorisation) and parsed."""

    name: Command
    args: A
    ack: AsyncAck
    respond: AsyncRespond
    client: AsyncWebClient
    user_id: str
    channel_id: str
    trigger_id: str = ""  # opens a dialog (views.open) within 3 s of the command


def slash_command(
    app: AsyncApp, runtime: Runtime, name: Command, parse: Callable[[str], A]
) -> Callable[[Callable[[Invocation[A]], Awaitable[None]]], None]:
    """Register ``/name``: ``help`` and bad arguments are answered here (ephemeral, nothing
    runs); the decorated function gets the parsed arguments."""

    def register(run: Callable[[Invocation[A]], Awaitable[None]]) -> None:
        async def listener(
            ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
        ) -> None:
            # The ack cannot wait for Slack: the caller's language as far as it is known here.
            lang = runtime.known_language(str(command.get("user_id", "")))
            try:
                args = parse(str(command.get("text", "")))
            except HelpRequested as asked:
                await ack_help(ack, runtime.renderer, asked.command, lang=lang)
                return
            except UsageError as error:
                await ack_usage(ack, runtime.renderer, error, lang=lang)
                return
            user, channel = str(command.get("user_id", "")), str(command.get("channel_id", ""))
            trigger = str(command.get("trigger_id", ""))
            await run(Invocation(name, args, ack, respond, client, user, channel, trigger))

        app.command(name.value)(listener)

    return register


async def ack_help(
    ack: AsyncAck, renderer: Renderer, command: str, *, lang: str = DEFAULT_LANGUAGE
) -> None:
    """Acknowledge with the command's help, visible only to the caller."""
    message = renderer.render("help", lang=lang, help=COMMAND_HELP[command])
    await ack(text=message.text, blocks=message.blocks, response_type="ephemeral")


async def ack_usage(
    ack: AsyncAck, renderer: Renderer, error: UsageError, *, lang: str = DEFAULT_LANGUAGE
) -> None:
    """Acknowledge with the usage text, visible only to the caller."""
    message = renderer.render(
        "usage", lang=lang, problem=error.message_id, values=error.values, usage=error.usage
    )
    await ack(text=message.text, blocks=message.blocks, response_type="ephemeral")


async def respond_message(
    runtime: Runtime,
    respond: AsyncRespond,
    message: Message,
    *,
    visible: bool,
    replace_original: bool | None = None,
) -> WebhookResponse:
    """Send a rendered message through the response_url (in channel or ephemeral).

    The runtime's one HTTP session carries every reply, so replies reuse connections
    instead of opening (and, against Slack, TLS-handshaking) one each.
    """
    if respond.response_url is None:
        raise ValueError("this request has no response_url to reply to")
    client = AsyncWebhookClient(url=respond.response_url, session=runtime.replies)
    body: dict[str, Any] = {
        "text": message.text,
        "blocks": message.blocks,
        "response_type": "in_channel" if visible else "ephemeral",
    }
    if replace_original is not None:
        body["replace_original"] = replace_original
    return await client.send_dict(body)


async def send_dm(client: AsyncWebClient, user_id: str, message: Message) -> None:
    """Post ``message`` to ``user_id`` in the DM with the bot (conversations.open first)."""
    opened = await client.conversations_open(users=user_id)
    channel = opened["channel"]["id"]
    await client.chat_postMessage(channel=channel, **message.as_kwargs())
