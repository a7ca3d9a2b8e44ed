"""The one error mapping: domain errors become a short message; others get an error id.

A refusal (``NotAuthorizedError``, raised by the authorisation step of the pipeline) is
worded by the ``not_authorized`` template: in the ack of a command, as an ephemeral reply to
a button press, as the dialog's new content for a submission.

Failures reach it two ways: Bolt's global error handler (before a listener acked), and
``handlers.after_ack`` around every listener's background part, which runs on the runtime's
bounded executor, never in Bolt's listener task (so a failure there cannot make Bolt drop
a fast ack, and a flood of commands cannot flood the event loop).
"""

from __future__ import annotations

import json
import logging
import secrets
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_bolt.response import BoltResponse

from bot.app.metrics import closed_label
from bot.app.runtime import Runtime
from bot.app.work import Admission
from bot.errors import SOMETHING_WENT_WRONG, BotError, NotAuthorizedError
from bot.slack.render import Message, Surface
from handlers.common import respond_message, send_dm

log = logging.getLogger("aisi.handlers")

# Work cut off by a shutdown gets this long to tell the person so.
STOPPED_NOTICE_S = 1.0


async def report_failure(
    runtime: Runtime,
    respond: AsyncRespond | None,
    source: str,
    error: Exception,
    *,
    lang: str | None = None,
) -> None:
    """Log with an id, record it for /health, and tell the user briefly (never the details),
    in ``lang`` (default: ``slack.language``)."""
    message, error_id = await failure_message(runtime, source, error, lang=lang)
    if respond is not None:
        try:
            await respond_message(runtime, respond, message, visible=False)
        except Exception:  # the user cannot be told; the log line above has it all
            log.warning("could not tell the user about error %s", error_id)


async def failure_message(
    runtime: Runtime, source: str, error: Exception, *, lang: str | None = None
) -> tuple[Message, str]:
    """Log a failure with an id and record it for /health; the short notice for the person
    (never the details) in ``lang``, and the id."""
    error_id = secrets.token_hex(4)
    if isinstance(error, BotError):
        log.warning("%s failed (error id %s): %s", source, error_id, error.public_text)
        said: dict[str, Any] = {"message_id": error.message_id, "values": error.values}
        text = error.public_text
    else:
        log.error("%s failed (error id %s)", source, error_id, exc_info=error)
        runtime.metrics.errors.labels(source).inc()
        text = SOMETHING_WENT_WRONG
        said = {"message_id": SOMETHING_WENT_WRONG}
    await runtime.record_error(error_id, source, f"{type(error).__name__}: {error}")
    lang = lang or runtime.locales.default
    message = runtime.renderer.render(
        "error", lang=lang, message=text, error_id=error_id, **said
    )
    return message, error_id


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


def refuse(
    runtime: Runtime,
    body: dict[str, Any],
    respond: AsyncRespond | None,
    refusal: NotAuthorizedError,
) -> BoltResponse:
    """The answer to a request the person may not make (nothing of it ran), in their language:
    as far as it is known here when the answer is the ack itself (a command, a dialog),
    looked up after the ack otherwise (a button)."""
    words: dict[str, Any] = {
        "what": refusal.what,
        "who_may": refusal.who_may,
        "keys": refusal.keys,
    }
    user_id = _user_of(body)
    if body.get("type") == "view_submission":
        lang = runtime.known_language(user_id)
        message = runtime.renderer.render(
            "not_authorized", surface=Surface.MODAL, lang=lang, **words
        )
        view = {
            "type": "modal",
            "title": {"type": "plain_text", "text": message.title},
            "close": {"type": "plain_text", "text": "Close"},
            "blocks": message.blocks,
        }
        return _json({"response_action": "update", "view": view})
    if body.get("command"):
        lang = runtime.known_language(user_id)
        message = runtime.renderer.render("not_authorized", lang=lang, **words)
        return _json({"response_type": "ephemeral", "text": message.text, "blocks": message.blocks})
    if body.get("type") != "block_actions" or not user_id:
        return BoltResponse(status=200, body="")

    async def tell() -> None:  # a button: tell them, without the wait
        lang = await runtime.language_of(user_id)
        message = runtime.renderer.render("not_authorized", lang=lang, **words)
        if respond is not None and respond.response_url:
            await respond_message(runtime, respond, message, visible=False, replace_original=False)
        else:  # a button on App Home has nowhere to reply: a DM
            await send_dm(runtime.slack, user_id, message)

    if runtime.work.submit("refusal", tell) is not Admission.ACCEPTED:
        log.info("refusal not shown: the bot is busy")
    return BoltResponse(status=200, body="")


def _user_of(body: dict[str, Any]) -> str:
    """Who sent a request: a command's ``user_id``, an interaction's ``user.id``."""
    user = body.get("user")
    found = user.get("id") if isinstance(user, dict) else body.get("user_id")
    return str(found or "")


def _json(body: dict[str, Any]) -> BoltResponse:
    return BoltResponse(
        status=200, body=json.dumps(body), headers={"content-type": "application/json"}
    )


def register(app: AsyncApp, runtime: Runtime, commands: set[str]) -> None:
    """Install the global error handler; ``commands`` are the registered slash commands."""
    sources = PAYLOAD_TYPES | commands

    @app.error
    async def on_error(
        error: Exception, body: dict[str, Any], respond: AsyncRespond | None
    ) -> BoltResponse | None:
        if isinstance(error, NotAuthorizedError):
            return refuse(runtime, body, respond, error)
        # The source is a label and a stored word: taken from a closed set, never the body.
        source = closed_label(body.get("command") or body.get("type"), sources)
        await report_failure(runtime, respond if body.get("response_url") else None, source, error)
        return None
