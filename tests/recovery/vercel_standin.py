"""A Vercel stand-in on 127.0.0.1:0: the deploy hook, `/v6/deployments`, `/v13/deployments/{id}`.

Calling the hook creates a deployment of ``PROJECT_ID`` whose ``readyState`` moves through
``states`` one poll at a time (the last one sticks). ``hook_status`` scripts a failing hook,
``hook_retry_after`` answers 429 first, ``gate_hook()`` holds the hook until released.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

PROJECT_ID = "prj_aisi_recovery"
TOKEN = "vercel-test-token-" + "t" * 16
HOOK_SECRET = "hk" + "Q7" * 10  # the part of the hook URL that makes it a secret


@dataclass
class Seen:
    """One request the stand-in received."""

    method: str
    path: str
    query: dict[str, str]
    authorization: str


@dataclass
class VercelStandIn:
    """The stand-in; script it through its attributes before the code under test calls it."""

    states: list[str] = field(default_factory=lambda: ["QUEUED", "BUILDING", "READY"])
    error_message: str = ""
    hook_status: int = 201
    hook_retry_after: list[str] = field(default_factory=list)
    list_misses: int = 1  # list calls that do not show the new deployment yet
    requests: list[Seen] = field(default_factory=list)
    hook_arrived: asyncio.Event = field(default_factory=asyncio.Event)
    _gate: asyncio.Event | None = None
    _runner: web.AppRunner | None = None
    _url: str = ""
    _deployments: list[dict[str, Any]] = field(default_factory=list)
    _polls: dict[str, int] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def url(self) -> str:
        """The API base URL (``VERCEL_API_URL``)."""
        return self._url

    @property
    def hook_url(self) -> str:
        """``VERCEL_DEPLOY_HOOK_URL``."""
        return f"{self._url}/v1/integrations/deploy/{PROJECT_ID}/{HOOK_SECRET}"

    def hook_calls(self) -> int:
        """How many times the hook was POSTed."""
        return sum(1 for r in self.requests if r.method == "POST")

    def gate_hook(self) -> asyncio.Event:
        """Hold every hook call until the returned event is set."""
        self._gate = asyncio.Event()
        return self._gate

    def add_old_deployment(self, created_ms: int) -> None:
        """A deployment made before the hook call (must never be followed)."""
        self._deployments.append(
            {"uid": "dpl_old", "created": created_ms, "state": "READY", "projectId": PROJECT_ID}
        )

    async def _hook(self, request: web.Request) -> web.Response:
        self.hook_arrived.set()
        if self._gate is not None:
            await self._gate.wait()
        if self.hook_retry_after:
            wait = self.hook_retry_after.pop(0)
            return web.json_response({"error": "rate"}, status=429, headers={"Retry-After": wait})
        if self.hook_status >= 300:
            return web.json_response({"error": {"code": "internal"}}, status=self.hook_status)
        now = int(time.time() * 1000)
        uid = f"dpl_{next(self._ids):04d}"
        self._deployments.append(
            {
                "uid": uid,
                "url": f"ai-server-information-{uid}.vercel.app",
                "created": now + 5,
                "state": "QUEUED",
                "target": "production",
                "projectId": PROJECT_ID,
            }
        )
        job = {"id": f"job_{uid}", "state": "PENDING", "createdAt": now}
        return web.json_response({"job": job}, status=201)

    def _authorised(self, request: web.Request) -> bool:
        return request.headers.get("Authorization", "") == f"Bearer {TOKEN}"

    async def _list(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return web.json_response({"error": {"code": "forbidden"}}, status=403)
        if self.list_misses > 0:
            self.list_misses -= 1
            return web.json_response({"deployments": []})
        since = int(request.query.get("since", "0"))
        project = request.query.get("projectId")
        found = [
            d
            for d in self._deployments
            if d["created"] >= since and (project is None or d["projectId"] == project)
        ]
        found.sort(key=lambda d: d["created"], reverse=True)
        return web.json_response({"deployments": found, "pagination": {"count": len(found)}})

    async def _get(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return web.json_response({"error": {"code": "forbidden"}}, status=403)
        uid = request.match_info["uid"]
        found = next((d for d in self._deployments if d["uid"] == uid), None)
        if found is None:
            return web.json_response({"error": {"code": "not_found"}}, status=404)
        poll = self._polls.get(uid, 0)
        self._polls[uid] = poll + 1
        state = self.states[min(poll, len(self.states) - 1)]
        body = {
            "id": uid,
            "url": found.get("url"),
            "createdAt": found["created"],
            "readyState": state,
        }
        if state == "ERROR" and self.error_message:
            body["errorMessage"] = self.error_message
        return web.json_response(body)

    async def _record(self, request: web.Request, handler: Any) -> web.StreamResponse:
        self.requests.append(
            Seen(
                request.method,
                request.path,
                dict(request.query),
                request.headers.get("Authorization", ""),
            )
        )
        response: web.StreamResponse = await handler(request)
        return response

    async def start(self) -> None:
        """Serve on an ephemeral loopback port."""

        @web.middleware
        async def record(request: web.Request, handler: Any) -> web.StreamResponse:
            return await self._record(request, handler)

        app = web.Application(middlewares=[record])
        app.router.add_post(f"/v1/integrations/deploy/{PROJECT_ID}/{HOOK_SECRET}", self._hook)
        app.router.add_get("/v6/deployments", self._list)
        app.router.add_get("/v13/deployments/{uid}", self._get)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        host, port = runner.addresses[0][:2]
        self._runner, self._url = runner, f"http://{host}:{port}"

    async def stop(self) -> None:
        """Release a held hook and stop serving."""
        if self._gate is not None:
            self._gate.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
