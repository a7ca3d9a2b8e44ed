"""The GitHub backup: both file formats, placeholder detection, and staleness."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

import httpx

from bot.sources.github_backup import fetch_github_backup
from bot.sources.placeholder import detect_placeholder
from bot.sources.records import ModelRecord
from tests.fixture_files import fixture_bytes

URL = "https://raw.githubusercontent.com/ksy2728/AI-GO/master/public/data/aa-models.json"
AA_MODELS = fixture_bytes("github_backup_aa-models.json")
OLD_MODELS = fixture_bytes("github_backup_models.json")
NOW = datetime(2025, 11, 26, 12, 0, tzinfo=UTC)
Handler = Callable[[httpx.Request], httpx.Response]


def client_for(handler: Handler) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.MockTransport(handler))


def serve(body: bytes) -> Handler:
    return lambda request: httpx.Response(200, content=body)


def answer(response: httpx.Response) -> Handler:
    return lambda request: response


async def test_aa_models_format_is_read() -> None:
    """public/data/aa-models.json: 275 records with slug, provider slug and per-1M prices."""
    async with client_for(serve(AA_MODELS)) as client:
        result = await fetch_github_backup(client=client, url=URL, timeout_s=5, now=NOW)
    assert result.status == "ok", result.reason
    assert len(result.records) == 275
    assert result.facts["format"] == "aa-models.json"
    first = result.records[0]
    assert (first.provider_slug, first.provider_name, first.slug) == (
        "openai",
        "OpenAI",
        "gpt-4o-mini",
    )
    assert (first.input_price, first.output_price, first.context_window) == (5.0, 10.0, 128000)
    assert first.source == "github_backup"


async def test_models_json_format_is_read() -> None:
    """data/models.json: 139 records; slugs from names, nested provider, inactive = deprecated."""
    async with client_for(serve(OLD_MODELS)) as client:
        result = await fetch_github_backup(client=client, url=URL, timeout_s=5, now=NOW)
    assert result.status == "ok", result.reason
    assert len(result.records) == 139
    assert result.facts["format"] == "models.json"
    gpt45 = result.records[0]
    assert (gpt45.provider_slug, gpt45.slug, gpt45.name) == ("openai", "gpt-4-5", "GPT-4.5")
    assert gpt45.modalities == ("text", "vision") and gpt45.max_output_tokens == 16384
    assert sum(r.is_deprecated for r in result.records) == 12
    assert {r.provider_slug for r in result.records} >= {"openai", "anthropic", "google", "meta"}
    assert "mistral" in {r.provider_slug for r in result.records}


async def test_2025_09_20_backup_is_flagged_as_placeholder_data() -> None:
    """Every model at speed 100 and prices 5/10: the result says it is placeholder data."""
    async with client_for(serve(AA_MODELS)) as client:
        result = await fetch_github_backup(client=client, url=URL, timeout_s=5, now=NOW)
    assert result.placeholder
    assert result.placeholder_reason.startswith("275 of 275 models have speed 100 and prices 5/10")
    assert "162 have intelligence 70" in result.placeholder_reason


async def test_older_backup_is_not_flagged() -> None:
    """The 2025-08 backup (no speeds or prices) is not placeholder data."""
    async with client_for(serve(OLD_MODELS)) as client:
        result = await fetch_github_backup(client=client, url=URL, timeout_s=5, now=NOW)
    assert not result.placeholder and result.placeholder_reason == ""


def _model(i: int, speed: float, score: float | None = None) -> ModelRecord:
    return ModelRecord("p", "P", f"m{i}", f"M{i}", "aa_api", f"m{i}", score, speed, 1.0, 2.0)


def test_placeholder_needs_ten_models_and_a_60_percent_share() -> None:
    """Fewer than 10 models, or under 60 % sharing values, is not flagged."""
    assert detect_placeholder([_model(i, 100) for i in range(9)]) == (False, "")
    mixed = [_model(i, 100) for i in range(5)] + [_model(i, 10 + i) for i in range(5, 10)]
    assert detect_placeholder(mixed) == (False, "")


def test_placeholder_by_shared_intelligence_alone() -> None:
    """Most models sharing one intelligence value is flagged even with real speeds."""
    records = [_model(i, float(i), 70.0) for i in range(8)] + [
        replace(_model(i, float(i)), intelligence_score=float(i)) for i in range(8, 10)
    ]
    flagged, reason = detect_placeholder(records)
    assert flagged and reason == "8 of 10 models have intelligence 70"


async def test_staleness_is_reported_in_days() -> None:
    """The 2025-09-20 backup read on 2025-11-26 is '67 days old' and stale."""
    async with client_for(serve(AA_MODELS)) as client:
        result = await fetch_github_backup(client=client, url=URL, timeout_s=5, now=NOW)
    assert "backup 67 days old (updated 2025-09-20), stale" in result.reason
    assert (result.facts["age_days"], result.facts["stale"]) == (67, "yes")


async def test_fresh_backup_is_not_stale() -> None:
    """A backup updated yesterday is reported fresh."""
    body = json.loads(AA_MODELS)
    body["metadata"]["lastUpdated"] = "2025-11-25T12:00:00.000Z"
    async with client_for(serve(json.dumps(body).encode())) as client:
        result = await fetch_github_backup(client=client, url=URL, timeout_s=5, now=NOW)
    assert "backup 1 days old" in result.reason and "stale" not in result.reason
    assert result.facts["stale"] == "no"


async def test_missing_file_and_garbage_are_named() -> None:
    """404 → 'HTTP 404'; HTML → 'unparseable: not JSON'; JSON without models → unparseable."""
    answers = {
        "HTTP 404": httpx.Response(404, text="404: Not Found"),
        "unparseable: not JSON": httpx.Response(200, text="<html>rate limited</html>"),
        "unparseable: expected a JSON object with a 'models' list": httpx.Response(
            200, json={"data": []}
        ),
    }
    for expected, response in answers.items():
        async with client_for(answer(response)) as client:
            result = await fetch_github_backup(client=client, url=URL, timeout_s=5, now=NOW)
        assert (result.status, result.reason[: len(expected)]) == ("failed", expected)
