"""App Home snapshots for the template tests: ordinary, empty, unknown and overflowing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.home import HomeIncident, HomeKey, HomeRun, HomeSnapshot, HomeSource
from bot.home.snapshot import NO_CHECKS, NO_KEYS, NO_SYNCS, STORE_DOWN

AT = datetime(2026, 11, 29, 0, 41, 5, tzinfo=UTC)
LONG = "Ünïcödé ✓ 模型 — <!channel> & <https://evil|click> " * 200
JOBS = ("daily_report", "source_checks", "key_checks", "sync", "escalations")


def incident(n: int, title: str = "", severity: str = "critical") -> HomeIncident:
    """An open incident #n (every other one acknowledged)."""
    acked = "U0ALICE" if n % 2 == 0 else None
    return HomeIncident(
        n,
        title or f"API down ({n})",
        severity,
        "acknowledged" if acked else "open",
        1 + n % 3,
        n * 7,
        AT - timedelta(minutes=n),
        acked,
    )


def snapshot(
    *,
    incidents: int = 2,
    sources: int = 6,
    keys: int = 5,
    text: str = "",
    **over: Any,
) -> HomeSnapshot:
    """A snapshot with ``incidents`` open incidents, ``sources`` sources and ``keys`` keys;
    ``text`` goes into every free-text value."""
    shown = tuple(
        incident(n, text, "critical" if n % 3 == 0 else "warning") for n in range(1, incidents + 1)
    )
    values: dict[str, Any] = {
        "generated_at": AT,
        "overall": "down" if incidents else "ok",
        "failing": (f"Scraper stale {text}", "GitHub backup old") if incidents else (),
        "incidents": shown,
        "incidents_total": len(shown),
        "sources": tuple(
            HomeSource(
                f"src{i}{text[:40]}",
                ("ok", "failed", "skipped")[i % 3],
                AT,
                40 + i,
                f"HTTP 500 {text}" if i % 3 == 1 else "",
            )
            for i in range(sources)
        ),
        "keys": tuple(
            HomeKey(
                f"provider{i}{text[:20]}",
                ("ok", "failed", "unknown")[i % 3],
                ("valid", "invalid", "timeout")[i % 3],
                AT,
            )
            for i in range(keys)
        ),
        "schedule": tuple(
            HomeRun(
                job,
                "cron 0 9 * * *" if i % 2 else "every 15 min",
                i != 4,
                AT + timedelta(hours=i) if i != 4 else None,
                ("ok", "failed", None, "missed", None)[i],
                AT if i in (0, 1, 3) else None,
            )
            for i, job in enumerate(JOBS)
        ),
        "checked_at": AT,
    }
    values.update(over)
    return HomeSnapshot(**values)


def unknown() -> HomeSnapshot:
    """Every store down."""
    return HomeSnapshot(
        generated_at=AT,
        overall="unknown",
        failing=(),
        incidents=(),
        incidents_total=0,
        sources=(),
        keys=(),
        schedule=(),
        checks_unknown=STORE_DOWN,
        incidents_unknown=STORE_DOWN,
        sources_unknown=STORE_DOWN,
        keys_unknown=STORE_DOWN,
        schedule_unknown=STORE_DOWN,
    )


def fresh() -> HomeSnapshot:
    """A new installation: nothing has run yet."""
    return snapshot(
        incidents=0,
        sources=0,
        keys=0,
        checks_unknown=NO_CHECKS,
        sources_unknown=NO_SYNCS,
        keys_unknown=NO_KEYS,
        checked_at=None,
        overall="unknown",
    )


SAMPLES: dict[str, list[Callable[[], dict[str, Any]]]] = {
    "home": [
        lambda: {"home": snapshot(), "channel": "#ai-monitoring"},
        lambda: {"home": snapshot(incidents=0), "channel": "#ai-monitoring"},
        lambda: {"home": fresh(), "channel": "#ai-monitoring"},
        lambda: {"home": unknown(), "channel": "#ai-monitoring"},
        lambda: {"home": snapshot(incidents=3, text=LONG[:300]), "channel": LONG},
        lambda: {"home": snapshot(incidents=120, sources=40, keys=30), "channel": "#ops"},
    ]
}


def overflowing(huge: str) -> dict[str, tuple[Callable[[], dict[str, Any]], tuple[str, ...]]]:
    """More incidents, sources and keys than one home page holds, every text huge."""
    return {
        "home": (
            lambda: {
                "home": snapshot(incidents=300, sources=400, keys=300, text=huge),
                "channel": huge,
            },
            ("more incidents", "more sources", "more keys"),
        )
    }
