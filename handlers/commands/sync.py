"""/sync (operators only, checked by the pipeline): one progress message updated as sources
finish, then the summary."""

from __future__ import annotations

import asyncio
import logging

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError

from bot.app.runtime import Runtime
from bot.slack.commands import parse_sync_args
from bot.slack.render import Message
from bot.sources.records import SourceResult
from bot.sync.request import SyncReport, SyncRequest
from handlers.after_ack import ack_and_run, for_command
from handlers.common import Invocation, respond_message, slash_command
from handlers.errors import STOPPED_NOTICE_S
from handlers.ids import Command
from handlers.progress import ProgressMessage

log = logging.getLogger(__name__)

SyncArgs = tuple[str, bool, bool]  # scope, dry run, force


def register(app: AsyncApp, runtime: Runtime) -> set[str]:
    """Register the /sync command."""

    @slash_command(app, runtime, Command.SYNC, parse_sync_args)
    async def sync(call: Invocation[SyncArgs]) -> None:
        async def work() -> None:
            await run_sync(runtime, call)

        await ack_and_run(call.ack, for_command(runtime, call, says_when_cut_off=True), work)

    return {Command.SYNC}


async def run_sync(runtime: Runtime, call: Invocation[SyncArgs]) -> None:
    """The sync, its progress in one message, and the summary (also when shutdown cuts it)."""
    scope, dry_run, force = call.args
    request = SyncRequest(scope, dry_run, force, trigger=f"user:{call.user_id}")
    names = [step.name for step in runtime.sync.steps_for(scope)]
    done: list[tuple[str, SourceResult]] = []
    lang = await runtime.language_of(call.user_id)  # after the ack: Slack may be asked

    def progress_message() -> Message:
        finished = {n for n, _ in done}
        pending = [n for n in names if n not in finished]
        return runtime.renderer.render(
            "sync_progress",
            lang=lang,
            scope=scope,
            dry_run=dry_run,
            user_id=call.user_id,
            done=done,
            pending=pending,
        )

    async def reply(message: Message) -> None:
        await respond_message(runtime, call.respond, message, visible=True)

    progress = ProgressMessage(call.client, call.channel_id, reply)
    await progress.start(progress_message())

    async def on_source(name: str, result: SourceResult) -> None:
        done.append((name, result))
        progress.update(progress_message())

    report = SyncReport(request)
    try:
        await runtime.sync.run(request, on_source, report=report)
    except asyncio.CancelledError:
        # Shutdown cut the sync off: the message says so and what had finished.
        stopped = runtime.renderer.render(
            "sync_report", lang=lang, report=report, user_id=call.user_id
        )
        try:
            await asyncio.wait_for(asyncio.shield(progress.finish(stopped)), STOPPED_NOTICE_S)
        except (TimeoutError, SlackApiError, OSError) as exc:
            log.warning("could not say that the sync stopped: %s", type(exc).__name__)
        raise
    summary = runtime.renderer.render(
            "sync_report", lang=lang, report=report, user_id=call.user_id
        )
    await progress.finish(summary)
