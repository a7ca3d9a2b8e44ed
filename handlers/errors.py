"""The one error mapping: domain errors become a short message; others get an error id.

A refusal (``NotAuthorizedError``, raised by the authorisation step of the pipeline) is
worded by the ``not_authorized`` template: in the ack of a command, as an ephemeral reply to
a button press, as the dialog's new content for a submission.

Failures reach it two ways: Bolt's global error handler (before a listener acked), and
``submit_and_ack`` around every listener's background part, which runs on the runtime's
bounded executor, never in Bolt's listener task (so a failure there cannot make Bolt drop
a fast ack, and a flood of commands cannot flood the event loop).
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_bolt.response import BoltResponse

from bot.errors import SOMETHING_WENT_WRONG, BotError, NotAuthorizedError
from bot.metrics import closed_label
from bot.render import Surface
from bot.runtime import Runtime
from bot.work import Admission
from handlers.common import respond_message

log = logging.getLogger("aisi.handlers")

# Work cut off by a shutdown gets this long to tell the person so.
STOPPED_NOTICE_S = 1.0


async def report_failure(
    runtime: Runtime, respond: AsyncRespond | None, source: str, error: Exception
) -> None:
    """Log with an id, record it for /health, and tell the user briefly (never the details)."""
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
    if respond is not None:
        message = runtime.renderer.render("error", message=text, error_id=error_id, **said)
        try:
            await respond_message(runtime, respond, message, visible=False)
        except Exception:  # the user cannot be told; the log line above has it all
            log.warning("could not tell the user about error %s", error_id)


async def submit_and_ack(
    ack: AsyncAck,
    runtime: Runtime,
    respond: AsyncRespond,
    source: str,
    work: Callable[[], Awaitable[None]],
    *,
    says_when_cut_off: bool = False,
) -> Admission:
    """Queue a command's background part, then ack: plainly, or "busy" when nothing was queued.

    The work's failures are reported by the one error mapping, never raised. Work that a
    shutdown cuts off (or never starts) tells the person so, unless ``says_when_cut_off``:
    the work then updates its own message (/sync's progress).
    """

    async def tell_stopped(started: bool) -> None:
        message = runtime.renderer.render("stopped", command=source, started=started)
        await respond_message(runtime, respond, message, visible=False)

    async def guarded() -> None:
        try:
            await work()
        except Exception as error:
            await report_failure(runtime, respond, source, error)
        except asyncio.CancelledError:
            if not says_when_cut_off:
                try:
                    await asyncio.wait_for(asyncio.shield(tell_stopped(True)), STOPPED_NOTICE_S)
                except Exception:  # the log line of the shutdown counts it either way
                    log.warning("could not tell the user that %s was cut off", source)
            raise

    async def abandoned() -> None:
        await tell_stopped(False)

    admission = runtime.work.submit(source, guarded, abandon=abandoned)
    if admission is Admission.ACCEPTED:
        await ack()
    else:
        busy = runtime.renderer.render_constant(
            "busy", command=source, stopping=admission is Admission.STOPPING
        )
        await ack(text=busy.text, blocks=busy.blocks, response_type="ephemeral")
    return admission


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
    """The answer to a request the person may not make (nothing of it ran)."""
    words: dict[str, Any] = {
        "what": refusal.what,
        "who_may": refusal.who_may,
        "keys": refusal.keys,
    }
    if body.get("type") == "view_submission":
        message = runtime.renderer.render("not_authorized", surface=Surface.MODAL, **words)
        view = {
            "type": "modal",
            "title": {"type": "plain_text", "text": message.title},
            "close": {"type": "plain_text", "text": "Close"},
            "blocks": message.blocks,
        }
        return _json({"response_action": "update", "view": view})
    message = runtime.renderer.render("not_authorized", **words)
    if body.get("command"):
        return _json({"response_type": "ephemeral", "text": message.text, "blocks": message.blocks})
    if respond is not None and respond.response_url:  # a button: tell them, without the wait

        async def tell() -> None:
            await respond_message(runtime, respond, message, visible=False, replace_original=False)

        if runtime.work.submit("refusal", tell) is not Admission.ACCEPTED:
            log.info("refusal not shown: the bot is busy")
    return BoltResponse(status=200, body="")


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
