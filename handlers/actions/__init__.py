"""Button presses (block_actions): the incident buttons, "Open incident" on /health,
"Postmortem draft" on a resolved incident and the App Home buttons. The authorisation step of
the pipeline has already re-checked every press."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.app.runtime import Runtime
from handlers.actions import home, incidents, postmortem


def register(app: AsyncApp, runtime: Runtime) -> None:
    """Register the button listeners."""
    incidents.register(app, runtime)
    postmortem.register(app, runtime)
    home.register(app, runtime)
