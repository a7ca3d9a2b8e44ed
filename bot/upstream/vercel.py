"""Vercel: the app's deployments (``/v6``, ``/v13/deployments``) and its deploy hook.

``VercelDeployments`` needs ``VERCEL_TOKEN``: it lists deployments (for "what changed"),
finds the one a deploy hook started, and follows it to READY, ERROR or CANCELED.
``DeployHook`` POSTs ``VERCEL_DEPLOY_HOOK_URL`` (a secret: anyone holding it can deploy,
so it is shown masked and never logged). Every request has its own timeout; a 429 is
retried after its ``Retry-After`` when that is short enough, else reported.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import httpx

from bot.errors import DependencyError
from bot.settings.secrets import Secret
from bot.upstream.http import parse_retry_after, read_json, short

SOURCE = "Vercel API"
HOOK = "Vercel deploy hook"
TERMINAL_STATES = frozenset({"READY", "ERROR", "CANCELED"})
TIMEOUT = "TIMEOUT"

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class Deployment:
    """One deployment as Vercel lists or returns it (``error``: its error message, if any)."""

    uid: str
    url: str
    state: str
    target: str
    created_at: datetime
    creator: str
    commit: str
    error: str = ""


@dataclass(frozen=True)
class HookTriggered:
    """A deploy hook's answer: the job it queued and when Vercel created it (if it said)."""

    status: int
    job_id: str
    job_state: str
    created_at: datetime | None


@dataclass(frozen=True)
class FollowResult:
    """How following a deployment ended: READY, ERROR, CANCELED or TIMEOUT."""

    state: str
    deployment: Deployment | None
    polls: int
    waited_s: float
    reason: str = ""


class _Requester:
    """One request with a per-request timeout, 429 ``Retry-After`` honoured, errors as words."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        timeout_s: float,
        max_retry_after_s: float,
        sleep: Sleep,
        max_attempts: int = 3,
    ) -> None:
        self._client = client
        self._timeout_s = timeout_s
        self._max_wait_s = max_retry_after_s
        self._attempts = max(1, max_attempts)
        self._sleep = sleep

    async def send(
        self,
        what: str,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """The response (any status but 429); raises ``DependencyError`` naming ``what``."""
        for attempt in range(self._attempts):
            try:
                response = await self._client.request(
                    method, url, headers=headers, params=params, timeout=self._timeout_s
                )
            except httpx.TimeoutException:
                raise DependencyError(what, f"no answer within {self._timeout_s:g} s") from None
            except (httpx.RequestError, httpx.InvalidURL) as exc:
                # Only the type: a hook URL (a secret) may appear in some messages.
                raise DependencyError(what, f"unreachable ({type(exc).__name__})") from None
            if response.status_code != 429:
                return response
            wait = parse_retry_after(response.headers.get("Retry-After"))
            wait = 1.0 if wait is None else wait
            if wait > self._max_wait_s or attempt == self._attempts - 1:
                raise DependencyError(what, f"rate limited (HTTP 429, retry after {wait:g} s)")
            await self._sleep(wait)
        raise DependencyError(what, "rate limited (HTTP 429)")  # pragma: no cover


class VercelDeployments:
    """The deployments API with a bearer token; used only when ``VERCEL_TOKEN`` is set."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        base_url: str,
        token: Secret,
        project_id: str | None = None,
        team_id: str | None = None,
        timeout_s: float = 5.0,
        limit: int = 20,
        max_retry_after_s: float = 30.0,
        sleep: Sleep = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._base = base_url.rstrip("/")
        self._token = token
        self._project_id = project_id
        self._team_id = team_id
        self._limit = limit
        self._sleep = sleep
        self._clock = clock
        self._http = _Requester(
            client,
            timeout_s=timeout_s,
            max_retry_after_s=max_retry_after_s,
            sleep=sleep,
        )

    async def _get_json(self, path: str, params: dict[str, str]) -> object:
        if self._team_id:
            params["teamId"] = self._team_id
        response = await self._http.send(
            SOURCE,
            "GET",
            self._base + path,
            params=params,
            headers={"Authorization": f"Bearer {self._token.reveal()}"},
        )
        if not response.is_success:
            raise DependencyError(SOURCE, f"HTTP {response.status_code}")
        try:
            return await read_json(response)
        except ValueError:
            raise DependencyError(SOURCE, "the answer is not JSON") from None

    async def _list(self, when: datetime, project_id: str | None) -> list[Deployment]:
        params = {"since": str(int(when.timestamp() * 1000)), "limit": str(self._limit)}
        if project_id:
            params["projectId"] = project_id
        body = await self._get_json("/v6/deployments", params)
        items = body.get("deployments") if isinstance(body, dict) else None
        if not isinstance(items, list):
            raise DependencyError(SOURCE, "the answer has no deployments list")
        return [d for d in (_deployment(item) for item in items) if d is not None]

    async def since(self, when: datetime) -> list[Deployment]:
        """Deployments created at or after ``when``, newest first; raises ``DependencyError``."""
        return await self._list(when, self._project_id)

    async def find_deployment(self, project_id: str, created_after: datetime) -> Deployment | None:
        """The first deployment of ``project_id`` created at or after ``created_after``."""
        found = [
            d for d in await self._list(created_after, project_id) if d.created_at >= created_after
        ]
        return min(found, key=lambda d: d.created_at) if found else None

    async def get_deployment(self, deployment_id: str) -> Deployment:
        """One deployment by id (``GET /v13/deployments/{id}``)."""
        body = await self._get_json(f"/v13/deployments/{quote(deployment_id, safe='')}", {})
        deployment = _deployment(body)
        if deployment is None:
            raise DependencyError(SOURCE, "the deployment answer has no id or creation time")
        return deployment

    async def follow(
        self,
        deployment_id: str,
        *,
        timeout_s: float,
        poll_interval_s: float = 5.0,
        on_state: Callable[[Deployment], Awaitable[None]] | None = None,
    ) -> FollowResult:
        """Poll until READY / ERROR / CANCELED, or TIMEOUT after ``timeout_s``.

        A failed poll (5xx, timeout) is retried until the deadline; its reason is kept for
        the TIMEOUT result. ``on_state`` hears each new ``readyState``.
        """
        started = self._clock()
        deadline = started + timeout_s
        polls, last, seen, error = 0, None, "", ""
        while True:
            polls += 1
            try:
                last = await self.get_deployment(deployment_id)
                error = ""
            except DependencyError as exc:
                error = exc.reason
            if last is not None and last.state != seen:
                seen = last.state
                if on_state is not None:
                    await on_state(last)
            waited = self._clock() - started
            if last is not None and last.state in TERMINAL_STATES:
                return FollowResult(last.state, last, polls, waited, last.error)
            remaining = deadline - self._clock()
            if remaining <= 0:
                where = f"still {seen}" if seen else "state unknown"
                reason = f"{where} after {timeout_s:g} s" + (
                    f" (last poll: {error})" if error else ""
                )
                return FollowResult(TIMEOUT, last, polls, waited, reason)
            await self._sleep(min(poll_interval_s, remaining))


