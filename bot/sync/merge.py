"""Merge source results along the priority chain: per field, the best source with a valid value."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.sources.records import ModelRecord, SourceResult
from bot.sync.validate import Violation, validate_record

# Highest priority first (docs/contract.md, section 1).
SOURCE_PRIORITY: tuple[str, ...] = (
    "provider_api",
    "aa_api",
    "aa_page",
    "github_backup",
    "defaults",
)

# What a placeholder source gets wrong (every speed 100, every price 5/10, intelligence 70):
# such values are never taken from it, whatever else is missing.
PLACEHOLDER_FIELDS = frozenset(
    {"intelligence_score", "output_speed", "input_price", "output_price"}
)

MERGED_FIELDS: tuple[str, ...] = (
    "name",
    "description",
    "intelligence_score",
    "output_speed",
    "input_price",
    "output_price",
    "context_window",
    "max_output_tokens",
)


@dataclass
class MergedModel:
    """One model after merging: its values and the source each value came from."""

    provider_slug: str
    provider_name: str
    slug: str
    values: dict[str, object] = field(default_factory=dict)
    value_sources: dict[str, str] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)

    @property
    def data_source(self) -> str:
        """Where the model came from: the highest-priority source that listed it."""
        return self.sources[0] if self.sources else "unknown"


@dataclass(frozen=True)
class MergeOutcome:
    """Merged models (ordered by slug), every violation found, and the order used."""

    models: list[MergedModel]
    violations: list[Violation]
    order: tuple[str, ...]


PROVIDER_ADAPTERS = frozenset({"openai", "anthropic", "google", "replicate"})


def category(result: SourceResult) -> str:
    """The priority class of an adapter's result (the four provider listings share one)."""
    if result.records:
        return result.records[0].source
    return "provider_api" if result.source in PROVIDER_ADAPTERS else result.source


def source_order(results: Sequence[SourceResult]) -> tuple[str, ...]:
    """Priority order, with sources flagged as placeholder data moved behind every other."""
    flagged = {category(r) for r in results if r.placeholder}
    known = [s for s in SOURCE_PRIORITY if s not in flagged]
    extra = sorted({category(r) for r in results} - set(SOURCE_PRIORITY))
    return (*known, *extra, *[s for s in SOURCE_PRIORITY if s in flagged])


def merge(results: Sequence[SourceResult]) -> MergeOutcome:
    """Merge every ok source's records by (provider, slug); a slug owned twice is reported."""
    order = source_order(results)
    rank = {source: index for index, source in enumerate(order)}
    usable = sorted((r for r in results if r.status == "ok"), key=lambda r: rank[category(r)])
    violations: list[Violation] = []
    by_key: dict[tuple[str, str], MergedModel] = {}
    owner_of_slug: dict[str, tuple[str, str]] = {}
    for result in usable:
        seen_in_source: set[tuple[str, str]] = set()
        only_here = 0
        for raw in result.records:
            record, found = validate_record(raw)
            violations.extend(found)
            if not record.slug or not record.name:
                continue
            key = (record.provider_slug, record.slug)
            if key in seen_in_source:
                violations.append(
                    Violation(
                        result.source,
                        record.slug,
                        "slug",
                        record.slug,
                        "listed twice by the source",
                    )
                )
                continue
            seen_in_source.add(key)
            if result.placeholder and key not in by_key:
                only_here += 1  # a model known only from placeholder data is not invented
                continue
            owner = owner_of_slug.setdefault(record.slug, key)
            if owner != key:
                violations.append(
                    Violation(
                        result.source,
                        record.slug,
                        "provider",
                        record.provider_slug,
                        f"slug already belongs to provider {owner[0]}",
                    )
                )
                continue
            _absorb(
                by_key, key, record, skip=PLACEHOLDER_FIELDS if result.placeholder else frozenset()
            )
        if only_here:
            violations.append(
                Violation(
                    result.source,
                    "*",
                    "models",
                    str(only_here),
                    "listed only by placeholder data: not added",
                )
            )
    models = sorted(by_key.values(), key=lambda m: m.slug)
    return MergeOutcome(models=models, violations=violations, order=order)


def _absorb(
    by_key: dict[tuple[str, str], MergedModel],
    key: tuple[str, str],
    record: ModelRecord,
    *,
    skip: frozenset[str],
) -> None:
    model = by_key.get(key)
    if model is None:
        model = MergedModel(record.provider_slug, record.provider_name, record.slug)
        by_key[key] = model
    if record.source not in model.sources:
        model.sources.append(record.source)
    for name in MERGED_FIELDS:
        if name in model.values or name in skip:
            continue
        value = getattr(record, name)
        if value is None or value == "":
            continue
        model.values[name] = value
        model.value_sources[name] = record.source
