"""The app's recent Vercel deployments (``GET /v6/deployments``), for "what changed"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from bot.errors import DependencyError
from bot.incidents.changes import ChangeHook, ChangeLine
from bot.probes.http import http_get, read_json, short
from bot.secrets import Secret

SOURCE = "Vercel API"


@dataclass(frozen=True)
class Deployment:
    """One deployment as Vercel lists it."""

    uid: str
    url: str
    state: str
    target: str
    created_at: datetime
    creator: str
    commit: str


class VercelDeployments:
    """Lists deployments with a bearer token; used only when ``VERCEL_TOKEN`` is set."""

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
    ) -> None:
        self._client = client
        self._url = base_url.rstrip("/") + "/v6/deployments"
        self._token = token
        self._project_id = project_id
        self._team_id = team_id
        self._timeout_s = timeout_s
        self._limit = limit

    async def since(self, when: datetime) -> list[Deployment]:
        """Deployments created at or after ``when``, newest first; raises ``DependencyError``."""
        params = {"since": str(int(when.timestamp() * 1000)), "limit": str(self._limit)}
        if self._project_id:
            params["projectId"] = self._project_id
        if self._team_id:
            params["teamId"] = self._team_id
        fetched = await http_get(
            self._client,
            self._url,
            timeout_s=self._timeout_s,
            params=params,
            headers={"Authorization": f"Bearer {self._token.reveal()}"},
        )
        if fetched.response is None:
            raise DependencyError(SOURCE, fetched.detail)
        if not fetched.response.is_success:
            raise DependencyError(SOURCE, f"HTTP {fetched.response.status_code}")
        try:
            body = await read_json(fetched.response)
        except ValueError:
            raise DependencyError(SOURCE, "the answer is not JSON") from None
        items = body.get("deployments") if isinstance(body, dict) else None
        if not isinstance(items, list):
            raise DependencyError(SOURCE, "the answer has no deployments list")
        return [d for d in (_deployment(item) for item in items) if d is not None]


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
        uid=str(item.get("uid") or ""),
        url=str(item.get("url") or ""),
        state=str(item.get("readyState") or item.get("state") or "UNKNOWN"),
        target=str(item.get("target") or "preview"),
        created_at=datetime.fromtimestamp(created / 1000, UTC),
        creator=str(creator.get("username") or creator.get("email") or ""),
        commit=f"{sha} {message}".strip(),
    )


def deployments_hook(vercel: VercelDeployments) -> ChangeHook:
    """A "what changed" hook listing the app's deployments in the window."""

    async def hook(since: datetime, until: datetime) -> list[ChangeLine]:
        lines = []
        for d in await vercel.since(since):
            if d.created_at >= until:
                continue
            text = f"deployment {d.url or d.uid} ({d.target}) {d.state}"
            if d.commit:
                text += f": {d.commit}"
            if d.creator:
                text += f" by {d.creator}"
            lines.append(ChangeLine(d.created_at, SOURCE, text))
        return lines

    return hook
