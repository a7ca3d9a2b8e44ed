"""Validation of model records before anything is written: ranges, reported, never silent."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from bot.sources.records import ModelRecord


@dataclass(frozen=True)
class Violation:
    """One rule a source broke: which source, which model, which field, what value, why."""

    source: str
    slug: str
    field: str
    value: str
    rule: str

    def line(self) -> str:
        """One human line."""
        return f"{self.source}: {self.slug} {self.field}={self.value} ({self.rule})"


# field → (low, low inclusive, high, rule text)
RANGES: dict[str, tuple[float, bool, float, str]] = {
    "intelligence_score": (0, True, 100, "intelligence must be 0–100"),
    "output_speed": (0, False, 1000, "output speed must be above 0 and at most 1000 tok/s"),
    "input_price": (0, True, 1000, "price must be 0–1000 USD per 1M tokens"),
    "output_price": (0, True, 1000, "price must be 0–1000 USD per 1M tokens"),
    "context_window": (0, False, 100_000_000, "context window must be > 0"),
    "max_output_tokens": (0, False, 100_000_000, "max output tokens must be > 0"),
}


def _in_range(value: float, low: float, low_inclusive: bool, high: float) -> bool:
    if math.isnan(value) or math.isinf(value):
        return False
    above = value >= low if low_inclusive else value > low
    return above and value <= high


def validate_record(record: ModelRecord) -> tuple[ModelRecord, list[Violation]]:
    """The record with out-of-range fields cleared, and one Violation per cleared field."""
    violations: list[Violation] = []
    cleared: dict[str, object] = {}
    for field, (low, inclusive, high, rule) in RANGES.items():
        value = getattr(record, field)
        if value is None:
            continue
        if not _in_range(float(value), low, inclusive, high):
            violations.append(Violation(record.source, record.slug, field, f"{value:g}", rule))
            cleared[field] = None
    if not record.slug or not record.name:
        violations.append(
            Violation(record.source, record.slug or "?", "slug", "", "slug and name required")
        )
    return (replace(record, **cleared) if cleared else record), violations  # type: ignore[arg-type]
