"""Vendor status pages (OpenAI, Anthropic, Vercel, Neon, Google Cloud) as probe results.

Three formats:

- ``statuspage``: Atlassian Statuspage v2 ``/api/v2/summary.json``
  (``status.indicator`` none|minor|major|critical|maintenance, ``incidents``,
  ``components``, ``scheduled_maintenances``).
- ``neon``: neonstatus.com is powered by incident.io; ``/api/v1/summary`` answers
  ``{"subpages": [{"subpage": "aws-us-east-ohio", "summary": {"page_title",
  "page_url", "ongoing_incidents", "in_progress_maintenances",
  "scheduled_maintenances"}}]}`` (a regional URL answers one such ``summary`` object).
  Incidents carry ``name``, ``status`` and ``current_worst_impact``
  (degraded_performance|partial_outage|full_outage). Sources: Neon docs
  "Neon status" (neon.com/docs/introduction/status) and the status badge in
  neondatabase/website. Should the page move platform, Instatus-style
  (``page.status`` UP|HASISSUES|UNDERMAINTENANCE) and Statuspage bodies are accepted.
- ``google_cloud``: ``incidents.json``, an array of every incident; one without
  ``end`` is still active (``severity`` low|medium|high, ``affected_products[].title``).

A page we cannot read is UNKNOWN, never "down": we did not learn the vendor's state.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace

import httpx

from bot.health.probes.base import ProbeResult, ProbeState, worst
from bot.health.probes.cached import decode_cached, encode_cached
from bot.stores.result_cache import ResultCache
from bot.upstream.http import (
    DEFAULT_TIMEOUT_S,
    Facts,
    http_get,
    read_json,
    short,
)

GROUP = "vendors"
MIN_CACHE_TTL_S = 60

Parsed = tuple[ProbeState, str, str, Facts]  # state, status word, detail, facts


def _dicts(value: object) -> list[dict[str, object]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _names(items: Sequence[str], limit: int = 3) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" +{len(items) - limit} more" if len(items) > limit else "")


def _words(value: object) -> str:
    return str(value or "").replace("_", " ")


def _summarise(
    state: ProbeState, status: str, head: str, parts: Iterable[tuple[str, list[str]]], facts: Facts
) -> Parsed:
    detail = "; ".join([head] + [f"{label}: {_names(items)}" for label, items in parts if items])
    return state, status, short(detail, 300), facts


_INDICATOR = {
    "none": ProbeState.OK,
    "minor": ProbeState.DEGRADED,
    "maintenance": ProbeState.DEGRADED,
    "major": ProbeState.DOWN,
    "critical": ProbeState.DOWN,
}
_CLOSED = frozenset({"resolved", "postmortem", "completed"})


def parse_statuspage(body: object) -> Parsed | None:
    """Atlassian Statuspage v2 summary.json; None when the body is not one."""
    if not isinstance(body, dict):
        return None
    status = body.get("status")
    if not isinstance(status, dict) or not isinstance(status.get("indicator"), str):
        return None
    indicator = str(status["indicator"])
    incidents = [
        str(i.get("name")) for i in _dicts(body.get("incidents")) if i.get("status") not in _CLOSED
    ]
    components = [
        f"{c.get('name')} ({_words(c.get('status'))})"
        for c in _dicts(body.get("components"))
        if not c.get("group") and c.get("status") not in (None, "operational")
    ]
    maintenance = [
        str(m.get("name"))
        for m in _dicts(body.get("scheduled_maintenances"))
        if m.get("status") in ("in_progress", "verifying")
    ]
    state = _INDICATOR.get(indicator, ProbeState.UNKNOWN)
    if components or incidents:  # the indicator can lag a component already in trouble
        state = worst([state, ProbeState.DEGRADED])
    word = {"none": "operational"}.get(indicator, indicator)
    head = str(status.get("description") or indicator)
    facts: Facts = {
        "indicator": indicator,
        "incidents": len(incidents),
        "components_affected": len(components),
    }
    parts = [("incidents", incidents), ("components", components), ("maintenance", maintenance)]
    return _summarise(state, word, head, parts, facts)


def _incident_io(body: dict[str, object]) -> Parsed | None:
    summaries: list[tuple[str, dict[str, object]]] = []
    if "ongoing_incidents" in body or "in_progress_maintenances" in body:
        summaries.append((str(body.get("page_title") or ""), body))
    subpages = body.get("subpages")
    for sub in _dicts(subpages):
        summary = sub.get("summary")
        if isinstance(summary, dict):
            summaries.append((str(summary.get("page_title") or sub.get("subpage") or ""), summary))
    if not summaries and not isinstance(subpages, list):
        return None
    incidents: dict[str, dict[str, object]] = {}  # the same incident shows on many regions
    regions: dict[str, list[str]] = {}
    maintenance: dict[str, str] = {}
    for region, summary in summaries:
        for inc in _dicts(summary.get("ongoing_incidents")):
            ident = str(inc.get("id") or inc.get("name"))
            incidents.setdefault(ident, inc)
            seen = regions.setdefault(ident, [])
            if region and region not in seen:
                seen.append(region)
        for m in _dicts(summary.get("in_progress_maintenances")):
            maintenance.setdefault(str(m.get("id") or m.get("name")), str(m.get("name")))
    names = []
    for ident, inc in incidents.items():
        impact = _words(inc.get("current_worst_impact")) or "impact unknown"
        where = f", {_names(regions[ident], 2)}" if regions[ident] else ""
        names.append(f"{inc.get('name')} ({impact}{where})")
    impacts = {inc.get("current_worst_impact") for inc in incidents.values()}
    head = f"{len(incidents)} ongoing incident(s)"
    if "full_outage" in impacts:
        state, word = ProbeState.DOWN, "outage"
    elif incidents:
        state, word = ProbeState.DEGRADED, "incident"
    elif maintenance:
        state, word, head = ProbeState.DEGRADED, "maintenance", "maintenance in progress"
    else:
        state, word, head = ProbeState.OK, "operational", "all systems operational"
    facts: Facts = {
        "incidents": len(incidents),
        "maintenances": len(maintenance),
        "regions": len(summaries),
    }
    parts = [("incidents", names), ("maintenance", list(maintenance.values()))]
    return _summarise(state, word, head, parts, facts)


def _instatus(body: dict[str, object]) -> Parsed | None:
    page = body.get("page")
    status = page.get("status") if isinstance(page, dict) else None
    if not isinstance(status, str):
        return None
    incidents = _dicts(body.get("activeIncidents"))
    maintenances = [str(m.get("name")) for m in _dicts(body.get("activeMaintenances"))]
    state = {
        "UP": ProbeState.OK,
        "HASISSUES": ProbeState.DEGRADED,
        "UNDERMAINTENANCE": ProbeState.DEGRADED,
    }.get(status, ProbeState.UNKNOWN)
    if any(str(i.get("impact")).upper() == "MAJOROUTAGE" for i in incidents):
        state = ProbeState.DOWN
    facts: Facts = {"page_status": status, "incidents": len(incidents)}
    parts = [("incidents", [str(i.get("name")) for i in incidents]), ("maintenance", maintenances)]
    return _summarise(state, status.lower(), f"page status {status}", parts, facts)


def parse_neon(body: object) -> Parsed | None:
    """neonstatus.com /api/v1/summary (incident.io), tolerating Instatus/Statuspage bodies."""
    if not isinstance(body, dict):
        return None
    return _incident_io(body) or _instatus(body) or parse_statuspage(body)


def parse_google_cloud(body: object) -> Parsed | None:
    """Google Cloud incidents.json: active incidents are those without an ``end``."""
    if isinstance(body, dict) and isinstance(body.get("incidents"), list):
        body = body["incidents"]
    if not isinstance(body, list) or (body and not _dicts(body)):
        return None
    active = [i for i in _dicts(body) if not i.get("end")]
    described: list[str] = []
    for inc in active:
        products = [str(p.get("title")) for p in _dicts(inc.get("affected_products"))]
        product = _names(products, 2) if products else str(inc.get("service_name") or "?")
        severity = str(inc.get("severity") or "unknown severity")
        what = short(str(inc.get("external_desc") or ""), 80)
        described.append(f"{product} ({severity}): {what}")
    high = sum(1 for i in active if str(i.get("severity")).lower() == "high")
    if not active:
        return ProbeState.OK, "operational", "no active incidents", {"incidents": 0}
    state = ProbeState.DOWN if high else ProbeState.DEGRADED
    facts: Facts = {"incidents": len(active), "high_severity": high}
    return _summarise(
        state,
        "outage" if high else "incident",
        f"{len(active)} active incident(s)",
        [("incidents", described)],
        facts,
    )


PARSERS: dict[str, Callable[[object], Parsed | None]] = {
    "statuspage": parse_statuspage,
    "neon": parse_neon,
    "google_cloud": parse_google_cloud,
}


def _unknown(name: str, status: str, what: str, latency_ms: float | None) -> ProbeResult:
    detail = f"status unknown: {what}"
    return ProbeResult(name, GROUP, ProbeState.UNKNOWN, latency_ms, detail, status)


async def probe_status_page(
    name: str,
    kind: str,
    url: str,
    *,
    client: httpx.AsyncClient,
    cache: ResultCache | None,
    cache_ttl_s: int = MIN_CACHE_TTL_S,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    page_url: str = "",
    clock: Callable[[], float] = time.time,
) -> ProbeResult:
    """Read one vendor status page; a parsed answer is cached for >= 60 s."""
    parser = PARSERS.get(kind)
    if parser is None:
        raise ValueError(f"unknown status page kind {kind!r}; known: {', '.join(PARSERS)}")
    cache_key = f"probe:vendor:{kind}:{url}"
    if cache is not None:
        raw = await cache.get(cache_key)
        hit = decode_cached(raw, clock()) if raw is not None else None
        if hit is not None:
            return replace(hit, name=name)
    fetched = await http_get(
        client, url, timeout_s=timeout_s, headers={"Accept": "application/json"}
    )
    if fetched.response is None:
        return _unknown(name, fetched.failure, fetched.detail, fetched.latency_ms)
    response = fetched.response
    if not response.is_success:
        return _unknown(
            name,
            "http_error",
            f"status page answered HTTP {response.status_code}",
            fetched.latency_ms,
        )
    try:
        parsed = parser(await read_json(response))
    except ValueError:
        return _unknown(name, "unparseable", "status page body is not JSON", fetched.latency_ms)
    if parsed is None:
        return _unknown(
            name, "unparseable", f"status page JSON is not in the {kind} format", fetched.latency_ms
        )
    state, status, detail, facts = parsed
    if page_url:
        facts["page_url"] = page_url
    result = ProbeResult(name, GROUP, state, fetched.latency_ms, detail, status, facts)
    if cache is not None:
        ttl = max(cache_ttl_s, MIN_CACHE_TTL_S)
        await cache.set(cache_key, encode_cached(result, clock()), ttl)
    return result
