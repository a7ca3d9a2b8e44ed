"""The one error handler: domain errors become a short message; others get an error id."""

from __future__ import annotations

import logging
import secrets
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.respond.async_respond import AsyncRespond

from bot.errors import BotError
from bot.runtime import Runtime

log = logging.getLogger("aisi.handlers")


def register(app: AsyncApp, runtime: Runtime) -> None:
    """Install the global error handler."""

    @app.error
    async def on_error(
        error: Exception, body: dict[str, Any], respond: AsyncRespond | None
    ) -> None:
        source = str(body.get("command") or body.get("type") or "unknown")
        error_id = secrets.token_hex(4)
        if isinstance(error, BotError):
            log.warning("%s failed (error id %s): %s", source, error_id, error.public_text)
            text = error.public_text
        else:
            log.error("%s failed (error id %s)", source, error_id, exc_info=error)
            runtime.metrics.errors.labels(source).inc()
            text = "Something went wrong on our side."
        await runtime.record_error(error_id, source, f"{type(error).__name__}: {error}")
        if respond is not None and body.get("response_url"):
            message = runtime.renderer.render("error", message=text, error_id=error_id)
            await respond(text=message.text, blocks=message.blocks, response_type="ephemeral")
