"""The "Postmortem draft" button of a resolved incident (action id ``incident_postmortem``,
value: the incident id).

The pipeline has already checked the presser (the incident buttons' rule: operators and the
Level 2 people). The press is acknowledged at once; on the bounded executor the draft is
read from the incident's own record and shown only to the presser, as an ephemeral reply
in the channel (the resolved message itself stays as it is), in their language.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond

from bot.app.runtime import Runtime
from bot.incidents import IncidentNotFoundError
from bot.incidents.postmortem import draft_postmortem
from bot.slack.postmortem_view import missing_view, postmortem_view
from handlers.actions.incidents import parse_incident_id
from handlers.after_ack import AfterAck, Answer, ack_and_run, reply_to
from handlers.common import respond_message
from handlers.ids import ActionId

log = logging.getLogger("aisi.handlers")


def register(app: AsyncApp, runtime: Runtime) -> None:
    """Register the "Postmortem draft" button."""

    @app.action(ActionId.INCIDENT_POSTMORTEM.value)
    async def postmortem(
        ack: AsyncAck, action: dict[str, Any], respond: AsyncRespond, context: AsyncBoltContext
    ) -> None:
        incident_id = parse_incident_id(action.get("value"))
        if incident_id is None:
            await ack()
            log.warning("%s pressed with a value that is no incident id", action.get("action_id"))
            return

        async def work() -> None:
            lang = await runtime.language_of(context.user_id)  # the presser's (after the ack)
            try:
                text = await draft_postmortem(
                    runtime.incidents, incident_id, runtime.renderer.translator(lang)
                )
                view = postmortem_view(incident_id, text)
            except IncidentNotFoundError:
                view = missing_view(incident_id)
            message = runtime.renderer.render("postmortem", lang=lang, view=view)
            await respond_message(runtime, respond, message, visible=False, replace_original=False)

        request = AfterAck(
            runtime,
            ActionId.INCIDENT_POSTMORTEM.value,
            context.user_id or "",
            reply_to(runtime, respond),
            what="that button",
        )
        await ack_and_run(ack, request, work, answer=Answer.BUTTON)
