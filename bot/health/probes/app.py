"""Probes of the monitored app's own HTTP endpoints (AI Server Information).

- ``GET /api/health`` answers ``{"status": "healthy", "services": {"database": ...,
  "redis": ...}}`` with HTTP 200 and top-level "healthy" even when its database check
  failed (values seen in the app's source: healthy, unhealthy, unknown,
  not_configured), so the per-service values decide.
- ``GET /api/v1/models?limit=1``: ``total`` is the best model-count signal;
  ``dataSource`` says where the app serves from. The production app (ksy2728/AI-GO,
  ``UnifiedModelService``) answers ``"artificial-analysis"`` on its normal path and
  ``"error"`` with a ``fallbackReason`` and ``total`` 0 when it fails; older versions
  answered ``"github"``/``"temp-data"`` when falling back.

Transport: a timeout is UNKNOWN (slow is not proven down), a refused or failed
connection is DOWN (the app cannot be reached at all).
"""

from __future__ import annotations

import httpx

from bot.health.probes.base import ProbeResult, ProbeState
from bot.upstream.http import DEFAULT_TIMEOUT_S, Facts, http_get, read_json, short

GROUP = "app"
HEALTHY_WORDS = frozenset({"healthy", "ok", "connected", "up", "pass", "operational", "ready"})
# Where the app serves from when nothing fell back. "artificial-analysis" is the
# production app's normal answer (see tests/fixtures/ai-go/app_api_v1_models.json).
PRIMARY_SOURCES = frozenset({"api", "database", "live", "artificial-analysis", "hybrid"})


def _join(base_url: str, path: str) -> str:
    return base_url.rstrip("/") + path


def _error_message(body: object) -> str:
    if not isinstance(body, dict):
        return ""
    for field in ("message", "error", "fallbackReason"):
        value = body.get(field)
        if isinstance(value, str) and value:
            return short(value)
    return ""


async def _get_json(
    name: str,
    url: str,
    client: httpx.AsyncClient,
    timeout_s: float,
    params: dict[str, str] | None = None,
) -> tuple[dict[str, object], float, Facts] | ProbeResult:
    """The JSON object an endpoint answered, or the ProbeResult explaining why not."""
    fetched = await http_get(client, url, timeout_s=timeout_s, params=params)
    latency = fetched.latency_ms
    if fetched.response is None:
        state = ProbeState.UNKNOWN if fetched.failure == "timeout" else ProbeState.DOWN
        return ProbeResult(name, GROUP, state, latency, fetched.detail, fetched.failure)
    response = fetched.response
    facts: Facts = {"http_status": response.status_code}
    try:
        body: object = await read_json(response)
    except ValueError:
        body = None
    if not response.is_success:
        said = _error_message(body)
        detail = f"HTTP {response.status_code}" + (f": {said}" if said else "")
        if response.status_code == 429:
            return ProbeResult(
                name, GROUP, ProbeState.DEGRADED, latency, detail, "rate_limited", facts
            )
        return ProbeResult(name, GROUP, ProbeState.DOWN, latency, detail, "http_error", facts)
    if not isinstance(body, dict):
        detail = f"HTTP {response.status_code} but the body is not a JSON object"
        return ProbeResult(name, GROUP, ProbeState.UNKNOWN, latency, detail, "unexpected", facts)
    return body, latency, facts


def _service_word(value: object) -> str:
    """A service's status word from a string, a bool or an object like {"status": ...}."""
    if isinstance(value, bool):
        return "healthy" if value else "unhealthy"
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        for field in ("status", "state"):
            if isinstance(value.get(field), str):
                return str(value[field])
        for field in ("healthy", "ok", "connected"):
            if isinstance(value.get(field), bool):
                return "healthy" if value[field] else "unhealthy"
    return "unknown"


async def probe_app_health(
    base_url: str, *, client: httpx.AsyncClient, timeout_s: float = DEFAULT_TIMEOUT_S
) -> ProbeResult:
    """GET /api/health; any service not healthy makes it DEGRADED, whatever the top says."""
    name = "App health"
    got = await _get_json(name, _join(base_url, "/api/health"), client, timeout_s)
    if isinstance(got, ProbeResult):
        return got
    body, latency, facts = got
    top = str(body.get("status") or "unknown")
    facts["app_status"] = top
    services = body.get("services")
    words = (
        {str(k): _service_word(v) for k, v in services.items()}
        if isinstance(services, dict)
        else {}
    )
    for service, word in words.items():
        facts[f"service_{service}"] = word
    broken = [f"{s} is {w}" for s, w in words.items() if w.lower() not in HEALTHY_WORDS]
    listed = ", ".join(f"{s}: {w}" for s, w in words.items()) or "no per-service checks reported"
    if top.lower() not in HEALTHY_WORDS:
        detail = f"app says '{top}'" + (f"; {', '.join(broken)}" if broken else f"; {listed}")
        return ProbeResult(name, GROUP, ProbeState.DEGRADED, latency, detail, "unhealthy", facts)
    if broken:
        detail = f"app says '{top}' but {', '.join(broken)}"
        return ProbeResult(name, GROUP, ProbeState.DEGRADED, latency, detail, "degraded", facts)
    return ProbeResult(name, GROUP, ProbeState.OK, latency, f"{top}; {listed}", "healthy", facts)


async def probe_app_models(
    base_url: str, *, client: httpx.AsyncClient, timeout_s: float = DEFAULT_TIMEOUT_S
) -> ProbeResult:
    """GET /api/v1/models?limit=1: the model count and the source the app serves from."""
    name = "App models"
    url = _join(base_url, "/api/v1/models")
    got = await _get_json(name, url, client, timeout_s, params={"limit": "1"})
    if isinstance(got, ProbeResult):
        return got
    body, latency, facts = got
    total = body.get("total")
    if not isinstance(total, int) or isinstance(total, bool):
        detail = "response has no numeric 'total'"
        return ProbeResult(name, GROUP, ProbeState.UNKNOWN, latency, detail, "unexpected", facts)
    source = body.get("dataSource")
    source_word = str(source) if source not in (None, "") else ""
    reason = body.get("fallbackReason")
    reason_word = short(str(reason)) if reason not in (None, "") else ""
    facts.update(total=total, data_source=source_word or None, fallback_reason=reason_word or None)
    if isinstance(body.get("cached"), bool):
        facts["app_cached"] = "yes" if body["cached"] else "no"
    from_where = f"from '{source_word}'" if source_word else "(source not reported)"
    because = f" (fallback reason: {reason_word})" if reason_word else ""
    if total == 0:
        detail = f"app serves 0 models {from_where}{because}"
        return ProbeResult(name, GROUP, ProbeState.DOWN, latency, detail, "empty", facts)
    if reason_word or (source_word and source_word.lower() not in PRIMARY_SOURCES):
        detail = f"{total} models served from fallback {from_where}{because}"
        return ProbeResult(name, GROUP, ProbeState.DEGRADED, latency, detail, "fallback", facts)
    detail = f"{total} models {from_where}"
    return ProbeResult(name, GROUP, ProbeState.OK, latency, detail, "ok", facts)
