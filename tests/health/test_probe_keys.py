"""Provider key checks: request shape, every outcome word, masking, AA caching."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from bot.health.probes.base import ProbeState
from bot.health.probes.keys import mask_key, parse_retry_after, probe_key
from bot.stores.result_cache import MemoryResultCache
from tests.provider_bodies import (
    ANTHROPIC_400_CREDIT,
    ANTHROPIC_401,
    ANTHROPIC_402,
    ANTHROPIC_529,
    GOOGLE_400,
    OPENAI_401,
    OPENAI_429_QUOTA,
    REPLICATE_401,
)

KEY = "sk-abcDEF0123456789ghijWXYZ"
Handler = Callable[[httpx.Request], httpx.Response]


def client_for(handler: Handler) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.MockTransport(handler))


def answer(status: int, body: Any, headers: dict[str, str] | None = None) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json=body, headers=headers)

    return handler


async def check(provider: str, handler: Handler, key: str | None = KEY, **kw: Any) -> Any:
    async with client_for(handler) as client:
        return await probe_key(provider, key, base_url="", client=client, **kw)


def test_mask_key_shows_only_the_last_four() -> None:
    """A normal key is shown as an ellipsis and its last four characters."""
    assert mask_key(KEY) == "…WXYZ"


@pytest.mark.parametrize("short_key", ["a", "abc", "abcdefg"])
def test_mask_key_hides_short_keys_entirely(short_key: str) -> None:
    """A key under 8 characters reveals nothing, not even its tail."""
    assert mask_key(short_key) == "…****"


@pytest.mark.parametrize("absent", [None, "", "   "])
def test_mask_key_says_not_set(absent: str | None) -> None:
    """No key reads as '(not set)'."""
    assert mask_key(absent) == "(not set)"


async def test_openai_valid_key_is_ok_with_bearer_header() -> None:
    """OpenAI: GET {base}/models with a Bearer header; 200 JSON is valid."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"object": "list", "data": []})

    result = await check("openai", handler)
    assert (result.status, result.state, result.group) == ("valid", ProbeState.OK, "keys")
    assert str(seen[0].url) == "https://api.openai.com/v1/models"
    assert seen[0].headers["authorization"] == f"Bearer {KEY}"
    assert result.facts["key"] == "…WXYZ"
    assert result.latency_ms is not None and result.latency_ms >= 0


async def test_anthropic_sends_x_api_key_and_version() -> None:
    """Anthropic: GET /v1/models with x-api-key and anthropic-version 2023-06-01."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"data": [], "has_more": False})

    result = await check("anthropic", handler)
    assert result.status == "valid"
    assert str(seen[0].url) == "https://api.anthropic.com/v1/models"
    assert seen[0].headers["x-api-key"] == KEY
    assert seen[0].headers["anthropic-version"] == "2023-06-01"


async def test_google_key_goes_in_a_header_never_the_url() -> None:
    """Google AI: the key travels in x-goog-api-key and nowhere in the URL."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"models": []})

    result = await check("google", handler)
    assert result.status == "valid"
    assert seen[0].url.path == "/v1beta/models"
    assert KEY not in str(seen[0].url)
    assert seen[0].headers["x-goog-api-key"] == KEY


