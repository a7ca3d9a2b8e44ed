"""Priority 4: the app's last-resort data, its ``config/model-defaults.json``.

A copy ships inside this package (``bot/settings/defaults/model-defaults.json``, read with
importlib.resources).

``{<provider>: {lastUpdated, source, models: {<model id>: {inputPrice, outputPrice,
contextWindow, maxTokens?, maxOutputTokens?, name?, description?, capabilities?}}}}``.
The file mixes price units: Google's and Anthropic's prices are per 1K tokens (Claude
3.5 Sonnet 0.003 = $3 per 1M), Meta's are per 1M (Llama 3.1 405B 2.0). The unit of
each provider is stated in :data:`PRICE_PER_TOKENS` and every price is converted to
USD per 1M tokens.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Mapping
from importlib import resources
from importlib.resources.abc import Traversable

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
    normalise_model_slug,
    normalise_provider,
)
from bot.upstream.http import Facts

SOURCE = "defaults"
DEFAULTS_PATH: Traversable = resources.files("bot.settings") / "defaults" / "model-defaults.json"
PER_1M = 1_000_000
# How many tokens one price in the file pays for, per provider (slug as in the file).
PRICE_PER_TOKENS: Mapping[str, int] = {"google": 1_000, "anthropic": 1_000, "meta": PER_1M}
ASSUMED_PRICE_PER_TOKENS = PER_1M  # a provider missing above: assumed per 1M, and said so
PROVIDER_NAMES: Mapping[str, str] = {"google": "Google", "anthropic": "Anthropic", "meta": "Meta"}


def per_million(price: object, per_tokens: int) -> float | None:
    """A price for ``per_tokens`` tokens as USD per 1M tokens (rounded to 1e-6)."""
    value = as_float(price)
    return None if value is None else round(value * PER_1M / per_tokens, 6)


def _record(provider: str, model_id: str, model: dict[str, object], per: int) -> ModelRecord:
    max_output = model.get("maxOutputTokens", model.get("maxTokens"))
    return ModelRecord(
        provider_slug=normalise_provider(provider),
        provider_name=PROVIDER_NAMES.get(provider, provider),
        slug=normalise_model_slug(model_id),
        name=as_str(model.get("name")) or model_id,
        source="defaults",
        raw_id=model_id,
        input_price=per_million(model.get("inputPrice"), per),
        output_price=per_million(model.get("outputPrice"), per),
        context_window=as_int(model.get("contextWindow")),
        max_output_tokens=as_int(max_output),
        description=as_str(model.get("description")),
    )


def parse_defaults(body: object) -> tuple[list[ModelRecord], Facts]:
    """Records (prices per 1M tokens) and facts; SourceFailure when the shape is unknown."""
    if not isinstance(body, dict):
        raise SourceFailure("unparseable: expected a JSON object keyed by provider")
    records: list[ModelRecord] = []
    assumed: list[str] = []
    dates: list[str] = []
    for provider, block in body.items():
        if not isinstance(block, dict) or not isinstance(block.get("models"), dict):
            continue
        per = PRICE_PER_TOKENS.get(provider)
        if per is None:
            per = ASSUMED_PRICE_PER_TOKENS
            assumed.append(provider)
        if as_str(block.get("lastUpdated")):
            dates.append(as_str(block.get("lastUpdated")))
        for model_id, model in block["models"].items():
            if isinstance(model, dict) and model_id.strip():
                records.append(_record(provider, model_id, model, per))
    if not records:
        raise SourceFailure("unparseable: no provider block with a 'models' object")
    facts: Facts = {
        "models": len(records),
        "providers": ",".join(sorted({r.provider_slug for r in records})),
        "oldest_update": min(dates) if dates else None,
        "price_unit_assumed_per_1m": ",".join(assumed) or None,
    }
    return records, facts


def load_defaults(path: Traversable = DEFAULTS_PATH) -> tuple[list[ModelRecord], Facts]:
    """Read and parse the defaults file (blocking; the async caller runs it in a thread)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise SourceFailure(f"missing: {path.name} not found") from exc
    except OSError as exc:
        raise SourceFailure(f"unreadable: {path.name} ({type(exc).__name__})") from exc
    try:
        body = json.loads(text)
    except ValueError as exc:
        raise SourceFailure(f"unparseable: not JSON ({str(exc)[:80]})") from exc
    return parse_defaults(body)


async def fetch_defaults(*, path: Traversable = DEFAULTS_PATH) -> SourceResult:
    """The defaults file as a SourceResult (never raises for a missing or broken file)."""
    started = time.perf_counter()
    try:
        records, facts = await asyncio.to_thread(load_defaults, path)
    except SourceFailure as exc:
        return failed(SOURCE, str(exc), started)
    reason = f"{len(records)} models ({facts['providers']})"
    if facts["oldest_update"]:
        reason += f"; file data from {facts['oldest_update']}"
    if facts["price_unit_assumed_per_1m"]:
        reason += f"; prices assumed per 1M for {facts['price_unit_assumed_per_1m']}"
    result = SourceResult(SOURCE, "ok", reason, tuple(records), elapsed_ms(started), facts=facts)
    return with_placeholder_check(result)
