"""Priority 2a: the Artificial Analysis data API v2 (``x-api-key``; 1,000 requests/day).

The raw JSON body is kept in the injected ResultCache (default 6 h) so repeated syncs,
slash commands and retries do not spend the daily quota; only a body that parsed is
cached. Each call says how old a cached body it accepts (``max_age_s``): a sync a person
started wants fresh data and takes the cache only inside a short window, a scheduled one
takes anything the cache still holds. Quota headers of the answer, when AA sends them,
are kept with the body and reported in the result's facts.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime

import httpx

from bot.sources.placeholder import with_placeholder_check
from bot.sources.records import (
    ModelRecord,
    SourceFailure,
    SourceResult,
    as_float,
    as_str,
    elapsed_ms,
    failed,
    get_ok,
    normalise_model_slug,
    normalise_provider,
    skipped,
)
from bot.stores.result_cache import ResultCache
from bot.upstream import bounded_json
from bot.upstream.http import Facts
from bot.upstream.quota import quota_facts

SOURCE = "aa_api"
AA_MODELS_PATH = "/api/v2/data/llms/models"
DEFAULT_CACHE_TTL_S = 6 * 3600
_BIG_TEXT = 256 * 1024  # larger bodies are decoded off the event loop


def _record(item: dict[str, object]) -> ModelRecord | None:
    slug, name = as_str(item.get("slug")), as_str(item.get("name"))
    if not slug or not name:
        return None
    creator = item.get("model_creator")
    creator = creator if isinstance(creator, dict) else {}
    evaluations = item.get("evaluations")
    evaluations = evaluations if isinstance(evaluations, dict) else {}
    pricing = item.get("pricing")
    pricing = pricing if isinstance(pricing, dict) else {}
    provider_name = as_str(creator.get("name"))
    # AA reports 0 tok/s and 0/0 prices for models it has not measured: that is "unknown".
    speed = as_float(item.get("median_output_tokens_per_second")) or None
    prices = (
        as_float(pricing.get("price_1m_input_tokens")),
        as_float(pricing.get("price_1m_output_tokens")),
    )
    if speed is None and prices == (0.0, 0.0):
        prices = (None, None)
    return ModelRecord(
        provider_slug=normalise_provider(as_str(creator.get("slug")) or provider_name),
        provider_name=provider_name,
        slug=normalise_model_slug(slug),
        name=name,
        source="aa_api",
        raw_id=as_str(item.get("id")) or slug,
        intelligence_score=as_float(evaluations.get("artificial_analysis_intelligence_index")),
        output_speed=speed,
        input_price=prices[0],
        output_price=prices[1],
    )


def parse_aa_api(body: object) -> list[ModelRecord]:
    """Records from a decoded ``/api/v2/data/llms/models`` body; SourceFailure if misshapen."""
    if not isinstance(body, dict) or not isinstance(body.get("data"), list):
        raise SourceFailure("unparseable: expected a JSON object with a 'data' list")
    records = [r for r in (_record(i) for i in body["data"] if isinstance(i, dict)) if r]
    if not body["data"]:
        raise SourceFailure("empty: the response lists no models")
    if not records:
        raise SourceFailure("unparseable: no entry in 'data' has a slug and a name")
    return records


async def _decode(text: str) -> list[ModelRecord]:
    try:
        if len(text) > _BIG_TEXT:
            body = await asyncio.to_thread(bounded_json.loads, text)
        else:
            body = bounded_json.loads(text)
    except ValueError as exc:
        raise SourceFailure(f"unparseable: not JSON ({str(exc)[:80]})") from exc
    return parse_aa_api(body)


def cache_key(base_url: str) -> str:
    """The ResultCache key of the raw body (per base URL; the data do not depend on the key)."""
    digest = hashlib.sha256(base_url.rstrip("/").encode()).hexdigest()[:16]
    return f"sources:aa_api:models:{digest}"


def _cache_entry(fetched: float, quota: Facts, text: str) -> str:
    """One cache value: a JSON line (when fetched, the quota then), then the raw body."""
    return json.dumps({"fetched": round(fetched, 3), "quota": quota}) + "\n" + text


async def _from_cache(
    cache: ResultCache, key: str, oldest: float
) -> tuple[list[ModelRecord], float, Facts] | None:
    """(records, when fetched, quota facts) of a cached body fetched at ``oldest`` or later."""
    raw = await cache.get(key)
    if raw is None:
        return None
    head, _, text = raw.partition("\n")
    try:
        meta = json.loads(head)
        # An entry written before quotas were kept starts with the bare fetch time.
        fetched = float(meta["fetched"] if isinstance(meta, dict) else meta)
        quota = meta.get("quota") if isinstance(meta, dict) else None
        if fetched < oldest:
            return None  # too old for this caller
        facts: Facts = dict(quota) if isinstance(quota, dict) else {}
        return await _decode(text), fetched, facts
    except (ValueError, TypeError, KeyError, SourceFailure):
        return None  # an unreadable entry is a miss


def _summary(records: list[ModelRecord]) -> tuple[str, Facts]:
    scored = sum(1 for r in records if r.intelligence_score is not None)
    reason = f"{len(records)} models ({scored} with an intelligence index)"
    return reason, {"models": len(records), "with_intelligence": scored}


async def fetch_aa_api(
    *,
    client: httpx.AsyncClient,
    base_url: str,
    key: str | None,
    timeout_s: float,
    cache: ResultCache | None,
    cache_ttl_s: int = DEFAULT_CACHE_TTL_S,
    max_age_s: float | None = None,
    clock: Callable[[], float] = time.time,
) -> SourceResult:
    """AA ``GET {base}/api/v2/data/llms/models``, from ``cache`` when at most ``max_age_s`` old.

    ``max_age_s=None`` accepts any body the cache still holds (its TTL is ``cache_ttl_s``).
    """
    key = (key or "").strip()
    if not key:
        return skipped(SOURCE, "no key")
    started = time.perf_counter()
    store_key = cache_key(base_url)
    if cache is not None:
        oldest = clock() - max_age_s if max_age_s is not None else float("-inf")
        hit = await _from_cache(cache, store_key, oldest)
        if hit is not None:
            records, fetched, quota = hit
            age = max(0, int(clock() - fetched))
            reason, facts = _summary(records)
            facts.update(quota, cached="yes", cache_age_s=age)
            result = SourceResult(
                SOURCE,
                "ok",
                f"{reason} (cached, {age} s old)",
                tuple(records),
                elapsed_ms(started),
                fetched_at=datetime.fromtimestamp(fetched, UTC),
                facts=facts,
            )
            return with_placeholder_check(result)
    url = base_url.rstrip("/") + AA_MODELS_PATH
    try:
        response = await get_ok(client, url, timeout_s=timeout_s, headers={"x-api-key": key})
        text = response.text
        quota = quota_facts(response.headers)
        records = await _decode(text)
    except SourceFailure as exc:
        return failed(SOURCE, str(exc), started)
    if cache is not None:
        await cache.set(store_key, _cache_entry(clock(), quota, text), cache_ttl_s)
    reason, facts = _summary(records)
    facts.update(quota, cached="no")
    result = SourceResult(SOURCE, "ok", reason, tuple(records), elapsed_ms(started), facts=facts)
    return with_placeholder_check(result)
