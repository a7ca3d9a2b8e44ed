"""What every recovery step shares: the context it runs in and how it reports failure.

A step is an object with a ``name`` and ``async run(ctx)``. It adds lines to
``ctx.detail`` as it goes, worded in the run's language (``ctx.t``, a
``bot.i18n.translator.Translator``; each ``note`` also pushes a progress update), puts figures in
``ctx.data``, and raises ``StepFailedError`` with a one-line reason when it fails. With
``ctx.dry_run`` a step only reads and says what it would do.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

from bot.i18n.translator import Translator, translator
from bot.recovery.model import RecoveryOptions, StepName, StepReport


class StepFailedError(Exception):
    """The step failed; the message is one line, safe to show (no secrets)."""


@dataclass
class StepContext:
    """A step's view of the run: the options, who asked, its own report to fill in, and the
    language its lines are written in (``t``)."""

    options: RecoveryOptions
    actor: str
    report: StepReport
    changed: Callable[[], Awaitable[None]]
    t: Translator = field(default_factory=lambda: translator("en"))

    @property
    def dry_run(self) -> bool:
        """Only read and say what would be done."""
        return self.options.dry_run

    @property
    def data(self) -> dict[str, object]:
        """Figures the summary and the audit row keep."""
        return self.report.data

    async def note(self, line: str) -> None:
        """Add one line of detail and push a progress update."""
        self.report.detail.append(line)
        await self.changed()

    def add(self, line: str) -> None:
        """Add one line of detail without a progress update (the step ends soon)."""
        self.report.detail.append(line)


class RecoveryStep(Protocol):
    """One step of a recovery."""

    name: StepName

    def describe(self, t: Translator | None = None) -> str:
        """What the step will do, in a few words of ``t``'s language (English by default;
        the confirmation dialog shows it)."""
        ...

    async def run(self, ctx: StepContext) -> None:
        """Do the step (or, in a dry run, say what it would do); raise StepFailedError."""
        ...


def first_line(text: str, limit: int = 300) -> str:
    """The first non-empty line of an error text, at most ``limit`` characters."""
    for line in text.strip().splitlines():
        if line.strip():
            line = " ".join(line.split())
            return line if len(line) <= limit else line[: limit - 1] + "…"
    return ""


def describe_error(exc: BaseException) -> str:
    """``TypeName: first line of the message`` (or just the type name)."""
    message = first_line(str(exc))
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__
