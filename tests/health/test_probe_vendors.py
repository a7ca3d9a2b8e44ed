"""Vendor status pages: the three formats, unreadable pages, and the 60 s cache."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from bot.health.check import HealthCheck, NamedProbe
from bot.health.probes.base import ProbeResult, ProbeState
from bot.health.probes.vendors import (
    PARSERS,
    probe_status_page,
)
from bot.settings.files import load_config_files
from bot.settings.model import STATUS_PAGE_KINDS, parse_status_pages
from bot.stores.result_cache import MemoryResultCache

Handler = Callable[[httpx.Request], httpx.Response]


def answer(status: int, body: Any) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json=body)

    return handler


async def probe(kind: str, handler: Handler, **kw: Any) -> ProbeResult:
    kw.setdefault("cache", None)
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        return await probe_status_page(
            "Vendor", kind, "https://status.example/x", client=client, **kw
        )


def statuspage(indicator: str, description: str, **extra: Any) -> dict[str, Any]:
    """A Statuspage v2 summary.json as status.openai.com serves it."""
    body: dict[str, Any] = {
        "page": {
            "id": "01JMXBRMFE6N2NNT7DG6XZQ6PW",
            "name": "OpenAI",
            "url": "https://status.openai.com",
            "time_zone": "Etc/UTC",
            "updated_at": "2025-09-22T08:00:00.000Z",
        },
        "components": [
            {"id": "c1", "name": "APIs", "status": "operational", "group": True},
            {"id": "c2", "name": "Chat Completions", "status": "operational", "group": False},
        ],
        "incidents": [],
        "scheduled_maintenances": [],
        "status": {"indicator": indicator, "description": description},
    }
    body.update(extra)
    return body


def neon(*regions: tuple[str, list[dict[str, Any]], list[dict[str, Any]]]) -> dict[str, Any]:
    """neonstatus.com /api/v1/summary (incident.io): one summary per region subpage."""
    return {
        "subpages": [
            {
                "subpage": title.lower().replace(" ", "-"),
                "summary": {
                    "page_title": title,
                    "page_url": "https://neonstatus.com/" + title.lower().replace(" ", "-"),
                    "ongoing_incidents": incidents,
                    "in_progress_maintenances": maintenances,
                    "scheduled_maintenances": [],
                },
            }
            for title, incidents, maintenances in regions
        ]
    }


NEON_INCIDENT = {
    "id": "01K5PQ2Y0Z3X",
    "name": "Elevated connection errors",
    "status": "identified",
    "url": "https://neonstatus.com/incidents/01K5PQ2Y0Z3X",
    "last_update_at": "2025-09-22T08:00:00Z",
    "last_update_message": "We are investigating.",
    "current_worst_impact": "partial_outage",
    "affected_components": [{"id": "x", "name": "Database Connectivity", "group_name": None}],
}


def gcp_incident(desc: str, severity: str, end: str | None, product: str) -> dict[str, Any]:
    """One entry of status.cloud.google.com/incidents.json."""
    incident: dict[str, Any] = {
        "id": desc.lower().replace(" ", "-"),
        "number": "123456",
        "begin": "2025-09-20T10:00:00+00:00",
        "created": "2025-09-20T10:05:00+00:00",
        "modified": "2025-09-20T12:00:00+00:00",
        "external_desc": desc,
        "updates": [],
        "most_recent_update": {"text": "Investigating", "status": "SERVICE_DISRUPTION"},
        "status_impact": "SERVICE_DISRUPTION",
        "severity": severity,
        "service_key": "Z0FZJAMvEB4j3NbCJs6B",
        "service_name": product,
        "affected_products": [{"title": product, "id": "Z0FZJAMvEB4j3NbCJs6B"}],
        "uri": "incidents/abc",
    }
    if end is not None:
        incident["end"] = end
    return incident


async def test_statuspage_all_operational_is_ok() -> None:
    """Statuspage indicator 'none' is OK and shows the page's own description."""
    result = await probe("statuspage", answer(200, statuspage("none", "All Systems Operational")))
    assert (result.state, result.status, result.group) == (ProbeState.OK, "operational", "vendors")
    assert result.detail == "All Systems Operational"


async def test_statuspage_minor_names_incident_and_component() -> None:
    """Indicator 'minor' is DEGRADED; the detail names the open incident and sick component."""
    body = statuspage(
        "minor",
        "Partially Degraded Service",
        incidents=[{"name": "Increased latency for Responses API", "status": "investigating"}],
        components=[{"name": "Responses", "status": "degraded_performance", "group": False}],
    )
    result = await probe("statuspage", answer(200, body))
    assert result.state == ProbeState.DEGRADED
    assert "Increased latency for Responses API" in result.detail
    assert "Responses (degraded performance)" in result.detail
    assert result.facts["incidents"] == 1


