"""Incidents in Slack: the ``IncidentNotifier`` the incident service talks to.

One message per incident in ``slack.channel`` (``incident`` template: four buttons while it
is open, "Postmortem draft" once resolved), in ``slack.language``, updated
in place through a ``Coalescer``: at most one ``chat.update`` per message per interval, the
newest state wins (each update re-reads the incident, so a storm of repeats shows its true
final count), and Slack's 429 ``Retry-After`` is waited out once (the update client has no
rate-limit retry handler of its own, so nothing waits twice). Timeline lines, the "what
changed" list and the Level 3 request go in the message's thread; a Level 2 page is a DM
to each person (user-group members included), the mention being in the escalation's
timeline line.

A failure that may pass (Slack unreachable, rate limited, a server error) raises
``NotifyError``: the line stays in the outbox and is delivered later. A refusal that will
not pass by retrying (``user_not_found``, ``message_not_found``) is logged and not retried.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.incidents import Incident, IncidentEvent, MessageRef, NotifyError
from bot.incidents.changes import ChangeLine
from bot.incidents.machine import EscalationStep
from bot.incidents.model import EventKind
from bot.incidents.support import SupportRequest
from bot.slack import incident_view
from bot.slack.coalesce import Coalescer, RetryAfter
from bot.slack.render import Message, Renderer
from bot.upstream.http import parse_retry_after

log = logging.getLogger(__name__)

UPDATE_INTERVAL_S = 1.0
# Slack errors worth trying again later; any other error code is Slack's final answer.
TRANSIENT_ERRORS = frozenset(
    {"ratelimited", "fatal_error", "internal_error", "service_unavailable", "request_timeout"}
)
Reload = Callable[[int], Awaitable[Incident]]
GroupMembers = Callable[[str], frozenset[str]]


def _is_group(slack_id: str) -> bool:
    return slack_id.startswith("S")


class SlackIncidentNotifier:
    """Posts, updates and threads incident messages; DMs the Level 2 people."""

    def __init__(
        self,
        *,
        client: AsyncWebClient,
        updates: AsyncWebClient,
        renderer: Renderer,
        channel: str,
        timezone: str,
        wait_words: str,
        reload: Reload,
        group_members: GroupMembers,
        interval_s: float = UPDATE_INTERVAL_S,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        lang: str = "en",
    ) -> None:
        self._lang = lang  # slack.language: the channel's (DMs too, until a person's is known)
        self._t = renderer.translator(lang)  # the words made outside the templates
        self._client = client
        self._updates_client = updates
        self._renderer = renderer
        self._channel = channel
        self._tz = ZoneInfo(timezone)
        self._wait_words = wait_words
        self._reload = reload
        self._group_members = group_members
        self._clock = clock
        self._interval_s = interval_s
        self._last_update: dict[int, float] = {}
        self.updates: Coalescer[int, MessageRef] = Coalescer(self._update, interval_s=interval_s)

    # ---- the message ------------------------------------------------------------------------
    def render(self, incident: Incident) -> Message:
        """The incident's message as it stands."""
        card = incident_view.card(incident, tz=self._tz, now=self._clock(), t=self._t)
        return self._renderer.render("incident", lang=self._lang, card=card)

    async def incident_changed(
        self, incident: Incident, event: IncidentEvent | None
    ) -> MessageRef | None:
        """Post the message of a new incident; otherwise queue an in-place update."""
        if event is not None and event.kind is EventKind.OPENED:
            message = self.render(incident)
            reply = await self._call(
                "chat.postMessage",
                self._client.chat_postMessage(channel=self._channel, **message.as_kwargs()),
            )
            if reply is None:
                return None
            return MessageRef(str(reply["channel"]), str(reply["ts"]))
        if incident.channel is None or incident.message_ts is None:
            return None
        self.updates.submit(incident.id, MessageRef(incident.channel, incident.message_ts))
        return None

    async def _update(self, incident_id: int, ref: MessageRef) -> None:
        incident = await self._reload(incident_id)  # the newest state, whatever was queued
        message = self.render(incident)
        # The coalescer spaces the sends; the spacing is kept once more from the moment the
        # previous call came back, so Slack never sees two updates of a message in a second
        # (reading the incident and the network take varying times).
        loop = asyncio.get_running_loop()
        last = self._last_update.get(incident_id)
        if last is not None and loop.time() - last < self._interval_s:
            await asyncio.sleep(self._interval_s - (loop.time() - last))
        try:
            await self._updates_client.chat_update(
                channel=ref.channel, ts=ref.ts, **message.as_kwargs()
            )
        except SlackApiError as exc:
            if exc.response.get("error") == "ratelimited":
                wait = parse_retry_after(exc.response.headers.get("Retry-After"))
                raise RetryAfter(wait if wait is not None else UPDATE_INTERVAL_S) from None
            log.warning(
                "incident %d: chat.update refused: %s", incident_id, exc.response.get("error")
            )
        finally:
            self._last_update[incident_id] = loop.time()
            self._forget_old_updates(loop.time())

    def _forget_old_updates(self, now: float, keep: int = 1000) -> None:
        if len(self._last_update) > keep:
            for key in [k for k, at in self._last_update.items() if now - at > self._interval_s]:
                del self._last_update[key]

    # ---- the thread -------------------------------------------------------------------------
    async def thread_line(self, incident: Incident, event: IncidentEvent) -> None:
        """One timeline line in the message's thread."""
        view = incident_view.line(event, tz=self._tz, now=self._clock(), t=self._t)
        message = self._renderer.render(
            "incident_line", lang=self._lang, line=view, wait=self._wait_words
        )
        await self._in_thread(incident, message)

    async def what_changed(self, incident: Incident, lines: Sequence[ChangeLine]) -> None:
        """The last 24 h of changes, each with where it came from."""
        now = self._clock()
        shown = [(incident_view.when(c.at, self._tz, now), c.source, c.text) for c in lines]
        changes = self._renderer.render("incident_changes", lang=self._lang, lines=shown)
        await self._in_thread(incident, changes)

    async def level3_request(self, incident: Incident, request: SupportRequest) -> None:
        """The ready-to-send vendor support request."""
        support = self._renderer.render("incident_support", lang=self._lang, request=request)
        await self._in_thread(incident, support)

    async def _in_thread(self, incident: Incident, message: Message) -> None:
        if incident.channel is None or incident.message_ts is None:
            raise NotifyError(f"incident {incident.id} has no message yet")
        await self._call(
            "chat.postMessage",
            self._client.chat_postMessage(
                channel=incident.channel, thread_ts=incident.message_ts, **message.as_kwargs()
            ),
        )

    # ---- Level 2 ------------------------------------------------------------------------------
    def people(self, slack_ids: Sequence[str]) -> list[str]:
        """User ids to DM: the users listed and the members of the groups listed, once each."""
        found: list[str] = []
        for slack_id in slack_ids:
            members = sorted(self._group_members(slack_id)) if _is_group(slack_id) else [slack_id]
            if _is_group(slack_id) and not members:
                log.warning("user group %s: no known members to DM", slack_id)
            found += [m for m in members if m not in found]
        return found

    async def page_level2(
        self, incident: Incident, user_ids: tuple[str, ...], step: EscalationStep
    ) -> None:
        """A DM to each person paged (the thread's mention is in the escalation line)."""
        link = await self._permalink(incident)
        card = incident_view.card(incident, tz=self._tz, now=self._clock(), t=self._t)
        dm = self._renderer.render(
            "incident_dm", lang=self._lang, card=card, target=step.target.value, link=link
        )
        results = await asyncio.gather(
            *(self._dm(user, dm) for user in self.people(user_ids)), return_exceptions=True
        )
        failed = [r for r in results if isinstance(r, BaseException)]
        if failed:
            raise NotifyError(f"{len(failed)} Level 2 DM(s) not sent: {failed[0]}")

    async def _dm(self, user: str, message: Message) -> None:
        opened = await self._call("conversations.open", self._client.conversations_open(users=user))
        if opened is None:
            return
        channel = str((opened.get("channel") or {}).get("id") or user)
        await self._call(
            "chat.postMessage",
            self._client.chat_postMessage(channel=channel, **message.as_kwargs()),
        )

    async def _permalink(self, incident: Incident) -> str:
        if incident.channel is None or incident.message_ts is None:
            return ""
        try:
            reply = await self._client.chat_getPermalink(
                channel=incident.channel, message_ts=incident.message_ts
            )
        except (SlackApiError, aiohttp.ClientError, TimeoutError) as exc:
            log.info("incident %d: no permalink (%s)", incident.id, type(exc).__name__)
            return ""
        return str(reply.get("permalink") or "")

    # ---- Slack calls ------------------------------------------------------------------------
    async def _call(self, method: str, call: Awaitable[Any]) -> Any:
        """Slack's reply; None when Slack refused for good; NotifyError when it may pass."""
        try:
            return await call
        except SlackApiError as exc:
            error = str(exc.response.get("error") or "unknown_error")
            if error in TRANSIENT_ERRORS or exc.response.status_code >= 500:
                raise NotifyError(f"{method}: {error}") from None
            log.warning("%s refused by Slack: %s (not retried)", method, error)
            return None
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise NotifyError(f"{method}: Slack unreachable ({type(exc).__name__})") from None

    async def aclose(self, timeout_s: float = 5.0) -> None:
        """Send the updates still queued (within ``timeout_s``), then stop."""
        await self.updates.aclose(timeout_s=timeout_s)


class UnpostedNotifier:
    """The notifier of a process without ``SLACK_BOT_TOKEN`` (the CLI on a machine without
    it): nothing is posted here, every line stays in the outbox, and the serving bot posts
    it on its next catch-up."""

    REASON = "no SLACK_BOT_TOKEN in this process; the serving bot posts it"

    async def incident_changed(
        self, incident: Incident, event: IncidentEvent | None
    ) -> MessageRef | None:
        raise NotifyError(self.REASON)

    async def thread_line(self, incident: Incident, event: IncidentEvent) -> None:
        raise NotifyError(self.REASON)

    async def page_level2(
        self, incident: Incident, user_ids: tuple[str, ...], step: EscalationStep
    ) -> None:
        raise NotifyError(self.REASON)

    async def level3_request(self, incident: Incident, request: SupportRequest) -> None:
        raise NotifyError(self.REASON)

    async def what_changed(self, incident: Incident, lines: Sequence[ChangeLine]) -> None:
        raise NotifyError(self.REASON)

    async def aclose(self) -> None:
        """Nothing is queued."""