async def test_replicate_and_aa_use_their_endpoints_and_base_url_override() -> None:
    """A configured base URL (trailing slash or not) replaces the default host."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"username": "x"})

    async with client_for(handler) as client:
        await probe_key("replicate", KEY, base_url="http://proxy.local/", client=client)
        await probe_key("artificial_analysis", KEY, base_url="http://aa.local", client=client)
    assert str(seen[0].url) == "http://proxy.local/v1/account"
    assert seen[0].headers["authorization"] == f"Bearer {KEY}"
    assert str(seen[1].url) == "http://aa.local/api/v2/data/llms/models"
    assert seen[1].headers["x-api-key"] == KEY


async def test_missing_key_is_down_without_any_http_call() -> None:
    """No key: 'missing', DOWN, and nothing is sent upstream."""
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(200, json={})

    result = await check("openai", handler, key=None)
    assert (result.status, result.state) == ("missing", ProbeState.DOWN)
    assert result.facts["key"] == "(not set)"
    assert calls == []


async def test_openai_401_is_invalid_and_hides_the_echoed_key_fragment() -> None:
    """OpenAI 401 invalid_api_key: 'invalid', its message kept, the key fragment masked."""
    result = await check("openai", answer(401, OPENAI_401))
    assert (result.status, result.state) == ("invalid", ProbeState.DOWN)
    assert "Incorrect API key provided: …WXYZ. You can find your API key" in result.detail
    assert "sk-abc" not in result.detail


async def test_openai_429_insufficient_quota_is_quota() -> None:
    """OpenAI 429 insufficient_quota is an empty account, not a rate limit."""
    result = await check("openai", answer(429, OPENAI_429_QUOTA))
    assert (result.status, result.state) == ("quota", ProbeState.DOWN)
    assert "exceeded your current quota" in result.detail


async def test_anthropic_401_is_invalid() -> None:
    """Anthropic 401 authentication_error is 'invalid' and quotes the message."""
    result = await check("anthropic", answer(401, ANTHROPIC_401))
    assert (result.status, result.state) == ("invalid", ProbeState.DOWN)
    assert "invalid x-api-key" in result.detail


async def test_anthropic_402_billing_error_is_quota() -> None:
    """Anthropic 402 billing_error is 'quota'."""
    result = await check("anthropic", answer(402, ANTHROPIC_402))
    assert (result.status, result.state) == ("quota", ProbeState.DOWN)


async def test_anthropic_400_credit_balance_is_quota() -> None:
    """Anthropic 400 'credit balance is too low' is 'quota', not a bad request."""
    result = await check("anthropic", answer(400, ANTHROPIC_400_CREDIT))
    assert (result.status, result.state) == ("quota", ProbeState.DOWN)
    assert "credit balance" in result.detail


async def test_anthropic_529_overloaded_is_provider_down_unknown() -> None:
    """Anthropic 529 overloaded_error says nothing about our key: UNKNOWN."""
    result = await check("anthropic", answer(529, ANTHROPIC_529))
    assert (result.status, result.state) == ("provider_down", ProbeState.UNKNOWN)
    assert "Overloaded" in result.detail


async def test_google_400_api_key_invalid_is_invalid() -> None:
    """Google 400 INVALID_ARGUMENT with reason API_KEY_INVALID is 'invalid'."""
    result = await check("google", answer(400, GOOGLE_400))
    assert (result.status, result.state) == ("invalid", ProbeState.DOWN)
    assert "API key not valid" in result.detail


async def test_replicate_401_is_invalid() -> None:
    """Replicate 401 (problem+json) is 'invalid' and quotes its detail."""
    result = await check("replicate", answer(401, REPLICATE_401))
    assert (result.status, result.state) == ("invalid", ProbeState.DOWN)
    assert "did not pass a valid authentication token" in result.detail


async def test_replicate_429_reads_retry_after_seconds() -> None:
    """A plain 429 is 'rate_limited' (DEGRADED) with Retry-After in facts."""
    body = {"title": "Request was throttled", "detail": "Request was throttled.", "status": 429}
    result = await check("replicate", answer(429, body, {"Retry-After": "7"}))
    assert (result.status, result.state) == ("rate_limited", ProbeState.DEGRADED)
    assert result.facts["retry_after_s"] == 7


async def test_google_per_minute_quota_429_is_rate_limited() -> None:
    """Google's 429 'quota ... per minute' is a rate limit that passes, not an empty account."""
    body = {
        "error": {
            "code": 429,
            "message": "Quota exceeded for quota metric 'Generate Content API requests per "
            "minute' and limit 'GenerateContent request limit per minute'.",
            "status": "RESOURCE_EXHAUSTED",
        }
    }
    result = await check("google", answer(429, body))
    assert (result.status, result.state) == ("rate_limited", ProbeState.DEGRADED)


def test_retry_after_accepts_an_http_date() -> None:
    """Retry-After as an HTTP-date becomes seconds from now."""
    now = datetime(2015, 10, 21, 7, 27, 30, tzinfo=UTC)
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=now) == 30


@pytest.mark.parametrize("value", [None, "", "soon", "nan"])
def test_retry_after_ignores_garbage(value: str | None) -> None:
    """An absent or unreadable Retry-After gives None rather than a guess."""
    assert parse_retry_after(value) is None


