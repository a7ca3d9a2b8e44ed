"""/health: run the check (shared with anyone asking at the same time), render, respond."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.health.check import HealthReport, parse_health_args
from bot.render import Message
from bot.runtime import Runtime
from handlers.common import Invocation, respond_message, slash_command
from handlers.errors import submit_and_ack
from handlers.ids import Command


class RenderedOnce:
    """One rendered message per shared report: callers who shared a check share its message."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        self._last: dict[str | None, tuple[HealthReport, Message]] = {}

    def message(self, component: str | None, report: HealthReport) -> Message:
        """The report's message, rendered (and counted) by its first caller only."""
        last = self._last.get(component)
        if last is not None and last[0] is report:
            return last[1]
        self._runtime.metrics.health_checks.labels(report.state.value).inc()
        message = self._runtime.renderer.render("health_report", report=report)
        self._last[component] = (report, message)
        return message


def register(app: AsyncApp, runtime: Runtime) -> set[str]:
    """Register the /health command."""
    rendered = RenderedOnce(runtime)

    def parse(text: str) -> str | None:
        return parse_health_args(text, runtime.health.components)

    @slash_command(app, runtime, Command.HEALTH, parse)
    async def health(call: Invocation[str | None]) -> None:
        async def work() -> None:
            report = await runtime.health.run(call.args)
            message = rendered.message(call.args, report)
            await respond_message(runtime, call.respond, message, visible=True)

        await submit_and_ack(call.ack, runtime, call.respond, call.name, work)

    return {Command.HEALTH}
