"""/recover's confirmation submitted: validate, close the dialog, run the recovery on the
executor with its progress in one message in the channel, then the summary.

The dialog's view id is the run's idempotency key: a resubmitted dialog or a retried
delivery returns the first run's report and starts nothing (and posts nothing).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.app.runtime import Runtime
from bot.app.work import Admission
from bot.i18n.translator import N_
from bot.recovery import (
    ALL_STEPS,
    Outcome,
    RecoveryOptions,
    RecoveryReport,
    StepsError,
    parse_steps,
)
from bot.slack.render import Message
from handlers.after_ack import AfterAck
from handlers.common import respond_message
from handlers.errors import STOPPED_NOTICE_S
from handlers.ids import BlockId, Command, InputId, ViewId
from handlers.progress import ProgressMessage

log = logging.getLogger(__name__)

SOURCE = Command.RECOVER.value  # the work's name in metrics and the error log
NO_STEPS = N_("Choose at least one step.")
BUSY = N_("The bot is busy (or stopping) and started nothing; submit again in a moment.")
KNOWN_STEPS = frozenset(step.value for step in ALL_STEPS)
_CHANNEL = re.compile(r"^[CDGU][A-Z0-9]{2,30}$")


@dataclass(frozen=True)
class Where:
    """Where the command was typed: the channel for the progress message, and the command's
    response_url (the fallback when the bot cannot post there). Kept in private_metadata."""

    channel: str
    response_url: str | None = None

    def to_metadata(self) -> str:
        """The dialog's private_metadata."""
        return json.dumps({"channel": self.channel, "response_url": self.response_url})

    @classmethod
    def from_metadata(cls, raw: object, user_id: str) -> Where:
        """Read back; anything missing or malformed means the person's DM and no reply URL."""
        try:
            data = json.loads(raw) if isinstance(raw, str) and raw else {}
        except ValueError:
            data = {}
        data = data if isinstance(data, dict) else {}
        channel = data.get("channel")
        url = data.get("response_url")
        return cls(
            channel if isinstance(channel, str) and _CHANNEL.match(channel) else user_id,
            url if isinstance(url, str) and url.startswith(("https://", "http://")) else None,
        )


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _selected(values: dict[str, Any], block: BlockId, action: InputId) -> list[str]:
    state = _dict(_dict(values.get(block.value)).get(action.value))
    options = state.get("selected_options")
    return [str(o.get("value")) for o in options or [] if isinstance(o, dict)]


def parse_submission(view: dict[str, Any]) -> RecoveryOptions:
    """The options the person ticked (unknown values ignored); raises StepsError when no
    step is ticked."""
    values = _dict(_dict(view.get("state")).get("values"))
    ticked = _selected(values, BlockId.RECOVER_STEPS, InputId.RECOVER_STEPS)
    steps = parse_steps(v for v in ticked if v in KNOWN_STEPS)
    chosen = set(_selected(values, BlockId.RECOVER_OPTIONS, InputId.RECOVER_OPTIONS))
    return RecoveryOptions(
        steps=steps,
        dry_run="dry_run" in chosen,
        continue_on_failure="continue_on_failure" in chosen,
        force_sync="force_sync" in chosen,
    )


def register(app: AsyncApp, runtime: Runtime) -> None:
    """Register the submission of the recovery dialog (operators only: the pipeline checks)."""

    @app.view(ViewId.RECOVER_CONFIRM.value)
    async def recover_confirm(
        ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient
    ) -> None:
        user_id = str((body.get("user") or {}).get("id", ""))
        word = runtime.renderer.translator(runtime.known_language(user_id)).gettext
        try:
            options = parse_submission(view)
        except StepsError:
            errors = {BlockId.RECOVER_STEPS.value: word(NO_STEPS)}
            await ack(response_action="errors", errors=errors)
            return
        where = Where.from_metadata(view.get("private_metadata"), user_id)
        key = str(view.get("id") or "") or None

        async def work() -> None:
            await run_recovery(runtime, client, options, user_id=user_id, where=where, key=key)

        async def tell(message: Message) -> None:
            await _tell(runtime, client, where, user_id, message, visible=False)

        # The recovery reports its own progress; a failure or a shutdown is told by AfterAck.
        request = AfterAck(runtime, SOURCE, user_id, tell, says_when_cut_off=True)
        if request.submit(work) is not Admission.ACCEPTED:
            await ack(response_action="errors", errors={BlockId.RECOVER_STEPS.value: word(BUSY)})
            return
        await ack(response_action="clear")


def _respond(where: Where) -> AsyncRespond | None:
    return AsyncRespond(response_url=where.response_url) if where.response_url else None


async def _tell(
    runtime: Runtime,
    client: AsyncWebClient,
    where: Where,
    user_id: str,
    message: Message,
    *,
    visible: bool,
) -> None:
    """Reply through the command's response_url, else ephemerally in the channel."""
    respond = _respond(where)
    if respond is not None:
        await respond_message(runtime, respond, message, visible=visible)
        return
    await client.chat_postEphemeral(channel=where.channel, user=user_id, **message.as_kwargs())


async def run_recovery(
    runtime: Runtime,
    client: AsyncWebClient,
    options: RecoveryOptions,
    *,
    user_id: str,
    where: Where,
    key: str | None,
) -> RecoveryReport:
    """Run one recovery with its progress message; the summary (or the refusal) at the end.

    The progress and the summary are seen in the channel: in ``slack.language``."""
    lang = runtime.settings.language
    t = runtime.renderer.translator(lang)

    def render(name: str, **context: Any) -> Message:
        return runtime.renderer.render(name, lang=lang, **context)

    async def reply(message: Message) -> None:
        await _tell(runtime, client, where, user_id, message, visible=True)

    progress = ProgressMessage(client, where.channel, reply)
    last: list[RecoveryReport] = []

    async def on_progress(report: RecoveryReport) -> None:
        message = render("recover_progress", report=report)
        if not last:
            await progress.start(message)
        else:
            progress.update(message)
        last[:] = [report]

    try:
        report = await runtime.recovery.run(
            options, actor=f"user:{user_id}", idempotency_key=key, progress=on_progress, t=t
        )
    except asyncio.CancelledError:
        if last:  # shutdown cut the run off: its message says so, and how far it got
            stopped = last[0].snapshot()
            stopped.interrupt(datetime.now(UTC))
            summary = render("recover_summary", report=stopped)
            try:
                await asyncio.wait_for(asyncio.shield(progress.finish(summary)), STOPPED_NOTICE_S)
            except (TimeoutError, SlackApiError, OSError) as exc:
                log.warning("could not say that the recovery stopped: %s", type(exc).__name__)
        raise
    if report.duplicate:
        log.info("recovery request %s was already received; nothing new started", key)
        return report
    summary = render("recover_summary", report=report)
    if report.outcome is Outcome.REFUSED or not last:
        await _tell(runtime, client, where, user_id, summary, visible=False)
    else:
        await progress.finish(summary)
    return report
