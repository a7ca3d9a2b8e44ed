"""The app factory: the Bolt AsyncApp and the aiohttp server around it."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Sequence

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.web.async_client import AsyncWebClient

from bot import edge
from bot.operators import Operators
from bot.runtime import Runtime
from bot.slack_client import build_web_client, usergroup_members

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


async def connect_slack(runtime: Runtime) -> AsyncWebClient:
    """The Slack client, and what the bot learns from Slack before serving: the members of
    the user groups in auth.operators (ConfigError when Slack refuses one)."""
    client = build_slack_client(runtime)

    async def lookup(group_id: str) -> list[str]:
        return await usergroup_members(client, group_id)

    runtime.operators = Operators(runtime.settings.operators, lookup=lookup, redis=runtime.redis)
    await runtime.operators.resolve()
    return client


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


async def _read_capped(request: web.Request) -> bytes | None:
    """The body, or None as soon as it passes the cap (the rest is never buffered)."""
    chunks: list[bytes] = []
    size = 0
    while chunk := await request.content.readany():
        size += len(chunk)
        if size > edge.MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _refuse(
    runtime: Runtime, rejection: edge.Rejection, log_refusal: edge.RejectionLog
) -> web.Response:
    runtime.metrics.edge_rejections.labels(rejection.reason).inc()
    log_refusal.note(rejection)
    response = web.Response(
        status=rejection.status, text=rejection.body, content_type="application/json"
    )
    response.force_close()  # an unread remainder is not worth keeping the connection for
    return response


def build_slack_events_handler(
    runtime: Runtime, bolt: AsyncApp
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """POST /slack/events: verify in front of Bolt, then hand Bolt the verified body."""
    secret_value = runtime.settings.secret("SLACK_SIGNING_SECRET")
    secret = secret_value.reveal() if secret_value else ""
    log_refusal = edge.RejectionLog()

    async def slack_events(request: web.Request) -> web.StreamResponse:
        timestamp = request.headers.get("X-Slack-Request-Timestamp")
        signature = request.headers.get("X-Slack-Signature")
        rejection = edge.check_headers(timestamp, signature, time.time()) or edge.check_length(
            request.content_length
        )
        if rejection is not None:
            return _refuse(runtime, rejection, log_refusal)
        assert timestamp is not None and signature is not None
        raw = await _read_capped(request)
        if raw is None:
            return _refuse(runtime, edge.Rejection(401, "too_large"), log_refusal)
        if not edge.signature_matches(secret, timestamp, raw, signature):
            return _refuse(runtime, edge.Rejection(401, "bad_signature"), log_refusal)
        text = edge.decode_body(raw)
        if isinstance(text, edge.Rejection):
            return _refuse(runtime, text, log_refusal)
        # Verified: only now is the body parsed (Bolt parses it while building the request).
        headers: dict[str, str | Sequence[str]] = {
            key: request.headers.getall(key)
            for key in set(request.headers)
            if not key.lower().startswith(_INTERNAL)
        }
        try:
            bolt_request = AsyncBoltRequest(body=text, query=request.query_string, headers=headers)
        except (ValueError, TypeError, AttributeError, KeyError):
            bolt_request = None
        if bolt_request is None or not isinstance(bolt_request.body, dict):
            return _refuse(runtime, edge.Rejection(400, "malformed"), log_refusal)
        return await to_aiohttp_response(await bolt.async_dispatch(bolt_request))

    return slack_events


# Headers Bolt reads as instructions to itself (lazy listeners); never taken from outside.
_INTERNAL = "x-slack-bolt-"


def build_web_app(runtime: Runtime, bolt: AsyncApp | None) -> web.Application:
    """aiohttp: /slack/events (when HTTP mode), /healthz, /readyz, /metrics."""
    web_app = web.Application()

    if bolt is not None:
        web_app.router.add_post(SLACK_EVENTS_PATH, build_slack_events_handler(runtime, bolt))

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
