"""One local HTTP server standing in for every provider, the app and the vendor status pages.

Bind on 127.0.0.1:0, script answers per path with ``route()``, read what the bot asked in
``requests``. ``env_for()`` points a bot at it, ``all_ok()`` scripts a healthy world and
``write_config()`` writes a config folder whose status pages live here too.
"""

from __future__ import annotations

import asyncio
import json as jsonlib
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, NamedTuple

from aiohttp import web

from tests.conftest import STATUS_PAGE_PATHS, write_test_config
from tests.fixture_files import fixture_text

# Where each stand-in lives under the server's URL (bases as passed to the bot).
BASES: dict[str, str] = {
    "OPENAI_BASE_URL": "/openai/v1",
    "ANTHROPIC_BASE_URL": "/anthropic",
    "GOOGLE_AI_BASE_URL": "/google",
    "REPLICATE_BASE_URL": "/replicate",
    "ARTIFICIAL_ANALYSIS_BASE_URL": "/aa",
    "APP_BASE_URL": "/app",
}
# The exact path each key probe requests (base + the provider's no-token endpoint).
KEY_PATHS: dict[str, str] = {
    "openai": "/openai/v1/models",
    "anthropic": "/anthropic/v1/models",
    "google": "/google/v1beta/models",
    "replicate": "/replicate/v1/account",
    "artificial_analysis": "/aa/api/v2/data/llms/models",
}
KEY_ENV: dict[str, str] = {
    "openai": "OPENAI_API_KEY",
    "anthropic": "ANTHROPIC_API_KEY",
    "google": "GOOGLE_AI_API_KEY",
    "replicate": "REPLICATE_API_TOKEN",
    "artificial_analysis": "ARTIFICIAL_ANALYSIS_API_KEY",
}
APP_HEALTH = "/app/api/health"
APP_MODELS = "/app/api/v1/models"
STATUS_PATHS: dict[str, str] = STATUS_PAGE_PATHS


class RecordedRequest(NamedTuple):
    """One request the server received (header names lower-cased)."""

    method: str
    path: str
    query: str
    headers: dict[str, str]


@dataclass(frozen=True)
class Route:
    """A scripted answer for one path."""

    status: int = 200
    body: bytes = b""
    content_type: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    delay_s: float = 0.0
    hang: bool = False


class Upstreams:
    """The local stand-in server; unscripted paths answer 404 with a JSON error."""

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self._routes: dict[str, Route] = {}
        self._runner: web.AppRunner | None = None
        self._url: str | None = None
        self._release = asyncio.Event()

    @property
    def url(self) -> str:
        if self._url is None:
            raise RuntimeError("Upstreams is not started")
        return self._url

    def route(
        self,
        path: str,
        *,
        status: int = 200,
        json: Any = None,
        text: str | None = None,
        headers: dict[str, str] | None = None,
        delay_s: float = 0.0,
        hang: bool = False,
    ) -> None:
        """Script ``path``: a JSON or text body, a status, headers, latency, or a hang."""
        if json is not None and text is not None:
            raise ValueError("give json or text, not both")
        body, ctype = b"", None
        if json is not None:
            body, ctype = jsonlib.dumps(json).encode(), "application/json"
        elif text is not None:
            body, ctype = text.encode(), "text/html; charset=utf-8"
        extra = tuple((headers or {}).items())
        self._routes[path] = Route(status, body, ctype, extra, delay_s, hang)

    def count(self, path: str) -> int:
        """How many requests arrived for ``path``."""
        return sum(1 for r in self.requests if r.path == path)

    def requested(self, prefix: str) -> list[RecordedRequest]:
        """The requests whose path starts with ``prefix``."""
        return [r for r in self.requests if r.path.startswith(prefix)]

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        headers = {k.lower(): v for k, v in request.headers.items()}
        self.requests.append(
            RecordedRequest(request.method, request.path, request.query_string, headers)
        )
        route = self._routes.get(request.path)
        if route is None:
            return web.json_response({"error": {"message": "not scripted"}}, status=404)
        if route.hang:
            await self._release.wait()
            return web.Response(status=503)
        if route.delay_s:
            await asyncio.sleep(route.delay_s)  # latency of the stand-in, not synchronisation
        headers_out = {"Content-Type": route.content_type} if route.content_type else {}
        headers_out.update(route.headers)  # a scripted Content-Type wins
        return web.Response(status=route.status, body=route.body, headers=headers_out)

    async def start(self) -> None:
        """Serve on 127.0.0.1 on an ephemeral port."""
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        try:
            await web.TCPSite(runner, "127.0.0.1", 0).start()
        except BaseException:
            await runner.cleanup()
            raise
        host, port = runner.addresses[0][:2]
        self._runner, self._url = runner, f"http://{host}:{port}"

    async def stop(self) -> None:
        """Release hung requests and stop serving (idempotent)."""
        self._release.set()
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def __aenter__(self) -> Upstreams:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()


