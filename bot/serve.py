"""`aisi-bot serve`: HTTP mode, Socket Mode, or local mode when there are no Slack credentials."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import time
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

from bot.app import build_bolt_app, build_web_app, connect_slack, start_site
from bot.looplag import watch_loop_lag
from bot.runtime import Runtime, start_runtime
from bot.settings import Settings

log = logging.getLogger(__name__)

# Closing the Socket Mode WebSocket waits for Slack's close frame; never longer than this.
SOCKET_CLOSE_S = 2.0


def freeze_startup_objects() -> None:
    """Move everything built at start-up out of the collector's reach.

    A full garbage collection walks every tracked object while holding the GIL; on a
    running bot that is tens of milliseconds during which the event loop cannot run, even
    when the work that triggered it (parsing the AA page) is in a worker thread.
    """
    gc.collect()
    gc.freeze()


def stop_on_signals(stop: asyncio.Event) -> None:
    """SIGINT and SIGTERM set ``stop`` (where the loop supports signal handlers)."""
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)


async def until_stopped(stop: asyncio.Event, work: asyncio.Future[Any]) -> bool:
    """Wait for ``work`` or ``stop``; on stop, cancel ``work``. True when ``work`` finished."""
    stopped: asyncio.Future[object] = asyncio.ensure_future(stop.wait())
    watched: set[asyncio.Future[Any]] = {work, stopped}
    try:
        await asyncio.wait(watched, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopped.cancel()
    if work.done():
        work.result()
        return True
    work.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await work
    return False


async def finish_work(runtime: Runtime, deadline: float) -> None:
    """Let acknowledged work finish until ``deadline`` (monotonic), then cancel and log the rest."""
    grace = max(deadline - time.monotonic(), 0.0)
    log.info("shutting down: waiting for work in progress (at most %.0f s)", grace)
    summary = await runtime.work.shutdown(grace)
    if summary.finished_in_grace:
        log.info("shutdown: %s", summary.line())
    else:
        log.warning("shutdown grace period ended: %s", summary.line())


async def serve(settings: Settings, *, stop: asyncio.Event | None = None) -> int:
    """Run the bot until SIGINT/SIGTERM (or ``stop``); returns the exit code."""
    if settings.slack_mode == "local":
        from bot.local_mode import run_local_mode

        return await run_local_mode(settings)
    stop = stop or asyncio.Event()
    stop_on_signals(stop)
    runtime = await start_runtime(settings)
    runtime.spawn(watch_loop_lag(runtime.metrics.observe_loop_lag))
    try:
        client = await connect_slack(runtime)
    except BaseException:
        await runtime.close()
        raise
    bolt = build_bolt_app(runtime, client)
    mode = settings.slack_mode
    runner, port = await start_site(
        build_web_app(runtime, bolt if mode == "http" else None), settings.host, settings.port
    )
    socket_handler: AsyncSocketModeHandler | None = None
    try:
        if mode == "socket":
            app_token = settings.secret("SLACK_APP_TOKEN")
            assert app_token is not None
            socket_handler = AsyncSocketModeHandler(bolt, app_token.reveal(), web_client=client)
            runtime.readiness_checks["slack"] = _socket_state(socket_handler)
            # Connecting retries while Slack is unreachable: a signal must still stop it.
            connecting = asyncio.ensure_future(socket_handler.connect_async())  # type: ignore[no-untyped-call]
            if await until_stopped(stop, connecting):
                log.info("Socket Mode connected")
        if not stop.is_set():
            freeze_startup_objects()
            log.info("aisi-bot serving in %s mode on port %d", mode, port)
            await stop.wait()
    finally:
        # The grace period counts from the signal. Stop taking requests first (the executor
        # refuses new work from here on), then let acknowledged work finish and post.
        deadline = time.monotonic() + settings.shutdown_grace_s
        if socket_handler is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    socket_handler.close_async(),  # type: ignore[no-untyped-call]
                    SOCKET_CLOSE_S,
                )
        await runner.cleanup()
        await finish_work(runtime, deadline)
        await runtime.close()
    return 0


def _socket_state(handler: AsyncSocketModeHandler) -> Callable[[], Awaitable[str]]:
    """/readyz's Slack check in Socket Mode: ready only while the WebSocket is connected."""

    async def state() -> str:
        if await handler.client.is_connected():
            return "ok"
        return "not connected to Slack (Socket Mode is connecting or reconnecting)"

    return state
