"""Global middleware run on every verified request before any listener.

- Only the bot's own workspace (see ``bot.workspace``): a request from another team or
  organisation is acknowledged and ignored (a slash command is told why, ephemerally).
- Each Slack event once: a delivery Slack retries (``X-Slack-Retry-Num``) carries the same
  ``event_id`` and is acknowledged without running its listener again.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_bolt.response import BoltResponse

from bot.runtime import Runtime
from bot.workspace import Installation, same_workspace

log = logging.getLogger("aisi.handlers")

FOREIGN_TEXT = "This bot serves another Slack workspace; nothing was done."

Next = Callable[[], Awaitable[None]]


def _own_installation(runtime: Runtime, context: AsyncBoltContext) -> Installation:
    settings = runtime.settings
    configured = Installation(settings.slack_team_id, settings.slack_enterprise_id)
    if configured.known:
        return configured
    authorized = context.authorize_result
    if authorized is None:
        return Installation(None, None)
    return Installation(authorized.team_id, authorized.enterprise_id)


def register(app: AsyncApp, runtime: Runtime) -> None:
    """Install the workspace check and the event de-duplication, in that order."""

    @app.use
    async def own_workspace_only(
        context: AsyncBoltContext, body: dict[str, Any], next: Next
    ) -> BoltResponse | None:
        own = _own_installation(runtime, context)
        if same_workspace(own, context.team_id, context.enterprise_id):
            await next()
            return None
        runtime.metrics.edge_rejections.labels("foreign_workspace").inc()
        log.warning(
            "refused a signed request from team %s / enterprise %s (this bot serves %s / %s)",
            context.team_id,
            context.enterprise_id,
            own.team_id,
            own.enterprise_id,
        )
        if body.get("command"):
            reply = {"response_type": "ephemeral", "text": FOREIGN_TEXT}
            return BoltResponse(
                status=200, body=json.dumps(reply), headers={"content-type": "application/json"}
            )
        return BoltResponse(status=200, body="")

    @app.use
    async def each_event_once(body: dict[str, Any], next: Next) -> BoltResponse | None:
        if body.get("type") == "event_callback" and not await runtime.events.first_delivery(
            body.get("event_id")
        ):
            runtime.metrics.events_deduplicated.inc()
            return BoltResponse(status=200, body="")
        await next()
        return None
