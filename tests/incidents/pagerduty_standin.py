"""A local stand-in for the PagerDuty Events API v2: records each event, answers as scripted."""

from __future__ import annotations

import json
from collections import deque
from typing import Any

from aiohttp import web


class PagerDutyStandIn:
    """Serves ``POST /v2/enqueue`` on 127.0.0.1:0; answers 202 unless a reply is queued."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.replies: deque[tuple[int, dict[str, Any], dict[str, str]]] = deque()
        self._runner: web.AppRunner | None = None
        self.url = ""

    def reply(
        self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        """Queue one answer (used once, in order)."""
        self.replies.append((status, body, headers or {}))

    def actions(self) -> list[tuple[str, str]]:
        """(event_action, dedup_key) of every event received."""
        return [(e["event_action"], e["dedup_key"]) for e in self.events]

    async def _enqueue(self, request: web.Request) -> web.Response:
        event = json.loads(await request.read())
        self.events.append(event)
        if self.replies:
            status, body, headers = self.replies.popleft()
            return web.json_response(body, status=status, headers=headers)
        return web.json_response(
            {"status": "success", "message": "Event processed", "dedup_key": event["dedup_key"]},
            status=202,
        )

    async def __aenter__(self) -> PagerDutyStandIn:
        app = web.Application()
        app.router.add_post("/v2/enqueue", self._enqueue)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}/v2/enqueue"
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
