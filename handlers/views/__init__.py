"""Dialog submissions (view_submission): ``/recover``'s confirmation
(``handlers.ids.ViewId.RECOVER_CONFIRM``)."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.app.runtime import Runtime
from handlers.views import recover


def register(app: AsyncApp, runtime: Runtime) -> None:
    """Register the view listeners."""
    recover.register(app, runtime)
