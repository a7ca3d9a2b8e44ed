"""Priority 1: the providers' own model listings (OpenAI, Anthropic, Google AI, Replicate).

Keys travel only in the same headers as the key checks (bot.health.probes.keys); pagination
cursors are re-sent to the configured base URL only — a ``next`` URL from a response
never receives the key.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from urllib.parse import parse_qsl, urlsplit

import httpx

from bot.sources.placeholder import with_placeholder_check
from bot.sources.records import (
    ModelRecord,
    SourceFailure,
    SourceResult,
    as_int,
    as_str,
    elapsed_ms,
    failed,
    get_json,
    normalise_model_slug,
    normalise_provider,
    skipped,
)
from bot.upstream.http import Facts

MAX_PAGES = 50
DEFAULT_REPLICATE_OWNERS: tuple[str, ...] = (
    "meta",
    "mistralai",
    "google-deepmind",
    "deepseek-ai",
    "ibm-granite",
    "anthropic",
    "openai",
    "xai",
)
ANTHROPIC_VERSION = "2023-06-01"

Lister = Callable[[], Awaitable[tuple[list[ModelRecord], Facts]]]


def _objects(body: object, key: str) -> tuple[dict[str, object], list[dict[str, object]]]:
    """(body, the dicts in body[key]); SourceFailure when the shape is wrong."""
    if not isinstance(body, dict) or not isinstance(body.get(key), list):
        raise SourceFailure(f"unparseable: expected a JSON object with a '{key}' list")
    return body, [item for item in body[key] if isinstance(item, dict)]


async def _run(source: str, key: str | None, lister: Lister) -> SourceResult:
    if not (key or "").strip():
        return skipped(source, "no key")
    started = time.perf_counter()
    try:
        records, facts = await lister()
    except SourceFailure as exc:
        return failed(source, str(exc), started)
    result = SourceResult(
        source, "ok", f"{len(records)} models", tuple(records), elapsed_ms(started), facts=facts
    )
    return with_placeholder_check(result)


def _record(
    provider: str,
    provider_name: str,
    model_id: str,
    name: str,
    *,
    description: str = "",
    context_window: int | None = None,
    max_output_tokens: int | None = None,
) -> ModelRecord:
    return ModelRecord(
        provider_slug=normalise_provider(provider),
        provider_name=provider_name,
        slug=normalise_model_slug(model_id),
        name=name or model_id,
        source="provider_api",
        raw_id=model_id,
        description=description,
        context_window=context_window,
        max_output_tokens=max_output_tokens,
    )


async def fetch_openai_models(
    *, client: httpx.AsyncClient, base_url: str, key: str | None, timeout_s: float
) -> SourceResult:
    """OpenAI ``GET {base}/models`` (base includes /v1); one page, no pagination."""

    async def lister() -> tuple[list[ModelRecord], Facts]:
        headers = {"Authorization": f"Bearer {(key or '').strip()}"}
        body = await get_json(
            client, base_url.rstrip("/") + "/models", timeout_s=timeout_s, headers=headers
        )
        _, items = _objects(body, "data")
        records = [
            _record("openai", "OpenAI", as_str(item.get("id")), "")
            for item in items
            if as_str(item.get("id"))
        ]
        return records, {"pages": 1}

    return await _run("openai", key, lister)


async def fetch_anthropic_models(
    *, client: httpx.AsyncClient, base_url: str, key: str | None, timeout_s: float
) -> SourceResult:
    """Anthropic ``GET {base}/v1/models``, following ``has_more``/``last_id`` → ``after_id``."""

    async def lister() -> tuple[list[ModelRecord], Facts]:
        headers = {"x-api-key": (key or "").strip(), "anthropic-version": ANTHROPIC_VERSION}
        url = base_url.rstrip("/") + "/v1/models"
        records: list[ModelRecord] = []
        params = {"limit": "1000"}
        for page in range(1, MAX_PAGES + 1):
            body = await get_json(client, url, timeout_s=timeout_s, headers=headers, params=params)
            data, items = _objects(body, "data")
            for item in items:
                model_id = as_str(item.get("id"))
                if model_id:
                    name = as_str(item.get("display_name"))
                    records.append(_record("anthropic", "Anthropic", model_id, name))
            last_id = as_str(data.get("last_id"))
            if data.get("has_more") is not True or not last_id or last_id == params.get("after_id"):
                return records, {"pages": page}
            params = {"limit": "1000", "after_id": last_id}
        raise SourceFailure(f"unparseable: still has_more after {MAX_PAGES} pages")

    return await _run("anthropic", key, lister)


def _google_record(item: dict[str, object]) -> ModelRecord | None:
    methods = item.get("supportedGenerationMethods")
    model_id = as_str(item.get("name"))
    if not model_id or not isinstance(methods, list) or "generateContent" not in methods:
        return None
    return _record(
        "google",
        "Google",
        model_id,
        as_str(item.get("displayName")),
        description=as_str(item.get("description")),
        context_window=as_int(item.get("inputTokenLimit")),
        max_output_tokens=as_int(item.get("outputTokenLimit")),
    )


async def fetch_google_models(
    *, client: httpx.AsyncClient, base_url: str, key: str | None, timeout_s: float
) -> SourceResult:
    """Google AI ``GET {base}/v1beta/models`` (``nextPageToken`` → ``pageToken``).

    Only models whose ``supportedGenerationMethods`` include ``generateContent`` are kept.
    """

    async def lister() -> tuple[list[ModelRecord], Facts]:
        headers = {"x-goog-api-key": (key or "").strip()}
        url = base_url.rstrip("/") + "/v1beta/models"
        records: list[ModelRecord] = []
        listed = 0
        params = {"pageSize": "1000"}
        for page in range(1, MAX_PAGES + 1):
            body = await get_json(client, url, timeout_s=timeout_s, headers=headers, params=params)
            data, items = _objects(body, "models")
            listed += len(items)
            records.extend(r for r in map(_google_record, items) if r is not None)
            token = as_str(data.get("nextPageToken"))
            if not token or token == params.get("pageToken"):
                return records, {"pages": page, "listed": listed}
            params = {"pageSize": "1000", "pageToken": token}
        raise SourceFailure(f"unparseable: still a nextPageToken after {MAX_PAGES} pages")

    return await _run("google", key, lister)


def _cursor_params(next_url: str) -> dict[str, str]:
    """The query of a Replicate ``next`` URL (its cursor), to re-send to our base URL."""
    return dict(parse_qsl(urlsplit(next_url).query))


async def fetch_replicate_models(
    *,
    client: httpx.AsyncClient,
    base_url: str,
    key: str | None,
    timeout_s: float,
    owners: Sequence[str] = DEFAULT_REPLICATE_OWNERS,
    max_pages: int = MAX_PAGES,
) -> SourceResult:
    """Replicate ``GET {base}/v1/models`` (``next`` cursor), keeping the given owners' models.

    Replicate documents no per-owner listing, so the public list is paged through up to
    ``max_pages``; a listing cut short says so in the reason.
    """
    wanted = {owner.strip().lower() for owner in owners if owner.strip()}

    async def lister() -> tuple[list[ModelRecord], Facts]:
        headers = {"Authorization": f"Bearer {(key or '').strip()}"}
        url = base_url.rstrip("/") + "/v1/models"
        records: list[ModelRecord] = []
        params: dict[str, str] = {}
        listed = 0
        for page in range(1, max_pages + 1):
            body = await get_json(client, url, timeout_s=timeout_s, headers=headers, params=params)
            data, items = _objects(body, "results")
            listed += len(items)
            for item in items:
                owner, name = as_str(item.get("owner")), as_str(item.get("name"))
                if owner.lower() in wanted and name:
                    records.append(
                        _record(
                            owner,
                            owner,
                            f"{owner}/{name}",
                            name,
                            description=as_str(item.get("description")),
                        )
                    )
            next_params = _cursor_params(as_str(data.get("next")))
            if not next_params or next_params == params:
                return records, {"pages": page, "listed": listed, "complete": "yes"}
            params = next_params
        return records, {"pages": max_pages, "listed": listed, "complete": "no"}

    result = await _run("replicate", key, lister)
    if result.ok and result.facts.get("complete") == "no":
        reason = f"{result.reason} (listing stopped after {max_pages} pages)"
        return replace(result, reason=reason)
    return result
