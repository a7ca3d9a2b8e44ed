"""Sends Slack-shaped, signed requests to a bot's /slack/events (local mode, tests, bench)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import aiohttp

from local_slack.payloads import (
    app_home_opened_body,
    block_actions_payload,
    home_actions_payload,
    interactivity_body,
    signed_headers,
    slash_command_form,
    submitted_view_payload,
    view_submission_payload,
)


@dataclass(frozen=True)
class SentResponse:
    """The bot's HTTP answer to one request."""

    status: int
    text: str
    elapsed_ms: float


class SlackRequestSender:
    """Posts slash commands, button clicks and dialog submissions, signed for real."""

    def __init__(
        self, session: aiohttp.ClientSession, events_url: str, signing_secret: str
    ) -> None:
        self._session = session
        self._events_url = events_url
        self._secret = signing_secret

    async def post_raw(self, body: str, headers: dict[str, str]) -> SentResponse:
        """POST an exact body with exact headers (for forged or stale signatures)."""
        started = time.perf_counter()
        async with self._session.post(
            self._events_url, data=body.encode(), headers=headers
        ) as resp:
            text = await resp.text()
        return SentResponse(resp.status, text, (time.perf_counter() - started) * 1000)

    async def command(
        self,
        command: str,
        text: str,
        *,
        response_url: str,
        user_id: str = "U0ALICE",
        channel_id: str = "C0OPS",
        timestamp: int | None = None,
    ) -> SentResponse:
        """Send a signed slash command."""
        form = slash_command_form(
            command, text, user_id=user_id, channel_id=channel_id, response_url=response_url
        )
        body = urlencode(form)
        return await self.post_raw(body, signed_headers(self._secret, body, timestamp=timestamp))

    async def click(
        self,
        action_id: str,
        value: str,
        *,
        message: dict[str, Any],
        channel_id: str,
        user_id: str,
        response_url: str,
    ) -> SentResponse:
        """Send a signed block_actions click on a button of ``message``."""
        payload = block_actions_payload(
            action_id,
            value,
            message=message,
            channel_id=channel_id,
            user_id=user_id,
            response_url=response_url,
        )
        body = interactivity_body(payload)
        return await self.post_raw(body, signed_headers(self._secret, body))

    async def open_home(self, user_id: str) -> SentResponse:
        """Send a signed ``app_home_opened`` event (the user opened the Home tab)."""
        body = json.dumps(app_home_opened_body(user_id))
        headers = signed_headers(self._secret, body, content_type="application/json")
        return await self.post_raw(body, headers)

    async def click_home(
        self, action_id: str, *, view: dict[str, Any], user_id: str, value: str | None = None
    ) -> SentResponse:
        """Send a signed block_actions click on a button of a published Home ``view``."""
        payload = home_actions_payload(action_id, value, view=view, user_id=user_id)
        body = interactivity_body(payload)
        return await self.post_raw(body, signed_headers(self._secret, body))

    async def submit_view(
        self, callback_id: str, *, user_id: str, values: dict[str, Any] | None = None
    ) -> SentResponse:
        """Send a signed view_submission of a modal with ``callback_id``."""
        payload = view_submission_payload(callback_id, user_id=user_id, values=values)
        body = interactivity_body(payload)
        return await self.post_raw(body, signed_headers(self._secret, body))

    async def submit(
        self,
        view: dict[str, Any],
        *,
        user_id: str,
        choices: dict[str, list[str]] | None = None,
    ) -> SentResponse:
        """Send a signed view_submission of ``view`` (as views.open returned it): its
        inputs as first shown, or as ``choices`` sets them (option values by action_id)."""
        payload = submitted_view_payload(view, user_id=user_id, choices=choices)
        body = interactivity_body(payload)
        return await self.post_raw(body, signed_headers(self._secret, body))