def env_for(upstreams: Upstreams) -> dict[str, str]:
    """Every provider base URL and the app's base URL pointed at the stand-ins."""
    return {name: upstreams.url + path for name, path in BASES.items()}


def write_config(
    folder: Path,
    upstreams: Upstreams,
    *,
    probe_timeout_s: float | None = None,
    deadline_s: float | None = None,
) -> Path:
    """A test config folder with the status pages here, optionally shorter probe deadlines."""
    write_test_config(folder, status_base=upstreams.url)
    if probe_timeout_s is not None and deadline_s is not None:
        with (folder / "local.toml").open("a") as handle:
            handle.write(
                f"\n[health]\nprobe_timeout_seconds = {probe_timeout_s}\n"
                f"deadline_seconds = {deadline_s}\n"
            )
    return folder


# ------------------------------------------------------------------ realistic bodies

OPENAI_MODELS = {
    "object": "list",
    "data": [
        {"id": "gpt-4o", "object": "model", "created": 1715367049, "owned_by": "system"},
        {"id": "gpt-4o-mini", "object": "model", "created": 1721172741, "owned_by": "system"},
    ],
}
ANTHROPIC_MODELS = {
    "data": [
        {
            "type": "model",
            "id": "claude-sonnet-4-20250514",
            "display_name": "Claude Sonnet 4",
            "created_at": "2025-05-22T00:00:00Z",
        }
    ],
    "has_more": False,
    "first_id": "claude-sonnet-4-20250514",
    "last_id": "claude-sonnet-4-20250514",
}
GOOGLE_MODELS = {
    "models": [
        {
            "name": "models/gemini-2.0-flash",
            "version": "2.0",
            "displayName": "Gemini 2.0 Flash",
            "inputTokenLimit": 1048576,
            "outputTokenLimit": 8192,
            "supportedGenerationMethods": ["generateContent", "countTokens"],
        }
    ],
    "nextPageToken": "Chltb2RlbHMvZ2VtaW5pLTIuMC1mbGFzaA==",
}
REPLICATE_ACCOUNT = {
    "type": "organization",
    "username": "ai-server-information",
    "name": "AI Server Information",
    "github_url": "https://github.com/ksy2728",
}


def openai_401(shown_key: str = "sk-abc...xyz") -> dict[str, Any]:
    """OpenAI's 401 for a wrong key (it echoes a fragment of the key back)."""
    return {
        "error": {
            "message": f"Incorrect API key provided: {shown_key}. You can find your API key at "
            "https://platform.openai.com/account/api-keys.",
            "type": "invalid_request_error",
            "param": None,
            "code": "invalid_api_key",
        }
    }


def app_health(database: str = "healthy", redis: str = "healthy") -> dict[str, Any]:
    """The app's /api/health body (top-level 'healthy' whatever its services say)."""
    return {
        "status": "healthy",
        "timestamp": "2025-09-23T01:30:35.437Z",
        "uptime": 1234.5,
        "environment": "production",
        "version": "0.1.0",
        "services": {"database": database, "redis": redis},
        "memory": {"used": 80, "total": 120, "unit": "MB"},
    }


