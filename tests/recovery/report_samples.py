"""Recovery reports for the template tests: each outcome, and hostile or overflowing input."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.recovery import (
    ALL_STEPS,
    NOT_OPERATOR,
    Outcome,
    RecoveryOptions,
    RecoveryReport,
    StepState,
)
from bot.stores.locks import LockHolder

START = datetime(2026, 11, 26, 3, 12, 4, tzinfo=UTC)
IDS = {
    "steps_block": "recover_steps",
    "steps_action": "steps",
    "options_block": "recover_options",
    "options_action": "options",
}


def report(
    states: tuple[str, ...] = ("ok", "ok", "ok", "ok"),
    *,
    outcome: Outcome = Outcome.OK,
    detail: list[str] | None = None,
    actor: str = "user:U0ALICE",
    **options: Any,
) -> RecoveryReport:
    """A report whose steps are in ``states``, each with ``detail`` lines."""
    built = RecoveryReport.start(RecoveryOptions(**options), actor=actor, now=START)
    for item, state in zip(built.steps, states, strict=False):
        item.state = StepState(state)
        if state in ("ok", "failed"):
            item.duration_s = 1.25
        item.detail = list(detail if detail is not None else [f"{item.name.value} did its part"])
    built.outcome, built.run_id = outcome, 42
    built.finished_at = START + timedelta(seconds=95) if outcome is not Outcome.RUNNING else None
    return built


def refused_by(
    holder: str, reason: str = "a recovery is already running", **extra: Any
) -> RecoveryReport:
    """Refused because ``holder`` runs one (no holder: refused for ``reason``)."""
    built = report(("skipped",) * 4, outcome=Outcome.REFUSED, detail=[], **extra)
    built.holder = holder
    built.holder_since = START - timedelta(minutes=4) if holder else None
    built.reason = reason
    return built


def failed_with_incident(detail: list[str] | None = None) -> RecoveryReport:
    """Stopped at the redeploy; incident 17 opened."""
    built = report(("ok", "ok", "ok", "failed"), outcome=Outcome.FAILED, detail=detail)
    built.incident_id = 17
    return built


def _interrupted() -> RecoveryReport:
    built = report(("ok", "running", "pending", "pending"), outcome=Outcome.RUNNING)
    built.interrupt(START + timedelta(seconds=3))
    return built


def _modal(**extra: Any) -> dict[str, Any]:
    steps = [(name, f"what {name.value} does") for name in ALL_STEPS]
    return {"steps": steps, "dry_run": False, "holder": None, "ids": IDS, **extra}


def samples(long: str) -> dict[str, list[Callable[[], dict[str, Any]]]]:
    """Ordinary and hostile samples of the three recovery templates."""
    return {
        "recover_modal": [
            lambda: _modal(),
            lambda: _modal(dry_run=True, holder=LockHolder("user:U0BOB", START)),
            lambda: _modal(
                steps=[(name, long) for name in ALL_STEPS], holder=LockHolder(long, START)
            ),
        ],
        "recover_progress": [
            lambda: {"report": report(("pending",) * 4, outcome=Outcome.RUNNING, detail=[])},
            lambda: {
                "report": report(
                    ("ok", "running", "pending", "pending"),
                    outcome=Outcome.RUNNING,
                    dry_run=True,
                    force_sync=True,
                    continue_on_failure=True,
                )
            },
            lambda: {"report": report(outcome=Outcome.RUNNING, detail=[long] * 3, actor=long)},
        ],
        "recover_summary": [
            lambda: {"report": report()},
            lambda: {"report": report(dry_run=True)},
            lambda: {"report": failed_with_incident()},
            lambda: {
                "report": report(
                    ("ok", "failed", "ok", "ok"),
                    outcome=Outcome.PARTIAL,
                    continue_on_failure=True,
                    force_sync=True,
                )
            },
            lambda: {"report": refused_by("user:U0BOB")},
            lambda: {"report": refused_by("cli:alice")},
            lambda: {"report": _interrupted()},
            lambda: {
                "report": report(
                    ("failed", "ok", "ok", "skipped"),
                    outcome=Outcome.PARTIAL,
                    dry_run=True,
                    continue_on_failure=True,
                )
            },
            lambda: {"report": report(("failed",), outcome=Outcome.FAILED, dry_run=True)},
            lambda: {"report": report(("ok", "ok"), outcome=Outcome.FAILED, steps=ALL_STEPS[:2])},
            lambda: {"report": report(("ok", "running"), outcome=Outcome.RUNNING)},
            lambda: {"report": refused_by("", reason=NOT_OPERATOR)},
            lambda: {"report": refused_by("", reason=long)},
            lambda: {"report": failed_with_incident([long, "<!channel>"])},
        ],
    }


def overflowing(huge: str) -> dict[str, tuple[Callable[[], dict[str, Any]], tuple[str, ...]]]:
    """Input past every limit, and what each message must say it left out."""
    many = [f"line {i} {huge[:200]}" for i in range(500)]

    def noted() -> RecoveryReport:
        built = failed_with_incident(many)
        built.notes = [huge] * 50
        built.reason = huge
        return built

    return {
        "recover_modal": (
            lambda: _modal(steps=[(n, huge) for n in ALL_STEPS], holder=LockHolder(huge, START)),
            ("…",),
        ),
        "recover_progress": (
            lambda: {"report": report(outcome=Outcome.RUNNING, detail=many, actor=huge)},
            ("more lines",),
        ),
        "recover_summary": (lambda: {"report": noted()}, ("more lines", "…")),
    }
