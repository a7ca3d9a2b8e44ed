"""Provider model listings: request shape, pagination, filtering, and every failure word."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from bot.sources.provider_table import PROVIDERS
from bot.sources.providers import (
    fetch_anthropic_models,
    fetch_google_models,
    fetch_openai_models,
    fetch_replicate_models,
)

KEY = "sk-test-KEY0123456789abcdefWXYZ"
Handler = Callable[[httpx.Request], httpx.Response]
# Every provider's listing, from the provider table.
LISTINGS = {p.name: p.listing for p in PROVIDERS if p.listing is not None}
BASES = {
    "openai": "https://api.test/v1",
    "anthropic": "https://api.test",
    "google": "https://api.test",
    "replicate": "https://api.test",
}


def client_for(handler: Handler, seen: list[httpx.Request] | None = None) -> httpx.AsyncClient:
    def recording(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        return handler(request)

    return httpx.AsyncClient(transport=httpx.MockTransport(recording))


def json_answer(body: Any) -> Handler:
    return lambda request: httpx.Response(200, json=body)


async def test_openai_listing_sends_bearer_header_and_maps_ids() -> None:
    """OpenAI: GET {base}/models with a Bearer header; each id becomes an openai record."""
    seen: list[httpx.Request] = []
    body = {"object": "list", "data": [{"id": "gpt-4o", "owned_by": "system"}, {"id": "o3"}]}
    async with client_for(json_answer(body), seen) as client:
        result = await fetch_openai_models(
            client=client, base_url=BASES["openai"], key=KEY, timeout_s=2
        )
    assert result.status == "ok", result.reason
    assert [(r.provider_slug, r.slug, r.source) for r in result.records] == [
        ("openai", "gpt-4o", "provider_api"),
        ("openai", "o3", "provider_api"),
    ]
    assert str(seen[0].url) == "https://api.test/v1/models"
    assert seen[0].headers["authorization"] == f"Bearer {KEY}"


async def test_anthropic_listing_follows_has_more_with_after_id() -> None:
    """Anthropic: has_more/last_id pages are followed with after_id, headers as the key check."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.params.get("after_id") == "claude-b":
            page = {"data": [{"id": "claude-c"}], "has_more": False, "last_id": "claude-c"}
        else:
            data = [{"id": "claude-a", "display_name": "Claude A"}, {"id": "claude-b"}]
            page = {"data": data, "has_more": True, "last_id": "claude-b"}
        return httpx.Response(200, json=page)

    async with client_for(handler, seen) as client:
        result = await fetch_anthropic_models(
            client=client, base_url=BASES["anthropic"], key=KEY, timeout_s=2
        )
    assert [r.slug for r in result.records] == ["claude-a", "claude-b", "claude-c"]
    assert result.records[0].name == "Claude A"
    assert result.facts["pages"] == 2
    assert seen[0].url.path == "/v1/models"
    assert seen[0].headers["x-api-key"] == KEY
    assert seen[0].headers["anthropic-version"] == "2023-06-01"


async def test_google_listing_keeps_generate_content_models_across_pages() -> None:
    """Google: nextPageToken → pageToken, only generateContent models, key in header only."""
    seen: list[httpx.Request] = []
    first = {
        "models": [
            {
                "name": "models/gemini-1.5-pro",
                "displayName": "Gemini 1.5 Pro",
                "inputTokenLimit": 2097152,
                "outputTokenLimit": 8192,
                "supportedGenerationMethods": ["generateContent", "countTokens"],
            },
            {"name": "models/text-embedding-004", "supportedGenerationMethods": ["embedContent"]},
        ],
        "nextPageToken": "page-2",
    }
    second = {
        "models": [
            {"name": "models/gemini-2.0-flash", "supportedGenerationMethods": ["generateContent"]}
        ]
    }

    def handler(request: httpx.Request) -> httpx.Response:
        page = second if request.url.params.get("pageToken") == "page-2" else first
        return httpx.Response(200, json=page)

    async with client_for(handler, seen) as client:
        result = await fetch_google_models(
            client=client, base_url=BASES["google"], key=KEY, timeout_s=2
        )
    assert [r.slug for r in result.records] == ["gemini-1-5-pro", "gemini-2-0-flash"]
    pro = result.records[0]
    assert (pro.provider_slug, pro.name, pro.context_window, pro.max_output_tokens) == (
        "google",
        "Gemini 1.5 Pro",
        2097152,
        8192,
    )
    assert result.facts["listed"] == 3
    assert all(r.headers["x-goog-api-key"] == KEY and KEY not in str(r.url) for r in seen)


