"""Events API listeners: App Home."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.app.runtime import Runtime
from handlers.events import home


def register(app: AsyncApp, runtime: Runtime) -> None:
    """Register every event listener."""
    home.register(app, runtime)
