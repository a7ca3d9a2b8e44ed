"""The aiohttp server: Slack's endpoint (HTTP mode) and the operational endpoints."""

from __future__ import annotations

import logging

from aiohttp import web
from slack_bolt.async_app import AsyncApp

from bot.app.runtime import Runtime
from handlers.web import alerts, probes, slack_events

log = logging.getLogger(__name__)

# On shutdown, requests in flight get this long (an ack takes at most 3 s by Slack's rules).
HTTP_SHUTDOWN_S = 3.0


def build_web_app(runtime: Runtime, bolt: AsyncApp | None) -> web.Application:
    """aiohttp: /slack/events (when ``bolt`` is given: HTTP mode), /healthz, /readyz, /metrics,
    /alerts (inbound alerts, bearer token)."""
    web_app = web.Application()
    if bolt is not None:
        slack_events.register(web_app, runtime, bolt)
    probes.register(web_app, runtime)
    alerts.register(web_app, runtime)
    return web_app


async def start_site(web_app: web.Application, host: str, port: int) -> tuple[web.AppRunner, int]:
    """Serve the app; returns the runner and the port actually bound (for port 0)."""
    runner = web.AppRunner(web_app, access_log=None, shutdown_timeout=HTTP_SHUTDOWN_S)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    server = site._server
    sockets = getattr(server, "sockets", None) or []
    bound = sockets[0].getsockname()[1] if sockets else port
    log.info("listening on http://%s:%d", host, bound)
    return runner, int(bound)
