"""Recovery as plain data: the steps, their states, the options, the report. No I/O here.

The same ``RecoveryReport`` feeds the Slack progress message, the CLI (``as_json``) and the
audit row in ``chatops.recovery_runs``.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.errors import BotError
from bot.i18n.translator import N_


class StepName(StrEnum):
    """The four recovery steps; the order of this enum is the order they run in."""

    CACHE = "cache"
    DB = "db"
    SYNC = "sync"
    DEPLOY = "deploy"

    @property
    def label(self) -> str:
        """How the step is named to people (in English: a catalog message id)."""
        return _LABELS[self]


# Catalog message ids: the templates translate a label where they show it (``_(label)``).
_LABELS = {
    StepName.CACHE: N_("Clear the app's cache"),
    StepName.DB: N_("Reconnect and check the database"),
    StepName.SYNC: N_("Force a sync"),
    StepName.DEPLOY: N_("Redeploy the app"),
}
ALL_STEPS: tuple[StepName, ...] = tuple(StepName)


class StepState(StrEnum):
    """Where one step is."""

    PENDING = "pending"
    RUNNING = "running"
    OK = "ok"
    FAILED = "failed"
    SKIPPED = "skipped"


class Outcome(StrEnum):
    """How a whole recovery ended (``RUNNING`` while it runs)."""

    RUNNING = "running"
    OK = "ok"  # every selected step succeeded (or had nothing to do)
    FAILED = "failed"  # a step failed and the run stopped there, or every step that ran failed
    PARTIAL = "partial"  # continue-on-failure: some steps failed, some succeeded
    REFUSED = "refused"  # not started: another run holds the lock, or not authorised
    INTERRUPTED = "interrupted"  # the process was cancelled (shutdown) mid-run


class StepsError(BotError):
    """A ``--steps`` value names an unknown step or none at all."""


def parse_steps(text: str | Iterable[str]) -> tuple[StepName, ...]:
    """``"cache,db"`` (or an iterable of names) as steps in the fixed order; strict."""
    words = text.split(",") if isinstance(text, str) else list(text)
    names = [w.strip().lower() for w in words if w.strip()]
    unknown = [n for n in names if n not in StepName.__members__.values()]
    if unknown:
        known = ", ".join(s.value for s in ALL_STEPS)
        raise StepsError(f"unknown step {unknown[0]!r} (steps are {known})")
    if not names:
        raise StepsError("choose at least one step")
    chosen = set(names)
    return tuple(s for s in ALL_STEPS if s.value in chosen)


@dataclass(frozen=True)
class RecoveryOptions:
    """What the operator chose: which steps (run in fixed order) and how.

    ``force_sync`` lets the sync deactivate more than the drop guard allows;
    ``continue_on_failure`` runs the later steps after a failed one.
    """

    steps: tuple[StepName, ...] = ALL_STEPS
    dry_run: bool = False
    continue_on_failure: bool = False
    force_sync: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "steps", parse_steps(s.value for s in self.steps))

    def as_json(self) -> dict[str, Any]:
        """The options as stored in the audit row."""
        return {
            "steps": [s.value for s in self.steps],
            "dry_run": self.dry_run,
            "continue_on_failure": self.continue_on_failure,
            "force_sync": self.force_sync,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RecoveryOptions:
        """Options back from an audit row."""
        return cls(
            steps=parse_steps(data.get("steps") or [s.value for s in ALL_STEPS]),
            dry_run=bool(data.get("dry_run")),
            continue_on_failure=bool(data.get("continue_on_failure")),
            force_sync=bool(data.get("force_sync")),
        )


@dataclass
class StepReport:
    """One step: its state, how long it took, what it did (``detail``), figures (``data``)."""

    name: StepName
    state: StepState = StepState.PENDING
    duration_s: float | None = None
    detail: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """The step's name for people."""
        return self.name.label

    def as_json(self) -> dict[str, Any]:
        """The step as stored and printed by ``--json``."""
        return {
            "name": self.name.value,
            "state": self.state.value,
            "duration_s": self.duration_s,
            "detail": list(self.detail),
            "data": self.data,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StepReport:
        """A step back from an audit row."""
        duration = data.get("duration_s")
        return cls(
            name=StepName(data["name"]),
            state=StepState(data.get("state", "pending")),
            duration_s=float(duration) if duration is not None else None,
            detail=[str(line) for line in data.get("detail") or []],
            data=dict(data.get("data") or {}),
        )


@dataclass
class RecoveryReport:
    """A whole recovery: who, what was chosen, each step, the outcome.

    ``reason`` explains a refusal or an interruption; ``holder``/``holder_since`` name the
    running recovery that caused a refusal; ``duplicate`` is true when this request repeated
    one already received (same idempotency key) and nothing new was started.
    """

    actor: str
    options: RecoveryOptions
    started_at: datetime
    steps: list[StepReport]
    outcome: Outcome = Outcome.RUNNING
    finished_at: datetime | None = None
    reason: str = ""
    run_id: int | None = None
    incident_id: int | None = None
    holder: str = ""
    holder_since: datetime | None = None
    duplicate: bool = False
    notes: list[str] = field(default_factory=list)

    @classmethod
    def start(cls, options: RecoveryOptions, *, actor: str, now: datetime) -> RecoveryReport:
        """A fresh report with every chosen step pending."""
        return cls(actor, options, now, [StepReport(name) for name in options.steps])

    def step(self, name: StepName) -> StepReport:
        """The report of one chosen step."""
        for item in self.steps:
            if item.name is name:
                return item
        raise KeyError(name)

    @property
    def failed_step(self) -> StepReport | None:
        """The first step that failed, if any."""
        return next((s for s in self.steps if s.state is StepState.FAILED), None)

    @property
    def finished(self) -> bool:
        """Whether the run has ended (any way)."""
        return self.outcome is not Outcome.RUNNING

    def snapshot(self) -> RecoveryReport:
        """A deep copy, safe to keep while the run goes on."""
        return copy.deepcopy(self)

    def settle(self) -> Outcome:
        """Work out the outcome from the step states (pending steps count as skipped)."""
        for item in self.steps:
            if item.state in (StepState.PENDING, StepState.RUNNING):
                item.state = StepState.SKIPPED
        failed = [s for s in self.steps if s.state is StepState.FAILED]
        succeeded = [s for s in self.steps if s.state is StepState.OK]
        if not failed:
            self.outcome = Outcome.OK
        elif succeeded and self.options.continue_on_failure:
            self.outcome = Outcome.PARTIAL
        else:
            self.outcome = Outcome.FAILED
        return self.outcome

    def interrupt(self, now: datetime, reason: str = N_("the bot stopped during the run")) -> None:
        """Mark the run cut off (shutdown): the running step failed, the rest not run."""
        self.outcome, self.reason = Outcome.INTERRUPTED, reason
        for item in self.steps:
            if item.state is StepState.RUNNING:
                item.state = StepState.FAILED
                item.detail.append("interrupted")
            elif item.state is StepState.PENDING:
                item.state = StepState.SKIPPED
        self.finished_at = now

    def as_json(self) -> dict[str, Any]:
        """The report for ``--json`` and for an incident's details."""
        return {
            "run_id": self.run_id,
            "actor": self.actor,
            "options": self.options.as_json(),
            "outcome": self.outcome.value,
            "reason": self.reason,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "steps": [s.as_json() for s in self.steps],
            "incident_id": self.incident_id,
            "holder": self.holder,
            "holder_since": self.holder_since.isoformat() if self.holder_since else None,
            "duplicate": self.duplicate,
            "notes": list(self.notes),
        }
