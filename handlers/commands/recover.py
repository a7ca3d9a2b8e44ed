"""/recover [--dry-run] (operators only, checked by the pipeline): ack at once, then open the
confirmation dialog right away — Slack's trigger id expires 3 s after the command, so the
dialog is opened by ``WorkExecutor.start_now``, never queued behind other work.

While a recovery runs, ``/recover`` answers (only to the caller) who started it and when,
and opens nothing; ``/recover --dry-run`` still opens the dialog, with that warning in it
(a dry run takes no lock). The submission is ``handlers.views.recover``.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError

from bot.app.runtime import Runtime
from bot.i18n.translator import N_, Translator
from bot.recovery import RecoveryOptions
from bot.slack.commands import parse_recover_args
from bot.slack.render import Message, Surface
from bot.stores.locks import LockHolder
from handlers.after_ack import ack_and_run, for_command
from handlers.common import Invocation, respond_message, slash_command
from handlers.ids import BlockId, Command, InputId, ViewId
from handlers.views.recover import Where

log = logging.getLogger(__name__)

# How long the running-recovery check may take before the dialog opens without it (the
# submission is refused anyway while one runs); the trigger id lives 3 s in all.
HOLDER_CHECK_S = 1.0
SUBMIT, CLOSE = N_("Start"), N_("Cancel")  # the dialog's buttons
ALREADY_RUNNING = "a recovery is already running"
INPUT_IDS = {
    "steps_block": BlockId.RECOVER_STEPS.value,
    "steps_action": InputId.RECOVER_STEPS.value,
    "options_block": BlockId.RECOVER_OPTIONS.value,
    "options_action": InputId.RECOVER_OPTIONS.value,
}


def modal_view(
    message: Message, *, callback_id: str, metadata: str, t: Translator | None = None
) -> dict[str, Any]:
    """A rendered MODAL message as a views.open ``view`` (its buttons worded by ``t``)."""
    word = t.gettext if t is not None else str
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": {"type": "plain_text", "text": message.title},
        "submit": {"type": "plain_text", "text": word(SUBMIT)},
        "close": {"type": "plain_text", "text": word(CLOSE)},
        "private_metadata": metadata,
        "blocks": message.blocks,
    }


async def _running(runtime: Runtime) -> LockHolder | None:
    try:
        return await asyncio.wait_for(runtime.recovery.current(), HOLDER_CHECK_S)
    except TimeoutError:
        log.info("could not tell within %.1f s whether a recovery runs", HOLDER_CHECK_S)
        return None


async def open_dialog(runtime: Runtime, call: Invocation[bool]) -> None:
    """Say who runs a recovery now (and stop), or open the confirmation dialog."""
    dry_run = call.args
    # The dialog is the caller's alone: in their language as already known (the trigger id
    # expires before Slack could be asked).
    lang = runtime.known_language(call.user_id)
    t = runtime.renderer.translator(lang)
    holder = await _running(runtime)
    if holder is not None and not dry_run:
        report = await runtime.recovery.record_refusal(
            RecoveryOptions(), actor=f"user:{call.user_id}", reason=ALREADY_RUNNING, holder=holder
        )
        message = runtime.renderer.render("recover_summary", lang=lang, report=report)
        await respond_message(runtime, call.respond, message, visible=False)
        return
    message = runtime.renderer.render(
        "recover_modal",
        surface=Surface.MODAL,
        lang=lang,
        steps=runtime.recovery.describe_steps(t),
        dry_run=dry_run,
        holder=holder,
        ids=INPUT_IDS,
    )
    where = Where(call.channel_id or call.user_id, call.respond.response_url)
    view = modal_view(
        message, callback_id=ViewId.RECOVER_CONFIRM.value, metadata=where.to_metadata(), t=t
    )
    try:
        await call.client.views_open(trigger_id=call.trigger_id, view=view)
    except SlackApiError as exc:
        why = str(exc.response.get("error"))
        log.warning("views.open for /recover failed: %s", why)
        said = N_("Slack did not open the recovery dialog (%(why)s); nothing was done. Try again.")
        notice = runtime.renderer.render(
            "error", lang=lang, message="", message_id=said, values={"why": why}, error_id=None
        )
        await respond_message(runtime, call.respond, notice, visible=False)


def register(app: AsyncApp, runtime: Runtime) -> set[str]:
    """Register the /recover command."""

    @slash_command(app, runtime, Command.RECOVER, parse_recover_args)
    async def recover(call: Invocation[bool]) -> None:
        async def work() -> None:
            await open_dialog(runtime, call)

        # Now, not queued: the trigger id that opens the dialog expires in 3 seconds.
        await ack_and_run(call.ack, for_command(runtime, call), work, now=True)

    return {Command.RECOVER}
