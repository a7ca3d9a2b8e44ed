"""`aisi-bot serve` with Slack credentials: HTTP mode or Socket Mode (local mode is
``bot.app.local_mode``; the CLI picks by the credentials)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

from bot.app.lifecycle import freeze_startup_objects, stop_on_signals, until_stopped
from bot.app.wiring import running_bot
from bot.settings.model import Settings

log = logging.getLogger(__name__)

# Closing the Socket Mode WebSocket waits for Slack's close frame; never longer than this.
SOCKET_CLOSE_S = 2.0


async def serve(settings: Settings, *, stop: asyncio.Event | None = None) -> int:
    """Run the bot until SIGINT/SIGTERM (or ``stop``); returns the exit code."""
    stop = stop or asyncio.Event()
    stop_on_signals(stop)
    mode = settings.slack_mode
    async with running_bot(
        settings, host=settings.host, port=settings.port, http_events=mode == "http"
    ) as running:
        socket_handler: AsyncSocketModeHandler | None = None
        try:
            # No event is taken before start-up is done (or has found the database down).
            await until_stopped(stop, asyncio.ensure_future(running.runtime.accepting.wait()))
            if mode == "socket" and not stop.is_set():
                app_token = settings.secret("SLACK_APP_TOKEN")
                assert app_token is not None
                socket_handler = AsyncSocketModeHandler(
                    running.bolt, app_token.reveal(), web_client=running.runtime.slack
                )
                running.runtime.readiness_checks["slack"] = _socket_state(socket_handler)
                # Connecting retries while Slack is unreachable: a signal must still stop it.
                connecting = asyncio.ensure_future(socket_handler.connect_async())  # type: ignore[no-untyped-call]
                if await until_stopped(stop, connecting):
                    log.info("Socket Mode connected")
            if not stop.is_set():
                freeze_startup_objects()
                log.info("aisi-bot serving in %s mode on port %d", mode, running.port)
                await stop.wait()
        finally:
            # The grace period counts from the signal. Stop taking requests first (the
            # executor refuses new work from here on), then let acknowledged work finish.
            running.begin_shutdown()
            if socket_handler is not None:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(
                        socket_handler.close_async(),  # type: ignore[no-untyped-call]
                        SOCKET_CLOSE_S,
                    )
    return 0


def _socket_state(handler: AsyncSocketModeHandler) -> Callable[[], Awaitable[str]]:
    """/readyz's Slack check in Socket Mode: ready only while the WebSocket is connected."""

    async def state() -> str:
        if await handler.client.is_connected():
            return "ok"
        return "not connected to Slack (Socket Mode is connecting or reconnecting)"

    return state
