"""Bolt listeners, grouped by kind and registered in one place."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.runtime import Runtime
from handlers import errors, guards, health, home, keys, placeholders, sync


def register(app: AsyncApp, runtime: Runtime) -> set[str]:
    """Register every listener on the app; returns the slash commands registered."""
    guards.register(app, runtime)
    home.register(app, runtime)
    commands: set[str] = set()
    commands |= health.register(app, runtime)
    commands |= keys.register(app, runtime)
    commands |= sync.register(app, runtime)
    commands |= placeholders.register(app, runtime)
    errors.register(app, runtime, commands)
    return commands
