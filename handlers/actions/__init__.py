"""Button presses (block_actions). The incident buttons (``handlers.ids.ActionId``) come with
the incident layer; the authorisation step already re-checks every press."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.runtime import Runtime


def register(app: AsyncApp, runtime: Runtime) -> None:
    """Register the button listeners (none yet)."""