class DeployHook:
    """``POST $VERCEL_DEPLOY_HOOK_URL``: queues a deployment of the hook's branch."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        url: Secret,
        timeout_s: float = 10.0,
        max_retry_after_s: float = 30.0,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._url = url
        self._http = _Requester(
            client,
            timeout_s=timeout_s,
            max_retry_after_s=max_retry_after_s,
            sleep=sleep,
        )

    @property
    def masked(self) -> str:
        """The hook URL as shown to people (last characters only)."""
        return self._url.masked

    async def trigger(self) -> HookTriggered:
        """Call the hook; raises ``DependencyError`` for a non-2xx answer or no answer."""
        response = await self._http.send(HOOK, "POST", self._url.reveal())
        if not response.is_success:
            raise DependencyError(HOOK, f"HTTP {response.status_code}")
        try:
            body = await read_json(response)
        except ValueError:
            body = {}
        job = _mapping(body.get("job")) if isinstance(body, dict) else {}
        created = job.get("createdAt")
        return HookTriggered(
            status=response.status_code,
            job_id=str(job.get("id") or ""),
            job_state=str(job.get("state") or ""),
            created_at=(
                datetime.fromtimestamp(created / 1000, UTC)
                if isinstance(created, (int, float))
                else None
            ),
        )


def _mapping(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _deployment(item: object) -> Deployment | None:
    if not isinstance(item, dict):
        return None
    created = item.get("created") or item.get("createdAt")
    if not isinstance(created, (int, float)):
        return None
    meta = _mapping(item.get("meta"))
    creator = _mapping(item.get("creator"))
    sha = str(meta.get("githubCommitSha") or "")[:7]
    message = short(str(meta.get("githubCommitMessage") or ""), 80)
    return Deployment(
        uid=str(item.get("uid") or item.get("id") or ""),
        url=str(item.get("url") or ""),
        state=str(item.get("readyState") or item.get("state") or "UNKNOWN"),
        target=str(item.get("target") or "preview"),
        created_at=datetime.fromtimestamp(created / 1000, UTC),
        creator=str(creator.get("username") or creator.get("email") or ""),
        commit=f"{sha} {message}".strip(),
        error=short(str(item.get("errorMessage") or item.get("errorCode") or ""), 200),
    )