async def test_replicate_listing_filters_owners_and_sends_cursor_to_our_base() -> None:
    """Replicate: owners filtered; the next cursor goes to the configured base, not 'next'."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.params.get("cursor") == "c2":
            results = [{"owner": "mistralai", "name": "mixtral-8x7b", "description": "MoE"}]
            return httpx.Response(200, json={"next": None, "results": results})
        results = [
            {"owner": "meta", "name": "meta-llama-3-70b-instruct"},
            {"owner": "someone", "name": "cat-pictures"},
        ]
        nxt = "https://elsewhere.example/v1/models?cursor=c2"
        return httpx.Response(200, json={"next": nxt, "results": results})

    async with client_for(handler, seen) as client:
        result = await fetch_replicate_models(
            client=client,
            base_url=BASES["replicate"],
            key=KEY,
            timeout_s=2,
            owners=("meta", "mistralai"),
        )
    assert [(r.provider_slug, r.slug, r.raw_id) for r in result.records] == [
        ("meta", "meta-llama-3-70b-instruct", "meta/meta-llama-3-70b-instruct"),
        ("mistral", "mixtral-8x7b", "mistralai/mixtral-8x7b"),
    ]
    assert [r.url.host for r in seen] == ["api.test", "api.test"]
    assert seen[1].headers["authorization"] == f"Bearer {KEY}"


async def test_replicate_listing_cut_short_says_so() -> None:
    """Replicate: a listing stopped at max_pages is ok but names the cut."""
    body = {
        "next": "https://api.test/v1/models?cursor=more",
        "results": [{"owner": "meta", "name": "m"}],
    }
    async with client_for(json_answer(body)) as client:
        result = await fetch_replicate_models(
            client=client, base_url=BASES["replicate"], key=KEY, timeout_s=2, max_pages=1
        )
    assert result.status == "ok"
    assert "stopped after 1 pages" in result.reason


@pytest.mark.parametrize("provider", sorted(LISTINGS))
async def test_missing_key_skips_without_a_request(provider: str) -> None:
    """No key: skipped with reason 'no key', and nothing is requested."""
    seen: list[httpx.Request] = []
    async with client_for(json_answer({}), seen) as client:
        result = await LISTINGS[provider](
            client=client, base_url=BASES[provider], key="  ", timeout_s=2
        )
    assert (result.status, result.reason, seen) == ("skipped", "no key", [])


def _raise_timeout(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout("read timed out", request=request)


FAILURES: dict[str, tuple[Handler, str]] = {
    "500": (lambda r: httpx.Response(500, text="oops"), "HTTP 500"),
    "429": (
        lambda r: httpx.Response(429, json={"error": "slow"}, headers={"Retry-After": "30"}),
        "rate limited (retry after 30 s)",
    ),
    "401": (lambda r: httpx.Response(401, json={"error": KEY}), "HTTP 401 (key rejected)"),
    "timeout": (_raise_timeout, "timeout after 2 s"),
    "garbage": (lambda r: httpx.Response(200, text="<html>not json"), "unparseable: not JSON"),
    "wrong shape": (
        lambda r: httpx.Response(200, json=["a", "b"]),
        "unparseable: expected a JSON object",
    ),
}


@pytest.mark.parametrize("provider", sorted(LISTINGS))
@pytest.mark.parametrize("case", sorted(FAILURES))
async def test_upstream_failure_is_named_without_the_key(provider: str, case: str) -> None:
    """500, 429, 401, timeout and garbage each give 'failed' with their reason, never the key."""
    handler, expected = FAILURES[case]
    async with client_for(handler) as client:
        result = await LISTINGS[provider](
            client=client, base_url=BASES[provider], key=KEY, timeout_s=2
        )
    assert result.status == "failed"
    assert result.reason.startswith(expected), result.reason
    assert KEY not in result.reason and KEY not in json.dumps(result.facts)


@pytest.mark.parametrize("provider", sorted(LISTINGS))
async def test_refused_connection_is_unreachable(provider: str) -> None:
    """A closed local port gives 'failed' with reason 'unreachable ...'."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    base = f"http://127.0.0.1:{port}" + ("/v1" if provider == "openai" else "")
    async with httpx.AsyncClient() as client:
        result = await LISTINGS[provider](
            client=client, base_url=base, key=KEY, timeout_s=2
        )
    assert result.status == "failed"
    assert result.reason.startswith("unreachable"), result.reason
