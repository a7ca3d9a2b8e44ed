"""App Home: what the bot can do, published when someone opens the tab."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.render import Surface
from bot.runtime import Runtime
from bot.work import Admission

log = logging.getLogger(__name__)


def register(app: AsyncApp, runtime: Runtime) -> None:
    """Register the app_home_opened listener (Bolt acks the event; publishing is queued)."""

    @app.event("app_home_opened")
    async def publish_home(event: dict[str, Any], client: AsyncWebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        user = event["user"]

        async def publish() -> None:
            message = runtime.renderer.render(
                "home", surface=Surface.HOME, channel=runtime.settings.channel
            )
            view = {"type": "home", "blocks": message.blocks}
            await client.views_publish(user_id=user, view=view)

        if runtime.work.submit("app_home_opened", publish) is not Admission.ACCEPTED:
            log.info("App Home not published for %s: the bot is busy", user)
