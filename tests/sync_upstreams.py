"""Stand-ins for /sync: the real AA and GitHub fixtures, small provider listings, and gates.

``SyncUpstreams`` is ``tests.upstreams.Upstreams`` plus two waits that need no sleeping:
``arrived(path)`` (a request for ``path`` reached the server) and ``gate(path)`` (hold
every request for ``path`` until the returned event is set).
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.sources.aa_api import AA_MODELS_PATH
from bot.sources.aa_page import LEADERBOARD_PATH
from tests.fixture_files import fixture_text
from tests.upstreams import BASES, Upstreams, env_for, write_config

AA_API_PATH = BASES["ARTIFICIAL_ANALYSIS_BASE_URL"] + AA_MODELS_PATH
AA_PAGE_PATH = BASES["ARTIFICIAL_ANALYSIS_BASE_URL"] + LEADERBOARD_PATH
GITHUB_PATH = "/github/ksy2728/AI-GO/master/public/data/aa-models.json"
OPENAI_PATH = BASES["OPENAI_BASE_URL"] + "/models"
ANTHROPIC_PATH = BASES["ANTHROPIC_BASE_URL"] + "/v1/models"
GOOGLE_PATH = BASES["GOOGLE_AI_BASE_URL"] + "/v1beta/models"
REPLICATE_PATH = BASES["REPLICATE_BASE_URL"] + "/v1/models"

SYNC_KEYS: dict[str, str] = {
    "OPENAI_API_KEY": "sk-proj-Sy7nQk2Wz7Xv1Bn5Rt8Mp3Hc6Jg0oa1A",
    "ANTHROPIC_API_KEY": "sk-ant-api03-Sy8Lz2Vt5Rb1Nc7Xp4Ks9Dm3-an2B",
    "GOOGLE_AI_API_KEY": "AIzaSyS9k9Lq2Wz7Xv1Bn5Rt8Mp3Hc6Jg0go3C",
    "REPLICATE_API_TOKEN": "r8_Sq2Wz7Xv1Bn5Rt8Mp3Hc6Jg0Ks4rp4D",
    "ARTIFICIAL_ANALYSIS_API_KEY": "aa_Sz7Xv1Bn5Rt8Mp3Hc6Jg0Ks4Lq2Wa5E",
}

# Small listings shaped like the providers' real answers.
OPENAI_LISTING: dict[str, Any] = {
    "object": "list",
    "data": [
        {"id": "gpt-4o", "object": "model", "created": 1715367049, "owned_by": "system"},
        {"id": "gpt-4o-mini", "object": "model", "created": 1721172741, "owned_by": "system"},
        {"id": "gpt-4.1", "object": "model", "created": 1744316542, "owned_by": "system"},
        {"id": "o3-mini", "object": "model", "created": 1737146383, "owned_by": "system"},
    ],
}
ANTHROPIC_LISTING: dict[str, Any] = {
    "data": [
        {
            "type": "model",
            "id": "claude-sonnet-4-20250514",
            "display_name": "Claude Sonnet 4",
            "created_at": "2025-05-22T00:00:00Z",
        },
        {
            "type": "model",
            "id": "claude-3-5-haiku-20241022",
            "display_name": "Claude Haiku 3.5",
            "created_at": "2024-10-22T00:00:00Z",
        },
    ],
    "has_more": False,
    "first_id": "claude-sonnet-4-20250514",
    "last_id": "claude-3-5-haiku-20241022",
}
GOOGLE_LISTING: dict[str, Any] = {
    "models": [
        {
            "name": "models/gemini-2.5-pro",
            "version": "2.5",
            "displayName": "Gemini 2.5 Pro",
            "inputTokenLimit": 1048576,
            "outputTokenLimit": 65536,
            "supportedGenerationMethods": ["generateContent", "countTokens"],
        },
        {
            "name": "models/gemini-2.0-flash",
            "version": "2.0",
            "displayName": "Gemini 2.0 Flash",
            "inputTokenLimit": 1048576,
            "outputTokenLimit": 8192,
            "supportedGenerationMethods": ["generateContent", "countTokens"],
        },
        {
            "name": "models/text-embedding-004",
            "version": "004",
            "displayName": "Text Embedding 004",
            "inputTokenLimit": 2048,
            "outputTokenLimit": 1,
            "supportedGenerationMethods": ["embedContent"],
        },
    ]
}
REPLICATE_LISTING: dict[str, Any] = {
    "next": None,
    "previous": None,
    "results": [
        {
            "url": "https://replicate.com/meta/meta-llama-3-70b-instruct",
            "owner": "meta",
            "name": "meta-llama-3-70b-instruct",
            "description": "A 70 billion parameter language model from Meta.",
            "visibility": "public",
            "run_count": 163000000,
        },
        {
            "url": "https://replicate.com/stability-ai/sdxl",
            "owner": "stability-ai",
            "name": "sdxl",
            "description": "A text-to-image generative AI model.",
            "visibility": "public",
            "run_count": 79000000,
        },
    ],
}
PROVIDER_MODELS = 4 + 2 + 2 + 1  # what the four listings above hold (embeddings, sdxl: no)


def fixture_json(name: str) -> Any:
    """A fresh decoded copy of a JSON fixture."""
    return json.loads(fixture_text(name))


def aa_api_body(count: int | None = None) -> dict[str, Any]:
    """The real AA API response, optionally cut to its first ``count`` models."""
    body: dict[str, Any] = fixture_json("aa_api_v2_models.json")
    if count is not None:
        body["data"] = body["data"][:count]
    return body


def github_backup_body(count: int | None = None) -> dict[str, Any]:
    """The real 2025-09-20 GitHub backup, optionally cut to its first ``count`` models."""
    body: dict[str, Any] = fixture_json("github_backup_aa-models.json")
    if count is not None:
        body["models"] = body["models"][:count]
    return body


class SyncUpstreams(Upstreams):
    """Upstreams that can say when a path was first asked for and hold its requests."""

    def __init__(self) -> None:
        super().__init__()
        self._arrived: dict[str, asyncio.Event] = {}
        self._gates: dict[str, asyncio.Event] = {}

    def gate(self, path: str) -> asyncio.Event:
        """Hold every request for ``path`` until the returned event is set."""
        self._gates[path] = asyncio.Event()
        return self._gates[path]

    async def arrived(self, path: str, timeout_s: float = 10.0) -> None:
        """Return once a request for ``path`` has reached the server."""
        await asyncio.wait_for(self._arrived.setdefault(path, asyncio.Event()).wait(), timeout_s)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self._arrived.setdefault(request.path, asyncio.Event()).set()
        gate = self._gates.get(request.path)
        if gate is not None:
            await gate.wait()
        return await super()._handle(request)

    async def __aenter__(self) -> SyncUpstreams:
        await self.start()
        return self

    async def stop(self) -> None:
        """Release held requests, then stop serving."""
        for gate in self._gates.values():
            gate.set()
        await super().stop()

    def serve_fixtures(self) -> None:
        """Every source healthy: provider listings, the real AA API, page and GitHub backup."""
        self.route(OPENAI_PATH, json=OPENAI_LISTING)
        self.route(ANTHROPIC_PATH, json=ANTHROPIC_LISTING)
        self.route(GOOGLE_PATH, json=GOOGLE_LISTING)
        self.route(REPLICATE_PATH, json=REPLICATE_LISTING)
        self.route(AA_API_PATH, json=aa_api_body())
        self.route(AA_PAGE_PATH, text=fixture_text("aa_leaderboard_page.html"))
        self.route(GITHUB_PATH, json=github_backup_body())


def sync_env(
    base: dict[str, str],
    upstreams: Upstreams,
    config_dir: Path,
    *,
    operators: tuple[str, ...],
    source_timeout_s: float,
) -> dict[str, str]:
    """``base`` pointed at the stand-ins, with keys, operators and a short source timeout."""
    write_config(config_dir, upstreams)
    with (config_dir / "local.toml").open("a", encoding="utf-8") as handle:
        handle.write(
            f"\n[auth]\noperators = {json.dumps(list(operators))}\n"
            f"\n[sync]\nsource_timeout_seconds = {source_timeout_s}\n"
        )
    return {
        **base,
        **env_for(upstreams),
        **SYNC_KEYS,
        "GITHUB_BACKUP_URL": upstreams.url + GITHUB_PATH,
        "BOT_CONFIG_DIR": str(config_dir),
    }