@pytest.mark.parametrize("indicator", ["major", "critical"])
async def test_statuspage_major_or_critical_is_down(indicator: str) -> None:
    """Indicators 'major' and 'critical' are DOWN."""
    result = await probe("statuspage", answer(200, statuspage(indicator, "Major System Outage")))
    assert result.state == ProbeState.DOWN


async def test_neon_quiet_summary_is_ok() -> None:
    """Neon with no ongoing incident or maintenance in any region is OK."""
    body = neon(("Neon Console", [], []), ("AWS - US East (Ohio)", [], []))
    result = await probe("neon", answer(200, body))
    assert (result.state, result.status) == (ProbeState.OK, "operational")
    assert result.facts["regions"] == 2


async def test_neon_partial_outage_is_degraded_and_counted_once() -> None:
    """An incident shown in two regions is one DEGRADED incident naming both regions."""
    body = neon(
        ("AWS - US East (Ohio)", [NEON_INCIDENT], []),
        ("AWS - Europe (Frankfurt)", [NEON_INCIDENT], []),
        ("Neon Console", [], []),
    )
    result = await probe("neon", answer(200, body))
    assert (result.state, result.status) == (ProbeState.DEGRADED, "incident")
    assert result.facts["incidents"] == 1
    assert "Elevated connection errors (partial outage" in result.detail
    assert "AWS - US East (Ohio)" in result.detail


async def test_neon_full_outage_is_down() -> None:
    """current_worst_impact 'full_outage' is DOWN."""
    body = neon(
        ("AWS - US East (Ohio)", [NEON_INCIDENT | {"current_worst_impact": "full_outage"}], [])
    )
    result = await probe("neon", answer(200, body))
    assert result.state == ProbeState.DOWN


async def test_neon_maintenance_in_progress_is_degraded() -> None:
    """A maintenance in progress is DEGRADED and named."""
    maintenance = {"id": "m1", "name": "Storage upgrade", "status": "maintenance_in_progress"}
    body = neon(("AWS - US West (Oregon)", [], [maintenance]))
    result = await probe("neon", answer(200, body))
    assert (result.state, result.status) == (ProbeState.DEGRADED, "maintenance")
    assert "Storage upgrade" in result.detail


async def test_neon_tolerates_an_instatus_style_body() -> None:
    """Should Neon move to an Instatus-style page, HASISSUES still reads as DEGRADED."""
    body = {
        "page": {"name": "Neon", "url": "https://neonstatus.com", "status": "HASISSUES"},
        "activeIncidents": [{"name": "Slow branch creation", "impact": "PARTIALOUTAGE"}],
        "activeMaintenances": [],
    }
    result = await probe("neon", answer(200, body))
    assert result.state == ProbeState.DEGRADED
    assert "Slow branch creation" in result.detail


async def test_google_cloud_active_high_incident_is_down() -> None:
    """An active high-severity Google Cloud incident is DOWN and names the product."""
    body = [gcp_incident("Gemini API errors", "high", None, "Vertex Gemini API")]
    result = await probe("google_cloud", answer(200, body))
    assert result.state == ProbeState.DOWN
    assert "Vertex Gemini API (high)" in result.detail


async def test_google_cloud_active_medium_incident_is_degraded() -> None:
    """An incident with an empty 'end' is active; medium severity is DEGRADED."""
    body = [gcp_incident("Elevated latency", "medium", "", "Cloud Run")]
    result = await probe("google_cloud", answer(200, body))
    assert result.state == ProbeState.DEGRADED
    assert "Cloud Run" in result.detail


async def test_google_cloud_ended_incidents_are_ignored() -> None:
    """Incidents that have an 'end' are history: OK."""
    body = [gcp_incident("Old outage", "high", "2025-09-20T12:00:00+00:00", "Cloud SQL")]
    result = await probe("google_cloud", answer(200, body))
    assert (result.state, result.facts["incidents"]) == (ProbeState.OK, 0)


async def test_html_body_is_unknown_not_down() -> None:
    """An HTML page instead of JSON is UNKNOWN: we did not learn the vendor's state."""

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="<!doctype html><title>Status</title>")

    result = await probe("statuspage", handler)
    assert (result.state, result.status) == (ProbeState.UNKNOWN, "unparseable")
    assert "not JSON" in result.detail


async def test_json_in_the_wrong_format_is_unknown() -> None:
    """JSON that is not the expected format is UNKNOWN, never OK."""
    result = await probe("statuspage", answer(200, {"hello": "world"}))
    assert (result.state, result.status) == (ProbeState.UNKNOWN, "unparseable")


