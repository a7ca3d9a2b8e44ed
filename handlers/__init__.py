"""The Slack side: Bolt listeners grouped by kind, each group registered in one place.

- ``middleware``: what every request passes first (workspace, each event once, metrics,
  authorisation);
- ``commands``, ``actions``, ``views``, ``events``: the listeners, a ``register`` each;
- ``web``: the aiohttp endpoints (``/slack/events``, ``/healthz``, ``/readyz``, ``/metrics``).
"""

from __future__ import annotations

import logging

from slack_bolt.async_app import AsyncApp

from bot.app.runtime import Runtime
from handlers import actions, commands, errors, events, middleware, views


def build_bolt_app(runtime: Runtime) -> AsyncApp:
    """A Bolt AsyncApp on the runtime's Slack client, verification on, every listener in."""
    secret = runtime.settings.secret("SLACK_SIGNING_SECRET")
    app = AsyncApp(
        client=runtime.slack,
        signing_secret=secret.reveal() if secret else "",
        request_verification_enabled=True,
        raise_error_for_unhandled_request=False,
        # Every listener only parses, acks and queues its work on the runtime's executor, so
        # Bolt answers as soon as the listener returns instead of polling for the ack (10 ms).
        process_before_response=True,
        logger=logging.getLogger("aisi.bolt"),
    )
    register(app, runtime)
    return app


def register(app: AsyncApp, runtime: Runtime) -> set[str]:
    """Register every listener on the app; returns the slash commands registered."""
    registered = commands.register(app, runtime)
    middleware.register(app, runtime, registered)
    actions.register(app, runtime)
    views.register(app, runtime)
    events.register(app, runtime)
    errors.register(app, runtime, registered)
    return registered
