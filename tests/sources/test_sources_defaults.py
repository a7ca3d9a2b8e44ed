"""The defaults file (prices per 1M tokens) and provider/model slug normalisation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.sources.aa_api import parse_aa_api
from bot.sources.defaults import DEFAULTS_PATH, fetch_defaults
from bot.sources.github_backup import parse_backup
from bot.sources.records import normalise_model_slug, normalise_provider
from tests.fixture_files import FIXTURES, fixture_text


async def test_repo_defaults_file_is_the_apps_last_resort_data() -> None:
    """The packaged model-defaults.json is the app's file: 13 models of google, anthropic, meta."""
    assert DEFAULTS_PATH.read_text(encoding="utf-8") == fixture_text("model-defaults.json")
    result = await fetch_defaults()
    assert result.status == "ok", result.reason
    assert len(result.records) == 13
    assert {r.provider_slug for r in result.records} == {"google", "anthropic", "meta"}
    assert {r.source for r in result.records} == {"defaults"}
    assert result.facts["oldest_update"] == "2024-12-20"


async def test_prices_are_normalised_to_per_million_tokens() -> None:
    """Google/Anthropic per-1K prices are ×1000; Meta's per-1M prices stay as they are."""
    result = await fetch_defaults(path=FIXTURES / "model-defaults.json")
    prices = {r.slug: (r.input_price, r.output_price) for r in result.records}
    assert prices["claude-3-5-sonnet-20241022"] == (3.0, 15.0)
    assert prices["claude-3-haiku-20240307"] == (0.25, 1.25)
    assert prices["gemini-1-5-pro"] == (3.5, 10.5)
    assert prices["gemini-1-5-flash-8b"] == (0.15, 0.6)
    assert prices["llama-3-1-405b"] == (2.0, 2.0)
    assert prices["llama-3-1-8b"] == (0.05, 0.05)


async def test_defaults_keep_names_limits_and_descriptions() -> None:
    """Names fall back to the model id; maxOutputTokens/maxTokens become max_output_tokens."""
    result = await fetch_defaults(path=FIXTURES / "model-defaults.json")
    by_slug = {r.slug: r for r in result.records}
    sonnet = by_slug["claude-3-5-sonnet-20241022"]
    assert (sonnet.name, sonnet.context_window, sonnet.max_output_tokens) == (
        "Claude 3.5 Sonnet",
        200000,
        8192,
    )
    assert sonnet.description.startswith("Latest and most capable")
    assert (by_slug["gemini-pro"].name, by_slug["gemini-pro"].max_output_tokens) == (
        "gemini-pro",
        8192,
    )


async def test_unknown_provider_price_unit_is_assumed_and_said(tmp_path: Path) -> None:
    """A provider without a stated unit is taken as per 1M, and the reason says so."""
    path = tmp_path / "model-defaults.json"
    body = {"openai": {"models": {"gpt-4o": {"inputPrice": 2.5, "outputPrice": 10}}}}
    path.write_text(json.dumps(body))
    result = await fetch_defaults(path=path)
    assert (result.records[0].input_price, result.records[0].output_price) == (2.5, 10.0)
    assert "prices assumed per 1M for openai" in result.reason


async def test_missing_or_broken_defaults_file_is_named(tmp_path: Path) -> None:
    """A missing file fails as 'missing', a broken one as 'unparseable'."""
    missing = await fetch_defaults(path=tmp_path / "nope.json")
    assert (missing.status, missing.reason) == ("failed", "missing: nope.json not found")
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    result = await fetch_defaults(path=broken)
    assert result.status == "failed" and result.reason.startswith("unparseable: not JSON")


@pytest.mark.parametrize(
    ("names", "slug"),
    [
        (("OpenAI", "openai", " OpenAI ", "open_ai"), "openai"),
        (("Google", "google-ai", "gemini", "Google AI"), "google"),
        (("Anthropic", "anthropic"), "anthropic"),
        (("Meta", "meta-llama", "meta_llama"), "meta"),
        (("Mistral AI", "mistralai", "Mistral"), "mistral"),
        (("xAI", "x-ai"), "xai"),
        (("01.AI",), "01-ai"),
    ],
)
def test_provider_names_and_slugs_meet(names: tuple[str, ...], slug: str) -> None:
    """Names, listing owners and AA creator slugs of one provider normalise alike."""
    assert {normalise_provider(name) for name in names} == {slug}


@pytest.mark.parametrize(
    ("raw", "slug"),
    [
        ("openai/GPT-4o", "gpt-4o"),
        ("models/gemini-1.5-pro", "gemini-1-5-pro"),
        ("Claude 3  Opus", "claude-3-opus"),
        ("gpt-5-nano-minimal-", "gpt-5-nano-minimal"),
        ("meta/meta_llama--3", "meta-llama-3"),
    ],
)
def test_model_slugs_normalise(raw: str, slug: str) -> None:
    """Model slugs: lower case, no provider prefix, spaces → '-', repeats collapsed."""
    assert normalise_model_slug(raw) == slug


def test_backup_provider_names_meet_aa_creator_slugs() -> None:
    """Every provider name in the GitHub backup lands on an AA API creator slug."""
    api = parse_aa_api(json.loads(fixture_text("aa_api_v2_models.json")))
    backup, _, _ = parse_backup(json.loads(fixture_text("github_backup_aa-models.json")))
    api_providers = {r.provider_slug for r in api}
    assert {r.provider_slug for r in backup} == api_providers
    assert len(api_providers) == 28