def app_models(**overrides: Any) -> dict[str, Any]:
    """The real production /api/v1/models response, with optional fields replaced."""
    body: dict[str, Any] = jsonlib.loads(fixture_text("app_api_v1_models.json"))
    body.update(overrides)
    return body


def statuspage(
    vendor: str,
    indicator: str = "none",
    description: str = "All Systems Operational",
    incidents: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """An Atlassian Statuspage v2 summary.json (OpenAI, Anthropic, Vercel)."""
    return {
        "page": {
            "id": "kctbh9vrtdwd",
            "name": vendor,
            "url": f"https://status.{vendor.lower()}.com",
            "time_zone": "Etc/UTC",
            "updated_at": "2025-09-22T08:00:00.000Z",
        },
        "components": [
            {"id": "c1", "name": "API", "status": "operational", "group": False},
            {"id": "c2", "name": "Dashboard", "status": "operational", "group": False},
        ],
        "incidents": incidents or [],
        "scheduled_maintenances": [],
        "status": {"indicator": indicator, "description": description},
    }


def neon_summary() -> dict[str, Any]:
    """neonstatus.com /api/v1/summary (incident.io) with every region clear."""
    regions = ("AWS US East (Ohio)", "AWS Europe (Frankfurt)")
    return {
        "subpages": [
            {
                "subpage": title.lower().replace(" ", "-"),
                "summary": {
                    "page_title": title,
                    "page_url": "https://neonstatus.com/" + title.lower().replace(" ", "-"),
                    "ongoing_incidents": [],
                    "in_progress_maintenances": [],
                    "scheduled_maintenances": [],
                },
            }
            for title in regions
        ]
    }


def gcp_incidents() -> list[dict[str, Any]]:
    """status.cloud.google.com/incidents.json: history only, every incident has an end."""
    return [
        {
            "id": "xVSEV3kVaJBmS7SZbnre",
            "number": "1234567890123456",
            "begin": "2025-09-18T10:00:00+00:00",
            "created": "2025-09-18T10:05:00+00:00",
            "end": "2025-09-18T12:00:00+00:00",
            "modified": "2025-09-18T12:10:00+00:00",
            "external_desc": "Vertex Gemini API elevated error rates",
            "updates": [],
            "most_recent_update": {"text": "Resolved", "status": "AVAILABLE"},
            "status_impact": "SERVICE_DISRUPTION",
            "severity": "medium",
            "service_key": "Z0FZJAMvEB4j3NbCJs6B",
            "service_name": "Vertex Gemini API",
            "affected_products": [{"title": "Vertex Gemini API", "id": "Z0FZJAMvEB4j3NbCJs6B"}],
            "uri": "incidents/xVSEV3kVaJBmS7SZbnre",
        }
    ]


def all_ok(upstreams: Upstreams) -> None:
    """Script a healthy world: valid keys, a healthy app, every status page all-clear."""
    aa_models = jsonlib.loads(fixture_text("aa_api_v2_models.json"))
    for path, body in (
        (KEY_PATHS["openai"], OPENAI_MODELS),
        (KEY_PATHS["anthropic"], ANTHROPIC_MODELS),
        (KEY_PATHS["google"], GOOGLE_MODELS),
        (KEY_PATHS["replicate"], REPLICATE_ACCOUNT),
        (KEY_PATHS["artificial_analysis"], aa_models),
        (APP_HEALTH, app_health()),
        (APP_MODELS, app_models()),
        (STATUS_PATHS["Neon"], neon_summary()),
        (STATUS_PATHS["Google Cloud"], gcp_incidents()),
    ):
        upstreams.route(path, json=body)
    for vendor in ("OpenAI", "Anthropic", "Vercel"):
        upstreams.route(STATUS_PATHS[vendor], json=statuspage(vendor))
