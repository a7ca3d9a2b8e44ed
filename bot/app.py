"""The app factory: the Bolt AsyncApp and the aiohttp server around it."""

from __future__ import annotations

import logging

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.runtime import Runtime
from bot.slack_client import build_web_client

log = logging.getLogger(__name__)

SLACK_EVENTS_PATH = "/slack/events"
# On shutdown, requests in flight get this long (an ack takes at most 3 s by Slack's rules).
HTTP_SHUTDOWN_S = 3.0


def build_slack_client(runtime: Runtime) -> AsyncWebClient:
    """The Slack Web API client for this runtime's token and SLACK_API_URL."""
    token = runtime.settings.secret("SLACK_BOT_TOKEN")
    return build_web_client(
        token=token.reveal() if token else "",
        base_url=runtime.settings.urls["SLACK_API_URL"],
    )


def build_bolt_app(runtime: Runtime, client: AsyncWebClient) -> AsyncApp:
    """A Bolt AsyncApp with request verification on and every listener registered."""
    import handlers

    secret = runtime.settings.secret("SLACK_SIGNING_SECRET")
    app = AsyncApp(
        client=client,
        signing_secret=secret.reveal() if secret else "",
        request_verification_enabled=True,
        raise_error_for_unhandled_request=False,
        # Every listener only parses, acks and queues its work on the runtime's executor, so
        # Bolt answers as soon as the listener returns instead of polling for the ack (10 ms).
        process_before_response=True,
        logger=logging.getLogger("aisi.bolt"),
    )
    handlers.register(app, runtime)
    return app


def build_web_app(runtime: Runtime, bolt: AsyncApp | None) -> web.Application:
    """aiohttp: /slack/events (when HTTP mode), /healthz, /readyz, /metrics."""
    web_app = web.Application()

    if bolt is not None:

        async def slack_events(request: web.Request) -> web.Response:
            bolt_response = await bolt.async_dispatch(await to_bolt_request(request))
            return await to_aiohttp_response(bolt_response)

        web_app.router.add_post(SLACK_EVENTS_PATH, slack_events)

    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"status": "alive"})

    async def readyz(_: web.Request) -> web.Response:
        checks = await runtime.readiness()
        ready = all(v == "ok" for v in checks.values())
        return web.json_response(
            {"status": "ready" if ready else "not ready", "checks": checks},
            status=200 if ready else 503,
        )

    async def metrics(_: web.Request) -> web.Response:
        body = runtime.metrics.render()
        return web.Response(body=body, headers={"Content-Type": runtime.metrics.content_type})

    web_app.router.add_get("/healthz", healthz)
    web_app.router.add_get("/readyz", readyz)
    web_app.router.add_get("/metrics", metrics)
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
