"""App Home: what the bot can do, published when someone opens the tab."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.runtime import Runtime


def register(app: AsyncApp, runtime: Runtime) -> None:
    """Register the app_home_opened listener."""

    @app.event("app_home_opened")
    async def publish_home(event: dict[str, Any], client: AsyncWebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        message = runtime.renderer.render("home", channel=runtime.settings.channel)
        await client.views_publish(
            user_id=event["user"], view={"type": "home", "blocks": message.blocks}
        )
