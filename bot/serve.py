"""`aisi-bot serve`: HTTP mode, Socket Mode, or local mode when there are no Slack credentials."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

from bot.app import build_bolt_app, build_web_app, connect_slack, start_site
from bot.looplag import watch_loop_lag
from bot.runtime import start_runtime
from bot.settings import Settings

log = logging.getLogger(__name__)

# On SIGTERM, commands already acknowledged get this long to finish and post their results.
SHUTDOWN_GRACE_S = 25


def freeze_startup_objects() -> None:
    """Move everything built at start-up out of the collector's reach.

    A full garbage collection walks every tracked object while holding the GIL; on a
    running bot that is tens of milliseconds during which the event loop cannot run, even
    when the work that triggered it (parsing the AA page) is in a worker thread.
    """
    gc.collect()
    gc.freeze()


def _stop_on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)


async def serve(settings: Settings, *, stop: asyncio.Event | None = None) -> int:
    """Run the bot until SIGINT/SIGTERM (or ``stop``); returns the exit code."""
    if settings.slack_mode == "local":
        from bot.local_mode import run_local_mode

        return await run_local_mode(settings)
    stop = stop or asyncio.Event()
    _stop_on_signals(stop)
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
            await socket_handler.connect_async()  # type: ignore[no-untyped-call]
            log.info("Socket Mode connected")
        freeze_startup_objects()
        log.info("aisi-bot serving in %s mode on port %d", mode, port)
        await stop.wait()
    finally:
        # Stop taking requests first, then let acknowledged work finish and post its result.
        if socket_handler is not None:
            await socket_handler.close_async()  # type: ignore[no-untyped-call]
        await runner.cleanup()
        log.info("shutting down: waiting for work in progress (at most %d s)", SHUTDOWN_GRACE_S)
        if not await runtime.wait_idle(SHUTDOWN_GRACE_S):
            log.warning("work still running after %d s; stopping anyway", SHUTDOWN_GRACE_S)
        await runtime.close()
    return 0
