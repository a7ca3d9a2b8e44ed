"""The monitored app's endpoints: /api/health services and /api/v1/models source and count."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from bot.health.probes.app import probe_app_health, probe_app_models
from bot.health.probes.base import ProbeResult, ProbeState
from tests.fixture_files import fixture_bytes

BASE = "https://ai-server-information.vercel.app"
Handler = Callable[[httpx.Request], httpx.Response]


def answer(status: int, body: Any) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json=body)

    return handler


async def health(handler: Handler, **kw: Any) -> ProbeResult:
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        return await probe_app_health(BASE, client=client, **kw)


async def models(handler: Handler) -> ProbeResult:
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        return await probe_app_models(BASE + "/", client=client)


def health_body(database: Any, redis: Any, status: str = "healthy") -> dict[str, Any]:
    """The app's /api/health body (src/app/api/health/route.ts)."""
    return {
        "status": status,
        "timestamp": "2025-09-23T01:30:35.437Z",
        "uptime": 1234.5,
        "environment": "production",
        "version": "0.1.0",
        "services": {"database": database, "redis": redis},
        "memory": {"used": 80, "total": 120, "unit": "MB"},
    }


async def test_health_all_services_healthy_is_ok() -> None:
    """Top-level healthy and every service healthy/connected is OK."""
    result = await health(answer(200, health_body("healthy", "connected")))
    assert (result.state, result.status, result.group) == (ProbeState.OK, "healthy", "app")
    assert result.facts["service_database"] == "healthy"


async def test_health_says_healthy_but_database_failed_is_degraded() -> None:
    """The app's 'healthy' is not trusted when services.database is 'unhealthy'."""
    result = await health(answer(200, health_body("unhealthy", "healthy")))
    assert result.state == ProbeState.DEGRADED
    assert "database is unhealthy" in result.detail


@pytest.mark.parametrize(
    ("database", "redis", "state"),
    [
        ({"status": "connected"}, {"status": "ok"}, ProbeState.OK),
        ({"status": "error"}, {"status": "ok"}, ProbeState.DEGRADED),
        ("healthy", {"connected": False}, ProbeState.DEGRADED),
    ],
)
async def test_health_reads_service_objects_too(
    database: Any, redis: Any, state: ProbeState
) -> None:
    """Service values given as objects ({"status": ...}) are read like strings."""
    result = await health(answer(200, health_body(database, redis)))
    assert result.state == state


async def test_health_redis_not_configured_is_named() -> None:
    """A service reported as not_configured is DEGRADED and named."""
    result = await health(answer(200, health_body("healthy", "not_configured")))
    assert result.state == ProbeState.DEGRADED
    assert "redis is not_configured" in result.detail


async def test_health_503_is_down_with_the_apps_error() -> None:
    """The app's own 503 'unhealthy' answer is DOWN and quotes its error."""
    body = {"status": "unhealthy", "timestamp": "2025-09-23T01:30:35Z", "error": "boom"}
    result = await health(answer(503, body))
    assert (result.state, result.status) == (ProbeState.DOWN, "http_error")
    assert result.detail == "HTTP 503: boom"


async def test_health_html_body_is_unknown() -> None:
    """A 200 with HTML (an error page, not the API) is UNKNOWN."""

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="<html>Vercel</html>")

    result = await health(handler)
    assert (result.state, result.status) == (ProbeState.UNKNOWN, "unexpected")


async def test_health_timeout_is_unknown() -> None:
    """A slow app is not proven down: UNKNOWN 'timeout after N s'."""

    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    result = await health(handler, timeout_s=4)
    assert (result.state, result.detail) == (ProbeState.UNKNOWN, "timeout after 4 s")


async def test_health_connection_refused_is_down() -> None:
    """An app nobody answers for is DOWN 'unreachable'."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    async with httpx.AsyncClient(trust_env=False) as client:
        result = await probe_app_health(f"http://127.0.0.1:{port}", client=client)
    assert (result.state, result.status) == (ProbeState.DOWN, "unreachable")


async def test_models_real_production_response_is_ok() -> None:
    """The captured production answer (108 models from 'artificial-analysis') is OK."""
    seen: list[httpx.Request] = []
    raw = fixture_bytes("app_api_v1_models.json")

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=raw, headers={"content-type": "application/json"})

    result = await models(handler)
    assert (result.state, result.status) == (ProbeState.OK, "ok")
    assert result.facts["total"] == json.loads(raw)["total"] == 108
    assert result.facts["data_source"] == "artificial-analysis"
    assert seen[0].url.path == "/api/v1/models"
    assert seen[0].url.params["limit"] == "1"


async def test_models_from_github_fallback_is_degraded() -> None:
    """Serving from a fallback source ('github') is DEGRADED and names it."""
    body = {"models": [], "total": 139, "dataSource": "github", "cached": True}
    result = await models(answer(200, body))
    assert (result.state, result.status) == (ProbeState.DEGRADED, "fallback")
    assert "'github'" in result.detail


async def test_models_with_fallback_reason_is_degraded() -> None:
    """A fallbackReason means the primary path failed, even with models served."""
    body = {"total": 15, "dataSource": "artificial-analysis", "fallbackReason": "AA API 503"}
    result = await models(answer(200, body))
    assert result.state == ProbeState.DEGRADED
    assert "AA API 503" in result.detail


async def test_models_total_zero_is_down() -> None:
    """The app's failure shape (dataSource 'error', total 0) is DOWN with the reason."""
    body = {
        "models": [],
        "total": 0,
        "dataSource": "error",
        "cached": False,
        "fallbackReason": "Cannot read properties of undefined (reading 'models')",
    }
    result = await models(answer(200, body))
    assert (result.state, result.status, result.facts["total"]) == (ProbeState.DOWN, "empty", 0)
    assert "Cannot read properties" in result.detail


async def test_models_500_is_down() -> None:
    """A 500 from /api/v1/models is DOWN and quotes the app's message."""
    body = {"error": "Failed to fetch models", "message": "connect ECONNREFUSED", "total": 0}
    result = await models(answer(500, body))
    assert (result.state, result.status) == (ProbeState.DOWN, "http_error")
    assert "ECONNREFUSED" in result.detail


async def test_models_without_total_is_unknown() -> None:
    """A JSON answer with no numeric 'total' is UNKNOWN, not OK."""
    result = await models(answer(200, {"models": [], "total": "many"}))
    assert (result.state, result.status) == (ProbeState.UNKNOWN, "unexpected")
