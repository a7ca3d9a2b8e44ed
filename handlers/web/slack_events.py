"""POST /slack/events: verified in front of Bolt (``bot.slack.edge``), then handed to Bolt."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest

from bot.app.runtime import Runtime
from bot.slack import edge
from handlers.web.body import read_capped

SLACK_EVENTS_PATH = "/slack/events"
# Headers Bolt reads as instructions to itself (lazy listeners); never taken from outside.
_INTERNAL = "x-slack-bolt-"


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
        raw = await read_capped(request, edge.MAX_BODY_BYTES)
        if raw is None:
            return _refuse(runtime, edge.Rejection(401, "too_large"), log_refusal)
        if not edge.signature_matches(secret, timestamp, raw, signature):
            return _refuse(runtime, edge.Rejection(401, "bad_signature"), log_refusal)
        text = edge.decode_body(raw)
        if isinstance(text, edge.Rejection):
            return _refuse(runtime, text, log_refusal)
        refused = edge.check_nesting(text) or edge.check_shape(text)
        if refused is not None:
            return _refuse(runtime, refused, log_refusal)
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




def register(web_app: web.Application, runtime: Runtime, bolt: AsyncApp) -> None:
    """Serve Slack's commands, buttons and events at POST /slack/events."""
    web_app.router.add_post(SLACK_EVENTS_PATH, build_slack_events_handler(runtime, bolt))
