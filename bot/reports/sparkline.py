"""Unicode sparklines: ▁▂▃▄▅▆▇█ scaled to each series' own range; a gap is '·'."""

from __future__ import annotations

from collections.abc import Sequence

BARS = "▁▂▃▄▅▆▇█"
GAP = "·"


def sparkline(values: Sequence[int | float | None]) -> str:
    """One character per value, lowest bar for the series' minimum, highest for its maximum.

    A flat series is drawn at mid height; ``None`` (no count that day) is drawn as '·'.
    """
    known = [v for v in values if v is not None]
    if not known:
        return GAP * len(values)
    low, high = min(known), max(known)
    span = high - low
    top = len(BARS) - 1

    def bar(value: int | float | None) -> str:
        if value is None:
            return GAP
        if span == 0:
            return BARS[top // 2]
        return BARS[round((value - low) / span * top)]

    return "".join(bar(v) for v in values)
