"""Global middleware: what every verified request passes before any listener, in this order.

1. Only the bot's own workspace (``bot.slack.workspace``): a request from another team or
   organisation is acknowledged and ignored (a slash command is told why, ephemerally).
2. Each Slack event once: a delivery Slack retries carries the same ``event_id`` and is
   acknowledged without running its listener again.
3. Metrics, counted once per command, button press, dialog submission and event, with
   labels from closed sets (the ids in ``handlers.ids``; "other" for anything else).
4. Authorisation, deny by default: an operator-only command, and every button press and
   dialog submission, is checked against ``auth.operators`` (incident buttons: also the
   Level 2 people of ``[escalation]``) and recorded in chatops.audit;
   a refusal raises ``NotAuthorizedError``, which the one error mapping
   (``handlers.errors``) words with the ``not_authorized`` template.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_bolt.response import BoltResponse

from bot.app.metrics import OTHER, closed_label
from bot.app.runtime import Runtime
from bot.errors import NotAuthorizedError
from bot.i18n.translator import N_
from bot.slack.help import wants_help
from bot.slack.workspace import Installation, same_workspace
from bot.stores.audit import AuditEntry
from handlers.ids import (
    ACTION_ROLES,
    ACTION_WORDS,
    COMMAND_ROLES,
    COMMAND_WORDS,
    ROLE_PEOPLE,
    VIEW_ROLES,
    VIEW_WORDS,
    ActionId,
    Command,
    EventType,
    Role,
    ViewId,
)

log = logging.getLogger("aisi.handlers")

FOREIGN_TEXT = "This bot serves another Slack workspace; nothing was done."

Next = Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class Asked:
    """What a request asks for: its kind, its name (a closed-set label), who may, in words."""

    kind: str  # command, action, view, event, other
    name: str
    role: Role
    words: str  # "run /sync", "resolve an alert"

    @property
    def audit_name(self) -> str:
        """``command:/sync``, ``action:incident_ack``, ``view:recover_confirm``."""
        return f"{self.kind}:{self.name}"


def _first(value: object) -> dict[str, Any]:
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return value[0]
    return value if isinstance(value, dict) else {}


def asked_for(body: dict[str, Any]) -> Asked:
    """Classify a verified request body (deny by default: unknown ids need an operator)."""
    if body.get("command"):
        name = closed_label(body["command"], Command)
        role = COMMAND_ROLES[Command(name)] if name != OTHER else Role.OPERATOR
        if wants_help(str(body.get("text", ""))):
            role = Role.ANYONE  # help says what a command does; it does nothing
        words = COMMAND_WORDS[Command(name)] if name != OTHER else N_("run that command")
        return Asked("command", name, role, words)
    kind = body.get("type")
    if kind == "block_actions":
        name = closed_label(_first(body.get("actions")).get("action_id"), ActionId)
        if name == OTHER:
            return Asked("action", name, Role.OPERATOR, N_("press that button"))
        return Asked("action", name, ACTION_ROLES[ActionId(name)], ACTION_WORDS[ActionId(name)])
    if kind == "view_submission":
        name = closed_label(_first(body.get("view")).get("callback_id"), ViewId)
        if name == OTHER:
            return Asked("view", name, Role.OPERATOR, N_("submit that dialog"))
        return Asked("view", name, VIEW_ROLES[ViewId(name)], VIEW_WORDS[ViewId(name)])
    if kind == "event_callback":
        name = closed_label(_first(body.get("event")).get("type"), EventType)
        return Asked("event", name, Role.ANYONE, "")
    return Asked("other", OTHER, Role.ANYONE, "")  # view_closed and the like: nothing happens


def _own_installation(runtime: Runtime, context: AsyncBoltContext) -> Installation:
    settings = runtime.settings
    configured = Installation(settings.slack_team_id, settings.slack_enterprise_id)
    if configured.known:
        return configured
    authorized = context.authorize_result
    if authorized is None:
        return Installation(None, None)
    return Installation(authorized.team_id, authorized.enterprise_id)


def register(app: AsyncApp, runtime: Runtime, commands: Iterable[str]) -> None:
    """Install the four steps, in order; ``commands`` are the registered slash commands."""
    counters = {
        "command": (runtime.metrics.commands, frozenset(commands)),
        "action": (runtime.metrics.actions, frozenset(ActionId)),
        "view": (runtime.metrics.views, frozenset(ViewId)),
        "event": (runtime.metrics.events, frozenset(EventType)),
    }
    for counter, names in counters.values():  # every series exists from the start
        for name in names:
            counter.labels(name)

    @app.use
    async def own_workspace_only(
        context: AsyncBoltContext, body: dict[str, Any], next: Next
    ) -> BoltResponse | None:
        own = _own_installation(runtime, context)
        if same_workspace(own, context.team_id, context.enterprise_id):
            await next()
            return None
        runtime.metrics.edge_rejections.labels("foreign_workspace").inc()
        log.warning(
            "refused a signed request from team %s / enterprise %s (this bot serves %s / %s)",
            context.team_id,
            context.enterprise_id,
            own.team_id,
            own.enterprise_id,
        )
        if body.get("command"):
            reply = {"response_type": "ephemeral", "text": FOREIGN_TEXT}
            return BoltResponse(
                status=200, body=json.dumps(reply), headers={"content-type": "application/json"}
            )
        return BoltResponse(status=200, body="")

    @app.use
    async def each_event_once(body: dict[str, Any], next: Next) -> BoltResponse | None:
        if body.get("type") == "event_callback" and not await runtime.events.first_delivery(
            body.get("event_id")
        ):
            runtime.metrics.events_deduplicated.inc()
            return BoltResponse(status=200, body="")
        await next()
        return None

    @app.use
    async def count_once(context: AsyncBoltContext, body: dict[str, Any], next: Next) -> None:
        asked = context["asked"] = asked_for(body)
        if asked.kind in counters:
            counter, names = counters[asked.kind]
            counter.labels(closed_label(asked.name, names)).inc()
        await next()

    @app.use
    async def authorize(context: AsyncBoltContext, next: Next) -> None:
        asked: Asked = context["asked"]
        if asked.role is Role.ANYONE:
            await next()
            return
        user_id = context.user_id or ""
        why = await runtime.operators.why_allowed(user_id) if user_id else None
        if why is None and user_id and asked.role is Role.RESPONDER:
            why = await runtime.incident_side.level2.why_allowed(user_id)
        who_may, keys = ROLE_PEOPLE[asked.role]
        entry = AuditEntry(
            user_id=user_id or "(unknown)",
            team_id=context.team_id,
            what=asked.audit_name,
            allowed=why is not None,
            why=why or f"not in {keys} (deny by default)",
        )
        runtime.audit.record(entry)
        if why is None:
            log.info("authorisation: %s", entry.line())
            raise NotAuthorizedError(asked.words, who_may, keys)
        await next()
