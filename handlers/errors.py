"""The one error mapping: domain errors become a short message; others get an error id.

Failures reach it two ways: Bolt's global error handler (before a listener acked), and
``after_ack`` around every listener's background part. The second matters: a listener that
raises within Bolt's 10 ms ack poll after acking makes Bolt drop the ack (the request then
times out as "unhandled"), so work after the ack never lets an exception escape to Bolt.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.respond.async_respond import AsyncRespond

from bot.errors import BotError
from bot.metrics import closed_label
from bot.runtime import Runtime

log = logging.getLogger("aisi.handlers")


async def report_failure(
    runtime: Runtime, respond: AsyncRespond | None, source: str, error: Exception
) -> None:
    """Log with an id, record it for /health, and tell the user briefly (never the details)."""
    error_id = secrets.token_hex(4)
    if isinstance(error, BotError):
        log.warning("%s failed (error id %s): %s", source, error_id, error.public_text)
        text = error.public_text
    else:
        log.error("%s failed (error id %s)", source, error_id, exc_info=error)
        runtime.metrics.errors.labels(source).inc()
        text = "Something went wrong on our side."
    await runtime.record_error(error_id, source, f"{type(error).__name__}: {error}")
    if respond is not None:
        message = runtime.renderer.render("error", message=text, error_id=error_id)
        try:
            await respond(text=message.text, blocks=message.blocks, response_type="ephemeral")
        except Exception:  # the user cannot be told; the log line above has it all
            log.warning("could not tell the user about error %s", error_id)


@asynccontextmanager
async def after_ack(runtime: Runtime, respond: AsyncRespond, source: str) -> AsyncIterator[None]:
    """The background part of a command: tracked (for shutdown), failures reported, not raised."""
    async with runtime.track():
        try:
            yield
        except Exception as error:
            await report_failure(runtime, respond, source, error)


# Payload types Slack sends; with the registered commands, the closed set of error sources.
PAYLOAD_TYPES = frozenset(
    {
        "block_actions",
        "view_submission",
        "view_closed",
        "shortcut",
        "message_action",
        "event_callback",
    }
)


def register(app: AsyncApp, runtime: Runtime, commands: set[str]) -> None:
    """Install the global error handler; ``commands`` are the registered slash commands."""
    sources = PAYLOAD_TYPES | commands

    @app.error
    async def on_error(
        error: Exception, body: dict[str, Any], respond: AsyncRespond | None
    ) -> None:
        # The source is a label and a stored word: taken from a closed set, never the body.
        source = closed_label(body.get("command") or body.get("type"), sources)
        await report_failure(runtime, respond if body.get("response_url") else None, source, error)
