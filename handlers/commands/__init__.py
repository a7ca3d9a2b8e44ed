"""Slash commands: /health, /keys, /sync and /recover."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.app.runtime import Runtime
from handlers.commands import health, keys, recover, sync


def register(app: AsyncApp, runtime: Runtime) -> set[str]:
    """Register every slash command; returns their names."""
    registered: set[str] = set()
    for group in (health, keys, sync, recover):
        registered |= group.register(app, runtime)
    return registered
