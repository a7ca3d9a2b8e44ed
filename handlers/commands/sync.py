"""/sync: operators only; one progress message updated per source, then the summary."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.errors import HelpRequested, NotAuthorizedError, UsageError
from bot.render import Message
from bot.runtime import Runtime
from bot.sources.records import SourceResult
from bot.sync.service import SyncReport, SyncRequest, parse_sync_args
from handlers.common import ack_help, ack_usage, respond_message
from handlers.errors import STOPPED_NOTICE_S, submit_and_ack

log = logging.getLogger(__name__)


def register(app: AsyncApp, runtime: Runtime) -> set[str]:
    """Register the /sync command."""

    @app.command("/sync")
    async def sync_command(
        ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
    ) -> None:
        runtime.metrics.commands.labels("/sync").inc()
        try:
            scope, dry_run, force = parse_sync_args(command.get("text", ""))
        except HelpRequested as asked:
            await ack_help(ack, runtime.renderer, asked.command)
            return
        except UsageError as error:
            await ack_usage(ack, runtime.renderer, error)
            return
        user_id = str(command.get("user_id", ""))
        try:
            await runtime.operators.require(user_id, "run /sync")
        except NotAuthorizedError as denied:
            message = runtime.renderer.render("error", message=str(denied), error_id=None)
            await ack(text=message.text, blocks=message.blocks, response_type="ephemeral")
            return
        channel = str(command.get("channel_id", ""))
        request = SyncRequest(scope=scope, dry_run=dry_run, force=force, trigger=f"user:{user_id}")

        async def work() -> None:
            service = runtime.sync
            names = [step.name for step in service.steps_for(scope)]
            done: list[tuple[str, SourceResult]] = []
            progress_ts = await _post_progress(
                client, runtime, channel, scope, dry_run, user_id, done, names
            )

            async def show(message: Message) -> None:
                if progress_ts is not None:
                    try:
                        await client.chat_update(
                            channel=channel, ts=progress_ts, **message.as_kwargs()
                        )
                        return
                    except SlackApiError as exc:
                        log.warning("sync message update failed: %s", exc.response.get("error"))
                await respond_message(runtime, respond, message, visible=True)

            async def on_source(name: str, result: SourceResult) -> None:
                done.append((name, result))
                if progress_ts is None:
                    return
                finished = {n for n, _ in done}
                message = runtime.renderer.render(
                    "sync_progress",
                    scope=scope,
                    dry_run=dry_run,
                    user_id=user_id,
                    done=done,
                    pending=[n for n in names if n not in finished],
                )
                try:
                    await client.chat_update(channel=channel, ts=progress_ts, **message.as_kwargs())
                except SlackApiError as exc:
                    log.warning("progress update failed: %s", exc.response.get("error"))

            report = SyncReport(request)
            try:
                await service.run(request, on_source, report=report)
            except asyncio.CancelledError:
                # Shutdown cut the sync off: the message says so and what had finished.
                stopped = runtime.renderer.render("sync_report", report=report, user_id=user_id)
                try:
                    await asyncio.wait_for(asyncio.shield(show(stopped)), STOPPED_NOTICE_S)
                except (TimeoutError, SlackApiError, OSError) as exc:
                    log.warning("could not say that the sync stopped: %s", type(exc).__name__)
                raise
            await show(runtime.renderer.render("sync_report", report=report, user_id=user_id))

        await submit_and_ack(ack, runtime, respond, "/sync", work, says_when_cut_off=True)

    return {"/sync"}


async def _post_progress(
    client: AsyncWebClient,
    runtime: Runtime,
    channel: str,
    scope: str,
    dry_run: bool,
    user_id: str,
    done: list[tuple[str, SourceResult]],
    names: list[str],
) -> str | None:
    """Post the progress message; None when the bot cannot post there (then: response_url)."""
    message = runtime.renderer.render(
        "sync_progress", scope=scope, dry_run=dry_run, user_id=user_id, done=done, pending=names
    )
    try:
        posted = await client.chat_postMessage(channel=channel, **message.as_kwargs())
    except SlackApiError as exc:
        log.info(
            "cannot post progress in %s (%s); the summary goes by response_url",
            channel,
            exc.response.get("error"),
        )
        return None
    return str(posted.get("ts"))
