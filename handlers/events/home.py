"""App Home: when someone opens the tab, publish their dashboard (read from the stores, in
their language) and remember them for a while, so an incident change refreshes it."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.app.runtime import Runtime
from bot.app.work import Admission
from handlers.ids import EventType

log = logging.getLogger(__name__)


def register(app: AsyncApp, runtime: Runtime) -> None:
    """Register the app_home_opened listener (Bolt acks the event; publishing is queued)."""

    @app.event(EventType.APP_HOME_OPENED.value)
    async def publish_home(event: dict[str, Any]) -> None:
        if event.get("tab", "home") != "home":
            return
        user = str(event.get("user") or "")
        if not user:
            return

        async def publish() -> None:
            await runtime.home.opened(user)

        if runtime.work.submit("app_home_opened", publish) is not Admission.ACCEPTED:
            log.info("App Home not published: the bot is busy")