async def test_5xx_is_unknown_with_the_code_named() -> None:
    """A status page answering 503 is UNKNOWN and the detail names the code."""
    result = await probe("neon", answer(503, {"error": "unavailable"}))
    assert (result.state, result.status) == (ProbeState.UNKNOWN, "http_error")
    assert "HTTP 503" in result.detail


async def test_timeout_is_unknown() -> None:
    """A timeout is UNKNOWN with 'timeout after N s'."""

    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectTimeout("timed out", request=request)

    result = await probe("google_cloud", handler, timeout_s=3)
    assert (result.state, result.status) == (ProbeState.UNKNOWN, "timeout")
    assert "timeout after 3 s" in result.detail


async def test_connection_refused_is_unknown() -> None:
    """Nobody listening on the status page's port is UNKNOWN 'unreachable'."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    async with httpx.AsyncClient(trust_env=False) as client:
        result = await probe_status_page(
            "Neon", "neon", f"http://127.0.0.1:{port}/api/v1/summary", client=client, cache=None
        )
    assert (result.state, result.status) == (ProbeState.UNKNOWN, "unreachable")


def counting(body: Any) -> tuple[list[httpx.Request], Handler]:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(200, json=body)

    return calls, handler


async def test_cache_hit_makes_no_http_call() -> None:
    """A second probe within the TTL is answered from the cache, marked as cached."""
    calls, handler = counting(statuspage("minor", "Partially Degraded Service"))
    cache = MemoryResultCache()
    first = await probe("statuspage", handler, cache=cache)
    second = await probe("statuspage", handler, cache=cache)
    assert len(calls) == 1
    assert (second.state, second.facts["cached"]) == (first.state, "yes")


async def test_cache_keeps_results_at_least_60_seconds() -> None:
    """A shorter TTL asked for is raised to 60 s; after 60 s the page is read again."""
    calls, handler = counting(statuspage("none", "All Systems Operational"))
    now = [0.0]
    cache = MemoryResultCache(clock=lambda: now[0])
    await probe("statuspage", handler, cache=cache, cache_ttl_s=5)
    now[0] = 59.0
    await probe("statuspage", handler, cache=cache, cache_ttl_s=5)
    assert len(calls) == 1
    now[0] = 61.0
    await probe("statuspage", handler, cache=cache, cache_ttl_s=5)
    assert len(calls) == 2


async def test_failures_are_not_cached() -> None:
    """An unreadable page is retried on the next probe rather than cached."""
    replies = [httpx.Response(502), httpx.Response(200, json=statuspage("none", "All good"))]

    def handler(request: httpx.Request) -> httpx.Response:
        return replies.pop(0)

    cache = MemoryResultCache()
    first = await probe("statuspage", handler, cache=cache)
    second = await probe("statuspage", handler, cache=cache)
    assert (first.state, second.state) == (ProbeState.UNKNOWN, ProbeState.OK)


def test_default_table_has_the_five_vendors() -> None:
    """The packaged settings list the five spec'd status pages with their formats."""
    defaults = parse_status_pages(load_config_files(None))
    assert {(p.name, p.kind, p.url) for p in defaults} == {
        ("OpenAI", "statuspage", "https://status.openai.com/api/v2/summary.json"),
        ("Anthropic", "statuspage", "https://status.claude.com/api/v2/summary.json"),
        ("Vercel", "statuspage", "https://www.vercel-status.com/api/v2/summary.json"),
        ("Neon", "neon", "https://neonstatus.com/api/v1/summary"),
        ("Google Cloud", "google_cloud", "https://status.cloud.google.com/incidents.json"),
    }
    assert all(p.page_url.startswith("https://") and p.contact for p in defaults)


def test_every_configurable_kind_has_a_parser() -> None:
    """The kinds settings accept are exactly the formats the probe reads."""
    assert set(STATUS_PAGE_KINDS) == set(PARSERS)


async def test_unknown_kind_is_reported_not_raised_by_the_health_check() -> None:
    """A page kind no parser knows becomes one UNKNOWN line; the report still arrives."""
    async with httpx.AsyncClient(transport=httpx.MockTransport(answer(200, {}))) as client:

        async def odd() -> ProbeResult:
            return await probe_status_page(
                "Odd", "rss", "https://odd.example/feed", client=client, cache=None
            )

        report = await HealthCheck(
            [NamedProbe("Odd", "vendors", odd)], probe_timeout_s=1, deadline_s=1
        ).run()
    result = report.results[0]
    assert (result.name, result.state, result.detail) == (
        "Odd",
        ProbeState.UNKNOWN,
        "probe failed: ValueError",
    )
