"""PagerDuty Events API v2: trigger, acknowledge and resolve, keyed by the incident's dedup key.

Used only when ``PAGERDUTY_ROUTING_KEY`` is set. Bounded timeout and attempts; 429 and 5xx
are retried after ``Retry-After`` (capped). The routing key is sent in the body only and
never appears in a log line, an exception or a timeline entry.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from bot.incidents.model import Incident
from bot.incidents.notify import PagerError
from bot.settings.secrets import Secret
from bot.upstream.http import parse_retry_after, short

log = logging.getLogger(__name__)

_RETRYABLE = frozenset({429, 500, 502, 503, 504})


class PagerDutyPager:
    """An ``IncidentPager`` over the Events API v2 with an injected ``httpx.AsyncClient``."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        routing_key: Secret,
        events_url: str,  # settings.urls["PAGERDUTY_EVENTS_URL"]
        timeout_s: float = 5.0,
        max_attempts: int = 3,
        max_wait_s: float = 10.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        client_name: str = "aisi-bot",
    ) -> None:
        self._client = client
        self._key = routing_key
        self._url = events_url
        self._timeout_s = timeout_s
        self._max_attempts = max(1, max_attempts)
        self._max_wait_s = max_wait_s
        self._sleep = sleep
        self._client_name = client_name

    async def trigger(self, incident: Incident) -> None:
        """Open (or add to) the PagerDuty alert of the incident's dedup key."""
        details: dict[str, Any] = {"incident_id": incident.id, "count": incident.count}
        if incident.details is not None:
            details["details"] = incident.details
        await self._send(
            "trigger",
            incident.dedup_key,
            {
                "summary": incident.title[:1024],
                "source": incident.source[:255] or self._client_name,
                "severity": incident.severity.value,
                "timestamp": incident.opened_at.isoformat(),
                "custom_details": details,
            },
        )

    async def acknowledge(self, incident: Incident) -> None:
        """Acknowledge the PagerDuty alert of the incident's dedup key."""
        await self._send("acknowledge", incident.dedup_key, None)

    async def resolve(self, incident: Incident) -> None:
        """Resolve the PagerDuty alert of the incident's dedup key."""
        await self._send("resolve", incident.dedup_key, None)

    async def _send(self, action: str, dedup_key: str, payload: dict[str, Any] | None) -> None:
        body: dict[str, Any] = {
            "routing_key": self._key.reveal(),
            "event_action": action,
            "dedup_key": dedup_key,
        }
        if payload is not None:
            body["payload"] = payload
            body["client"] = self._client_name
        reason = "no attempt made"
        for attempt in range(1, self._max_attempts + 1):
            wait: float | None = None
            try:
                response = await self._client.post(self._url, json=body, timeout=self._timeout_s)
            except httpx.TimeoutException:
                reason = f"no answer within {self._timeout_s:g} s"
            except httpx.RequestError as exc:
                reason = f"unreachable ({type(exc).__name__})"
            else:
                if response.status_code in (200, 201, 202):
                    return
                reason = f"HTTP {response.status_code}{self._said(response)}"
                if response.status_code not in _RETRYABLE:
                    break
                wait = parse_retry_after(response.headers.get("Retry-After"))
            if attempt < self._max_attempts:
                backoff = 0.5 * 2 ** (attempt - 1)
                delay = min(self._max_wait_s, wait if wait is not None else backoff)
                log.info(
                    "PagerDuty %s attempt %d failed (%s); retry in %.1f s",
                    action,
                    attempt,
                    reason,
                    delay,
                )
                await self._sleep(delay)
        raise PagerError(f"PagerDuty {action} failed: {reason}")

    def _said(self, response: httpx.Response) -> str:
        """PagerDuty's own words about a refused event (its message and errors), redacted."""
        try:
            data = response.json()
        except ValueError:
            return ""
        if not isinstance(data, dict):
            return ""
        parts = [str(data.get("message") or "")]
        errors = data.get("errors")
        if isinstance(errors, list):
            parts += [str(e) for e in errors[:3]]
        text = short("; ".join(p for p in parts if p), 200)
        key = self._key.reveal()
        if key:
            text = text.replace(key, self._key.masked)
        return f" ({text})" if text else ""
