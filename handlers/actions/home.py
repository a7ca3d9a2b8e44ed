"""The App Home buttons: "Run health check" and "Sync dry run", each answered by DM in the
presser's language. The pipeline has already checked the presser: the dry run takes the same
people as /sync; the health check, anyone (as /health)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_bolt.context.ack.async_ack import AsyncAck

from bot.app.runtime import Runtime
from bot.slack.render import Message
from bot.sync.request import SyncReport, SyncRequest
from handlers.after_ack import AfterAck, Answer, ack_and_run
from handlers.common import send_dm
from handlers.ids import ActionId

log = logging.getLogger("aisi.handlers")

Reply = Callable[[str, str], Awaitable[Message]]  # (user, language) → the DM


def register(app: AsyncApp, runtime: Runtime) -> None:
    """Register the two App Home buttons."""

    async def health_check(user_id: str, lang: str) -> Message:
        report = await runtime.health.run(None)
        runtime.metrics.health_checks.labels(report.state.value).inc()
        return runtime.renderer.render("health_report", lang=lang, report=report)

    async def sync_dry_run(user_id: str, lang: str) -> Message:
        request = SyncRequest("all", True, False, trigger=f"user:{user_id}")
        report = SyncReport(request)
        await runtime.sync.run(request, report=report)
        return runtime.renderer.render("sync_report", lang=lang, report=report, user_id=user_id)

    def button(name: ActionId, reply: Reply) -> None:
        async def pressed(ack: AsyncAck, context: AsyncBoltContext) -> None:
            user_id = context.user_id or ""

            if not user_id:  # nobody to answer
                await ack()
                return

            async def work() -> None:
                lang = await runtime.language_of(user_id)
                await send_dm(runtime.slack, user_id, await reply(user_id, lang))

            async def tell(message: Message) -> None:
                await send_dm(runtime.slack, user_id, message)

            request = AfterAck(runtime, name.value, user_id, tell, what="that button")
            await ack_and_run(ack, request, work, answer=Answer.BUTTON)

        app.action(name.value)(pressed)

    button(ActionId.HOME_HEALTH_CHECK, health_check)
    button(ActionId.HOME_SYNC_DRY_RUN, sync_dry_run)
