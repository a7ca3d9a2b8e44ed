"""Spot scraper placeholders: a source whose models mostly share the same made-up values.

In production the AA scraper wrote speed 100, prices 5/10 and intelligence 70 for
nearly every model (the 2025-09-20 GitHub backup holds 275 such rows). Real data never
looks like that: in the AA API fixture the most common (speed, input, output price)
triple is (0, 0, 0) — unmeasured models — and covers 61 of 276 rows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

from bot.sources.records import ModelRecord, SourceResult

MIN_MODELS = 10
SHARE = 0.6  # flagged when at least this share of the models hold the same values
_SUPPORTING_SHARE = 0.5


def _num(value: float) -> str:
    return f"{value:g}"


def detect_placeholder(
    records: Sequence[ModelRecord], *, min_models: int = MIN_MODELS, share: float = SHARE
) -> tuple[bool, str]:
    """(flagged, reason) — e.g. '275 of 275 models have speed 100 and prices 5/10'."""
    total = len(records)
    if total < min_models:
        return False, ""
    needed = share * total
    triples = Counter(
        (r.output_speed, r.input_price, r.output_price)
        for r in records
        if r.output_speed is not None and r.input_price is not None and r.output_price is not None
    )
    scores = Counter(r.intelligence_score for r in records if r.intelligence_score is not None)
    top_score = scores.most_common(1)[0] if scores else None
    score_note = ""
    if top_score is not None and top_score[1] >= _SUPPORTING_SHARE * total:
        score_note = f"; {top_score[1]} have intelligence {_num(top_score[0])}"
    if triples:
        (speed, price_in, price_out), count = triples.most_common(1)[0]
        if count >= needed:
            reason = (
                f"{count} of {total} models have speed {_num(speed)} "
                f"and prices {_num(price_in)}/{_num(price_out)}{score_note}"
            )
            return True, reason
    if top_score is not None and top_score[1] >= needed:
        return True, f"{top_score[1]} of {total} models have intelligence {_num(top_score[0])}"
    return False, ""


def with_placeholder_check(result: SourceResult) -> SourceResult:
    """``result`` with ``placeholder``/``placeholder_reason`` set from its records."""
    flagged, reason = detect_placeholder(result.records)
    return replace(result, placeholder=flagged, placeholder_reason=reason)
