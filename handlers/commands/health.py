"""/health: run the check (shared with anyone asking at the same time), render, respond."""

from __future__ import annotations

import asyncio

from slack_bolt.async_app import AsyncApp

from bot.app.runtime import Runtime
from bot.health.check import HealthReport
from bot.slack.commands import parse_health_args
from bot.slack.render import Message
from handlers.after_ack import ack_and_run, for_command
from handlers.common import Invocation, respond_message, slash_command
from handlers.ids import Command


class RenderedOnce:
    """One rendered message per shared report and language: callers who shared a check share
    its message (the check is counted once, whatever the languages it was shown in)."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        self._last: dict[str | None, tuple[HealthReport, dict[str, Message]]] = {}

    def message(self, component: str | None, report: HealthReport, lang: str) -> Message:
        """The report's message in ``lang``, rendered by its first caller in that language."""
        last = self._last.get(component)
        if last is None or last[0] is not report:
            self._runtime.metrics.health_checks.labels(report.state.value).inc()
            last = (report, {})
            self._last[component] = last
        message = last[1].get(lang)
        if message is None:
            message = self._runtime.renderer.render("health_report", lang=lang, report=report)
            last[1][lang] = message
        return message


def register(app: AsyncApp, runtime: Runtime) -> set[str]:
    """Register the /health command."""
    rendered = RenderedOnce(runtime)

    def parse(text: str) -> str | None:
        return parse_health_args(text, runtime.health.components)

    @slash_command(app, runtime, Command.HEALTH, parse)
    async def health(call: Invocation[str | None]) -> None:
        async def work() -> None:
            report, lang = await asyncio.gather(
                runtime.health.run(call.args), runtime.language_of(call.user_id)
            )
            message = rendered.message(call.args, report, lang)
            await respond_message(runtime, call.respond, message, visible=True)

        await ack_and_run(call.ack, for_command(runtime, call), work)

    return {Command.HEALTH}