async def test_500_is_provider_down_unknown() -> None:
    """A 5xx is the provider's trouble: 'provider_down', UNKNOWN."""
    result = await check("openai", answer(500, {"error": {"message": "The server had an error"}}))
    assert (result.status, result.state) == ("provider_down", ProbeState.UNKNOWN)


async def test_html_200_is_unexpected() -> None:
    """A 200 with an HTML body (captive portal, wrong base URL) is 'unexpected'."""

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="<html><body>Welcome</body></html>")

    result = await check("openai", handler)
    assert (result.status, result.state) == ("unexpected", ProbeState.UNKNOWN)


async def test_read_timeout_is_timeout_with_the_limit_named() -> None:
    """httpx timeout: 'timeout', UNKNOWN, 'timeout after N s'."""

    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    result = await check("openai", handler, timeout_s=2.5)
    assert (result.status, result.state) == ("timeout", ProbeState.UNKNOWN)
    assert result.detail == "timeout after 2.5 s"


@pytest.fixture
async def silent_server() -> AsyncIterator[str]:
    """A local server that accepts connections and never answers."""

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()
        writer.close()

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        yield f"http://127.0.0.1:{port}"


def refused_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


async def test_silent_server_times_out(silent_server: str) -> None:
    """A server that never answers gives 'timeout' within the probe's limit."""
    async with httpx.AsyncClient(trust_env=False) as client:
        result = await probe_key(
            "openai", KEY, base_url=silent_server, client=client, timeout_s=0.3
        )
    assert (result.status, result.state) == ("timeout", ProbeState.UNKNOWN)


async def test_connection_refused_is_unreachable() -> None:
    """Nobody listening: 'unreachable', UNKNOWN, and the key is not in the detail."""
    async with httpx.AsyncClient(trust_env=False) as client:
        result = await probe_key("anthropic", KEY, base_url=refused_url(), client=client)
    assert (result.status, result.state) == ("unreachable", ProbeState.UNKNOWN)
    assert KEY not in result.detail


@pytest.mark.parametrize(
    "handler",
    [
        answer(401, {"error": {"message": f"Invalid key {KEY} for this project"}}),
        answer(400, {"error": f"bad key: {KEY}"}),
        answer(429, {"detail": f"slow down {KEY[:10]}..."}),
        answer(200, {"data": []}),
    ],
)
async def test_the_key_never_appears_in_a_result(handler: Handler) -> None:
    """Even when a provider echoes the key, no part of the result reveals it."""
    result = await check("openai", handler)
    text = result.detail + json.dumps(result.facts)
    assert KEY not in text
    assert KEY[:10] not in text


def aa_counter() -> tuple[list[httpx.Request], Handler]:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(200, json={"status": 200, "data": []})

    return calls, handler


async def test_aa_second_check_is_served_from_cache() -> None:
    """AA spends a daily quota: a second check within the TTL makes no HTTP call."""
    calls, handler = aa_counter()
    cache = MemoryResultCache()
    first = await check("artificial_analysis", handler, cache=cache, clock=lambda: 1000.0)
    second = await check("artificial_analysis", handler, cache=cache, clock=lambda: 1600.0)
    assert len(calls) == 1
    assert first.facts["cached"] == "no"
    assert (second.status, second.facts["cached"], second.facts["cache_age_s"]) == (
        "valid",
        "yes",
        600,
    )
    assert "cached" in second.detail


async def test_aa_cache_expires_after_an_hour() -> None:
    """After the default 3600 s TTL the AA check goes upstream again."""
    calls, handler = aa_counter()
    now = [0.0]
    cache = MemoryResultCache(clock=lambda: now[0])
    await check("artificial_analysis", handler, cache=cache)
    now[0] = 3599.0
    await check("artificial_analysis", handler, cache=cache)
    assert len(calls) == 1
    now[0] = 3601.0
    await check("artificial_analysis", handler, cache=cache)
    assert len(calls) == 2


async def test_other_providers_do_not_use_the_cache() -> None:
    """Only the quota-spending AA check is cached; OpenAI is asked every time."""
    calls, handler = aa_counter()
    cache = MemoryResultCache()
    await check("openai", handler, cache=cache)
    await check("openai", handler, cache=cache)
    assert len(calls) == 2
    assert len(cache) == 0
