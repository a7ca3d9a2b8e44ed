"""The incident buttons: Acknowledge, Escalate to Level 2 / 3, Resolve; and "Open incident"
on a degraded /health report.

The pipeline has already checked the presser (operators and the Level 2 people). Each press
is acknowledged at once and its transition runs on the bounded executor as a
compare-and-set in PostgreSQL: of a double click (or two replicas) one applies, the message
is updated in place and a line goes in its thread; the other press is told, only to its
presser, who got there first and when.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond

from bot.app.runtime import Runtime
from bot.health.incidents import open_health_incidents, parse_degraded
from bot.incidents import IncidentService, Level, TransitionResult
from bot.slack import incident_view
from bot.slack.render import Message
from handlers.after_ack import AfterAck, Answer, ack_and_run
from handlers.common import respond_message, send_dm
from handlers.ids import ActionId

log = logging.getLogger("aisi.handlers")

Transition = Callable[[IncidentService, int, str], Awaitable[TransitionResult]]

TRANSITIONS: dict[ActionId, Transition] = {
    ActionId.INCIDENT_ACK: lambda s, i, u: s.acknowledge(i, actor=u),
    ActionId.INCIDENT_ESCALATE_L2: lambda s, i, u: s.escalate(i, level=Level.L2, actor=u),
    ActionId.INCIDENT_ESCALATE_L3: lambda s, i, u: s.escalate(i, level=Level.L3, actor=u),
    ActionId.INCIDENT_RESOLVE: lambda s, i, u: s.resolve(i, actor=u),
}


def parse_incident_id(value: object) -> int | None:
    """The incident id a button carries (its value), or None when it is not one."""
    text = str(value or "")
    if not text.isascii() or not text.isdigit() or len(text) > 18:
        return None
    number = int(text)
    return number if number > 0 else None


def register(app: AsyncApp, runtime: Runtime) -> None:
    """Register the incident buttons and the /health "Open incident" button."""

    async def queue(
        ack: AsyncAck,
        respond: AsyncRespond,
        name: ActionId,
        user: str,
        work: Callable[[], Awaitable[None]],
    ) -> None:
        async def tell(message: Message) -> None:
            await _tell(runtime, respond, message, user)

        request = AfterAck(runtime, name.value, user, tell, what="that button")
        await ack_and_run(ack, request, work, answer=Answer.BUTTON)

    def transition_listener(name: ActionId, transition: Transition) -> None:
        async def pressed(
            ack: AsyncAck, action: dict[str, Any], respond: AsyncRespond, context: AsyncBoltContext
        ) -> None:
            incident_id = parse_incident_id(action.get("value"))
            user = context.user_id or ""
            if incident_id is None:
                await ack()
                log.warning("%s pressed with a value that is no incident id", name.value)
                return

            async def work() -> None:
                result = await transition(runtime.incidents, incident_id, user)
                if not result.applied:
                    tz = ZoneInfo(runtime.settings.schedule.timezone)
                    lang = await runtime.language_of(user)
                    view = incident_view.refusal(
                        result, tz=tz, now=datetime.now(UTC), t=runtime.renderer.translator(lang)
                    )
                    message = runtime.renderer.render("incident_refused", lang=lang, refusal=view)
                    await _tell(runtime, respond, message, user)

            await queue(ack, respond, name, user, work)

        app.action(name.value)(pressed)

    for name, transition in TRANSITIONS.items():
        transition_listener(name, transition)

    @app.action(ActionId.INCIDENT_LINK.value)
    async def link_opened(ack: AsyncAck) -> None:
        await ack()  # the URL opens in the presser's browser; nothing to do here

    @app.action(ActionId.HEALTH_OPEN_INCIDENT.value)
    async def open_from_health(
        ack: AsyncAck, action: dict[str, Any], respond: AsyncRespond, context: AsyncBoltContext
    ) -> None:
        degraded = parse_degraded(str(action.get("value") or ""))
        user = context.user_id or ""

        async def work() -> None:
            opened = await open_health_incidents(runtime.incidents, degraded, actor=user)
            message = runtime.renderer.render(
                "health_incident",
                lang=await runtime.language_of(user),
                opened=opened,
                channel=runtime.settings.channel,
            )
            await _tell(runtime, respond, message, user)

        await queue(ack, respond, ActionId.HEALTH_OPEN_INCIDENT, user, work)


async def _tell(runtime: Runtime, respond: AsyncRespond, message: Any, user: str = "") -> None:
    """An ephemeral reply to the presser (the message itself stays as it is); a DM when the
    button was on App Home (which has no message to reply to)."""
    try:
        if respond.response_url is None and user:
            await send_dm(runtime.slack, user, message)
            return
        await respond_message(runtime, respond, message, visible=False, replace_original=False)
    except Exception as exc:  # the presser cannot be told; the transition stands either way
        log.warning("could not reply to a button press: %s", type(exc).__name__)
