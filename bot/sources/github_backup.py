"""Priority 3: the app's backup file on GitHub (raw URL), in either of its two formats.

- ``public/data/aa-models.json`` (2025-09): ``{models:[{name, provider, slug,
  intelligenceScore, outputSpeed, inputPrice, outputPrice, contextWindow, ...}],
  metadata{lastUpdated, ...}}`` — prices already per 1M tokens (AA's unit).
- ``data/models.json`` (2025-08): ``{metadata{generated}, statistics{lastUpdated},
  models:[{id, name, provider{id, name}, modalities, isActive, contextWindow,
  maxOutputTokens, description, ...}]}`` — no slugs (derived from names), no prices.

The result says how old the file is ("backup 67 days old") so a stale backup is noticed.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import httpx

from bot.sources.placeholder import with_placeholder_check
from bot.sources.records import (
    ModelRecord,
    SourceFailure,
    SourceResult,
    as_float,
    as_int,
    as_str,
    elapsed_ms,
    failed,
    get_json,
    normalise_model_slug,
    normalise_provider,
    utc_now,
)
from bot.upstream.http import Facts

SOURCE = "github_backup"
STALE_AFTER_DAYS = 7
FORMAT_AA_MODELS = "aa-models.json"
FORMAT_MODELS = "models.json"


def _aa_models_record(item: dict[str, object]) -> ModelRecord | None:
    name = as_str(item.get("name"))
    slug = normalise_model_slug(as_str(item.get("slug")) or name)
    if not name or not slug:
        return None
    provider = as_str(item.get("provider"))
    return ModelRecord(
        provider_slug=normalise_provider(provider) if provider else "unknown",
        provider_name=provider,
        slug=slug,
        name=name,
        source="github_backup",
        raw_id=as_str(item.get("slug")) or name,
        intelligence_score=as_float(item.get("intelligenceScore")),
        output_speed=as_float(item.get("outputSpeed")),
        input_price=as_float(item.get("inputPrice")),
        output_price=as_float(item.get("outputPrice")),
        context_window=as_int(item.get("contextWindow")),
    )


def _models_record(item: dict[str, object]) -> ModelRecord | None:
    name = as_str(item.get("name"))
    slug = normalise_model_slug(as_str(item.get("slug")) or name)
    if not name or not slug:
        return None
    provider = item.get("provider")
    provider = provider if isinstance(provider, dict) else {}
    provider_name = as_str(provider.get("name"))
    provider_id = as_str(provider.get("id")) or provider_name
    modalities = item.get("modalities")
    return ModelRecord(
        provider_slug=normalise_provider(provider_id) if provider_id else "unknown",
        provider_name=provider_name or provider_id,
        slug=slug,
        name=name,
        source="github_backup",
        raw_id=as_str(item.get("id")) or name,
        context_window=as_int(item.get("contextWindow")),
        max_output_tokens=as_int(item.get("maxOutputTokens")),
        description=as_str(item.get("description")),
        modalities=tuple(m for m in modalities if isinstance(m, str))
        if isinstance(modalities, list)
        else (),
        is_deprecated=item.get("isActive") is False,
    )


def _parse_time(value: object) -> datetime | None:
    text = as_str(value)
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _last_updated(body: dict[str, object]) -> datetime | None:
    """When the file was written: metadata.lastUpdated / .generated, statistics.lastUpdated."""
    for section, key in (
        ("metadata", "lastUpdated"),
        ("metadata", "generated"),
        ("statistics", "lastUpdated"),
    ):
        part = body.get(section)
        when = _parse_time(part.get(key)) if isinstance(part, dict) else None
        if when is not None:
            return when
    return None


def parse_backup(body: object) -> tuple[list[ModelRecord], str, datetime | None]:
    """(records, format name, last updated); SourceFailure when the shape is unknown."""
    if not isinstance(body, dict) or not isinstance(body.get("models"), list):
        raise SourceFailure("unparseable: expected a JSON object with a 'models' list")
    items = [item for item in body["models"] if isinstance(item, dict)]
    if not items:
        raise SourceFailure("empty: the backup lists no models")
    nested = isinstance(items[0].get("provider"), dict)
    fmt, to_record = (
        (FORMAT_MODELS, _models_record) if nested else (FORMAT_AA_MODELS, _aa_models_record)
    )
    records = [r for r in map(to_record, items) if r is not None]
    if not records:
        raise SourceFailure("unparseable: no model in the backup has a name")
    return records, fmt, _last_updated(body)


def staleness(
    last_updated: datetime | None, now: datetime, stale_after_days: int = STALE_AFTER_DAYS
) -> tuple[str, Facts]:
    """('backup 67 days old (updated 2025-09-20), stale', facts) for a result's reason."""
    if last_updated is None:
        return "backup age unknown (no lastUpdated)", {"age_days": None, "stale": "unknown"}
    age_days = max(0, (now - last_updated).days)
    stale = age_days > stale_after_days
    text = f"backup {age_days} days old (updated {last_updated.date().isoformat()})"
    facts: Facts = {
        "age_days": age_days,
        "last_updated": last_updated.isoformat(),
        "stale": "yes" if stale else "no",
    }
    return text + (", stale" if stale else ""), facts


async def fetch_github_backup(
    *,
    client: httpx.AsyncClient,
    url: str,
    key: str | None = None,
    timeout_s: float,
    now: datetime | None = None,
    stale_after_days: int = STALE_AFTER_DAYS,
) -> SourceResult:
    """GET the raw backup file; ``key`` (a GitHub token) is sent only when given."""
    started = time.perf_counter()
    token = (key or "").strip()
    headers = {"Authorization": f"Bearer {token}"} if token else None
    try:
        body = await get_json(client, url, timeout_s=timeout_s, headers=headers)
        records, fmt, last_updated = parse_backup(body)
    except SourceFailure as exc:
        return failed(SOURCE, str(exc), started)
    age_text, facts = staleness(last_updated, now or utc_now(), stale_after_days)
    facts.update(format=fmt, models=len(records))
    reason = f"{len(records)} models; {age_text}"
    result = SourceResult(SOURCE, "ok", reason, tuple(records), elapsed_ms(started), facts=facts)
    return with_placeholder_check(result)
