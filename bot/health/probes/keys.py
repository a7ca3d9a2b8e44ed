"""Provider key checks that spend no tokens (the /keys command and /health).

Each provider is asked for a cheap authenticated list (models, account). The key only
ever travels in a request header, never in a URL, and never appears in a result: the
detail line and facts carry ``mask_key(key)`` and provider messages are scrubbed.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import replace

import httpx

from bot.health.probes.base import ProbeResult, ProbeState
from bot.health.probes.cached import decode_cached, encode_cached
from bot.settings.secrets import mask
from bot.sources.provider_table import PROVIDER, KeyCheck, Provider
from bot.stores.result_cache import ResultCache
from bot.upstream.http import (
    DEFAULT_TIMEOUT_S,
    Facts,
    http_get,
    parse_retry_after,
    read_json,
    short,
)
from bot.upstream.quota import quota_facts

GROUP = "keys"
_TRANSIENT_CACHE_TTL_S = 300  # a failed AA check is retried after at most 5 min

# ---------------------------------------------------------------- key checks


def mask_key(key: str | None) -> str:
    """'…' and the last 4 characters (short keys fully masked), as bot.settings.secrets does."""
    return mask(key.strip() if key else None)


KEY_STATES: dict[str, ProbeState] = {
    "valid": ProbeState.OK,
    # No key: the provider contributes nothing, its models fall to lower sources.
    "missing": ProbeState.DOWN,
    "invalid": ProbeState.DOWN,
    "rate_limited": ProbeState.DEGRADED,
    "quota": ProbeState.DOWN,
    # Below: not our key's fault, and we could not learn whether the key works.
    "provider_down": ProbeState.UNKNOWN,
    "timeout": ProbeState.UNKNOWN,
    "unreachable": ProbeState.UNKNOWN,
    "unexpected": ProbeState.UNKNOWN,
}
_DEFINITE = frozenset({"valid", "invalid", "quota"})


def _error_fields(body: object) -> tuple[str, set[str]]:
    """(message, lower-cased type/code/status/reason tags) from a provider error body."""
    if not isinstance(body, dict):
        return "", set()
    err = body.get("error")
    if isinstance(err, str):
        return err, set()
    if not isinstance(err, dict):
        message = body.get("detail") or body.get("message") or body.get("title") or ""
        return str(message), set()
    tags = {str(err.get(k)).lower() for k in ("type", "code", "status") if err.get(k)}
    details = err.get("details")
    for item in details if isinstance(details, list) else []:
        if isinstance(item, dict) and item.get("reason"):
            tags.add(str(item["reason"]).lower())
    return str(err.get("message") or ""), tags


def _about_quota(text: str) -> bool:
    per_window = ("per minute", "per second", "rate limit")
    return "quota" in text and not any(w in text for w in per_window)


def _about_billing(text: str) -> bool:
    words = ("spend limit", "spending limit", "credit balance", "billing", "usage limit", "quota")
    return any(w in text for w in words)


def classify_key_response(
    status_code: int, body: object, is_json: bool, headers: Mapping[str, str]
) -> tuple[str, str, Facts]:
    """(status word, detail, facts) for a provider's answer to a key check."""
    message, tags = _error_fields(body)
    text = message.lower()
    said = f": {short(message)}" if message else ""
    code = status_code
    if 200 <= code < 300:
        if not is_json:
            return "unexpected", f"HTTP {code} but the body is not JSON", {}
        return "valid", f"key valid (HTTP {code})", {}
    if code >= 500 or "overloaded_error" in tags:
        return "provider_down", f"provider error HTTP {code}{said}", {}
    if code == 402 or tags & {"billing_error", "insufficient_quota"}:
        return "quota", f"out of quota or billing problem (HTTP {code}){said}", {}
    if code == 429:
        if _about_quota(text):
            return "quota", f"out of quota (HTTP 429){said}", {}
        retry = parse_retry_after(headers.get("retry-after"))
        wait = f", retry after {retry:g} s" if retry is not None else ""
        facts: Facts = {} if retry is None else {"retry_after_s": retry}
        return "rate_limited", f"rate limited (HTTP 429{wait}){said}", facts
    if (
        code in (401, 403)
        or "api_key_invalid" in tags
        or (code == 400 and "invalid_argument" in tags and "api key" in text)
    ):
        return "invalid", f"key rejected (HTTP {code}){said}", {}
    if code == 400 and _about_billing(text):
        return "quota", f"spend limit or credit balance reached (HTTP 400){said}", {}
    return "unexpected", f"unexpected HTTP {code}{said}", {}


