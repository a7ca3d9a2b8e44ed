"""Merging along the priority chain: best valid value per field, placeholder data loses."""

from __future__ import annotations

from bot.sources.records import ModelRecord, SourceResult
from bot.sync.merge import merge


def _rec(source: str, slug: str, **values: object) -> ModelRecord:
    return ModelRecord("openai", "OpenAI", slug, slug.upper(), source, slug, **values)  # type: ignore[arg-type]


def test_each_field_comes_from_the_best_source_that_has_it() -> None:
    """The provider's name wins, AA fills speed, defaults fill the price nobody else had."""
    results = [
        SourceResult(
            "defaults",
            "ok",
            records=(_rec("defaults", "gpt-x", input_price=2.0, output_speed=1.0),),
        ),
        SourceResult("aa_api", "ok", records=(_rec("aa_api", "gpt-x", output_speed=80.0),)),
        SourceResult("openai", "ok", records=(_rec("provider_api", "gpt-x"),)),
    ]
    model = merge(results).models[0]
    assert model.values["output_speed"] == 80.0 and model.value_sources["output_speed"] == "aa_api"
    assert model.values["input_price"] == 2.0 and model.value_sources["input_price"] == "defaults"
    assert model.data_source == "provider_api"


def test_placeholder_source_never_supplies_metrics_or_new_models() -> None:
    """A flagged backup adds no model of its own and none of its speeds, prices or scores."""
    backup = SourceResult(
        "github_backup",
        "ok",
        placeholder=True,
        records=(
            _rec("github_backup", "gpt-x", output_speed=100.0, input_price=5.0, context_window=9),
            _rec("github_backup", "ghost", output_speed=100.0, input_price=5.0),
        ),
    )
    aa = SourceResult("aa_api", "ok", records=(_rec("aa_api", "gpt-x", intelligence_score=60.0),))
    outcome = merge([backup, aa])
    assert [m.slug for m in outcome.models] == ["gpt-x"]
    values = outcome.models[0].values
    assert "output_speed" not in values and "input_price" not in values
    assert values["context_window"] == 9
    assert any(v.rule == "listed only by placeholder data: not added" for v in outcome.violations)


def test_out_of_range_values_are_dropped_and_reported() -> None:
    """Speed 2230 tok/s and intelligence 101 are cleared and named, the rest is kept."""
    aa = SourceResult(
        "aa_api",
        "ok",
        records=(
            _rec("aa_api", "fast", output_speed=2230.0, intelligence_score=101.0, input_price=1.0),
        ),
    )
    outcome = merge([aa])
    assert outcome.models[0].values == {"name": "FAST", "input_price": 1.0}
    assert {v.field for v in outcome.violations} == {"output_speed", "intelligence_score"}


def test_same_slug_from_two_providers_is_reported_once_kept() -> None:
    """A slug claimed by a second provider is a reported duplicate, not a silent overwrite."""
    other = ModelRecord("meta", "Meta", "gpt-x", "Impostor", "aa_api", "2")
    outcome = merge([SourceResult("aa_api", "ok", records=(_rec("aa_api", "gpt-x"), other))])
    assert [(m.provider_slug, m.slug) for m in outcome.models] == [("openai", "gpt-x")]
    assert any("already belongs to provider openai" in v.rule for v in outcome.violations)
