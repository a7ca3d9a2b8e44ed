"""The aiohttp server: Slack's endpoint (HTTP mode) and the operational endpoints."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.typedefs import Handler
from slack_bolt.async_app import AsyncApp

from bot.app.runtime import Runtime
from handlers.web import alerts, probes, slack_events

log = logging.getLogger(__name__)

# On shutdown, requests in flight get this long (an ack takes at most 3 s by Slack's rules).
HTTP_SHUTDOWN_S = 3.0


def build_web_app(runtime: Runtime, bolt: AsyncApp | None) -> web.Application:
    """aiohttp: /slack/events (when ``bolt`` is given: HTTP mode), /healthz, /readyz, /metrics,
    /alerts (inbound alerts, bearer token)."""
    web_app = web.Application(middlewares=[_until_ready(runtime)])
    if bolt is not None:
        slack_events.register(web_app, runtime, bolt)
    probes.register(web_app, runtime)
    alerts.register(web_app, runtime)
    return web_app


# Paths that change something: refused with 503 while start-up is not done (a load balancer
# or Slack retries after Retry-After). /healthz, /readyz and /metrics always answer.
_GATED_PATHS = ("/slack/events", "/alerts")
STARTING_RETRY_AFTER_S = 1


def _until_ready(runtime: Runtime) -> Callable[..., Awaitable[web.StreamResponse]]:
    """Middleware: 503 with ``Retry-After: 1`` on the gated paths until the runtime accepts
    requests; nothing of the request is read."""

    @web.middleware
    async def gate(request: web.Request, handler: Handler) -> web.StreamResponse:
        path = request.path
        gated = path in _GATED_PATHS or path.startswith("/alerts/")
        if gated and not runtime.accepting.is_set():
            state = runtime.startup_state()
            response = web.json_response(
                {"error": f"starting: {state}; retry shortly"},
                status=503,
                headers={"Retry-After": str(STARTING_RETRY_AFTER_S)},
            )
            response.force_close()
            return response
        return await handler(request)

    return gate


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
