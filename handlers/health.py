"""/health: ack, parse, run the check, render, respond."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond

from bot.errors import HelpRequested, UsageError
from bot.health import parse_health_args
from bot.runtime import Runtime
from handlers.common import ack_help, ack_usage, respond_message
from handlers.errors import after_ack


def register(app: AsyncApp, runtime: Runtime) -> set[str]:
    """Register the /health command."""

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
        async with after_ack(runtime, respond, "/health"):
            await ack()
            report = await runtime.health.run(component)
            runtime.metrics.health_checks.labels(report.state.value).inc()
            message = runtime.renderer.render("health_report", report=report)
            await respond_message(respond, message, visible=True)

    return {"/health"}