def _scrub(text: str, key: str) -> str:
    """Hide the key and any fragment of it a provider echoes back (e.g. 'sk-abc...xyz')."""
    masked = mask_key(key)
    text = text.replace(key, masked)
    if len(key) < 5:
        return text

    def hide(match: re.Match[str]) -> str:
        token = match.group(0)
        core = token.rstrip(".:!?)'\"")
        leaks = any(core[i : i + 5] in key for i in range(len(core) - 4))
        return masked + token[len(core) :] if leaks else token

    return re.sub(r"[^\s,;]{5,}", hide, text)


async def _check_upstream(
    provider: Provider, key: str, base_url: str, client: httpx.AsyncClient, timeout_s: float
) -> ProbeResult:
    check: KeyCheck = provider.key_check
    fetched = await http_get(
        client, check.url(base_url), headers=check.headers(key), timeout_s=timeout_s
    )
    facts: Facts = {}
    if fetched.response is None:
        status, detail = fetched.failure, fetched.detail
    else:
        response = fetched.response
        try:
            body, is_json = await read_json(response), True
        except ValueError:
            body, is_json = None, False
        status, detail, facts = classify_key_response(
            response.status_code, body, is_json, response.headers
        )
        facts["http_status"] = response.status_code
        if check.cache_ttl_s > 0:  # a quota-spending check: what the answer says is left
            facts.update(quota_facts(response.headers))
    facts["key"] = mask_key(key)
    return ProbeResult(
        name=provider.display_name,
        group=GROUP,
        state=KEY_STATES[status],
        latency_ms=fetched.latency_ms,
        detail=_scrub(detail, key),
        status=status,
        facts={k: _scrub(v, key) if isinstance(v, str) else v for k, v in facts.items()},
    )


async def probe_key(
    provider: str,
    key: str | None,
    *,
    base_url: str = "",
    client: httpx.AsyncClient,
    cache: ResultCache | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    clock: Callable[[], float] = time.time,
) -> ProbeResult:
    """Check one provider key; an empty ``base_url`` means the provider's default."""
    known = PROVIDER.get(provider)
    if known is None:
        raise ValueError(f"unknown provider {provider!r}; known: {', '.join(PROVIDER)}")
    check = known.key_check
    key = (key or "").strip()
    if not key:
        detail = f"no key configured: {known.display_name} data path returns nothing"
        facts: Facts = {"key": mask_key(None)}
        state = KEY_STATES["missing"]
        return ProbeResult(known.display_name, GROUP, state, None, detail, "missing", facts)
    # Only a quota-spending check (AA) goes through the cache.
    quota_cache = cache if check.cache_ttl_s > 0 else None
    fingerprint = hashlib.sha256(key.encode()).hexdigest()[:16]  # a new key misses
    cache_key = f"probe:key:{provider}:{fingerprint}"
    if quota_cache is not None:
        raw = await quota_cache.get(cache_key)
        hit = decode_cached(raw, clock()) if raw is not None else None
        if hit is not None:
            return hit
    result = await _check_upstream(
        known, key, base_url or known.default_base_url, client, timeout_s
    )
    if quota_cache is not None:
        ttl = check.cache_ttl_s
        if result.status not in _DEFINITE:
            ttl = min(ttl, _TRANSIENT_CACHE_TTL_S)
        await quota_cache.set(cache_key, encode_cached(result, clock()), ttl)
        result = replace(result, facts={**result.facts, "cached": "no", "cache_age_s": 0})
    return result
