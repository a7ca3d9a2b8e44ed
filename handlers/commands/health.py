"""/health: ack, parse, run the check, render, respond."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond

from bot.errors import HelpRequested, UsageError
from bot.health.check import HealthReport, parse_health_args
from bot.render import Message
from bot.runtime import Runtime
from handlers.common import ack_help, ack_usage, respond_message
from handlers.errors import submit_and_ack


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

    @app.command("/health")
    async def health_command(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond) -> None:
        runtime.metrics.commands.labels("/health").inc()
        try:
            component = parse_health_args(command.get("text", ""), runtime.health.components)
        except HelpRequested as asked:
            await ack_help(ack, runtime.renderer, asked.command)
            return
        except UsageError as error:
            await ack_usage(ack, runtime.renderer, error)
            return

        async def work() -> None:
            report = await runtime.health.run(component)
            message = rendered.message(component, report)
            await respond_message(runtime, respond, message, visible=True)

        await submit_and_ack(ack, runtime, respond, "/health", work)

    return {"/health"}
