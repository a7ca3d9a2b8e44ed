"""Step 3: every source through the sync pipeline; the drop guard holds unless overridden."""

from __future__ import annotations

from typing import Protocol

from bot.i18n import Translator, translator
from bot.recovery.model import StepName
from bot.recovery.steps import StepContext, StepFailedError
from bot.sources.records import SourceResult
from bot.sync.plan import SyncPlan
from bot.sync.service import Progress, SyncReport, SyncRequest

OVERRIDE_HINT = (
    "tick “allow the sync to deactivate more than the drop guard allows” (CLI: --force-sync)"
    " to apply it"
)
_EXAMPLES = 5


class SyncRunner(Protocol):
    """What the step needs of ``bot.sync.service.SyncService``."""

    async def run(self, request: SyncRequest, progress: Progress | None = None) -> SyncReport:
        """Run one sync; never raises for source, database or cache failures."""
        ...


def _examples(slugs: list[str]) -> str:
    shown = ", ".join(slugs[:_EXAMPLES])
    more = len(slugs) - _EXAMPLES
    return f" ({shown}{f', +{more} more' if more > 0 else ''})" if slugs else ""


def diff_lines(plan: SyncPlan, *, dry_run: bool) -> list[str]:
    """The diff in a few lines: counts, with a few slugs each."""
    added = [w.slug for w in plan.writes if w.change_type == "new"]
    updated = [w.slug for w in plan.writes if w.change_type != "new"]
    gone = [row.slug for row in plan.deactivate]
    verb = "would " if dry_run else ""
    return [
        f"{verb}add {len(added)}{_examples(added)}",
        f"{verb}update {len(updated)}{_examples(updated)}",
        f"{verb}deactivate {len(gone)}{_examples(gone)}",
        f"{plan.unchanged} unchanged; {len(plan.kept_unverified)} kept (their source failed)",
    ]


class SyncStep:
    """Runs the sync with scope ``all``; ``force_sync`` is the drop guard's override."""

    name = StepName.SYNC

    def __init__(self, sync: SyncRunner) -> None:
        self._sync = sync

    def describe(self, t: Translator | None = None) -> str:
        """What it runs (in ``t``'s language)."""
        t = t or translator("en")
        return t._("every source; the drop guard holds unless you allow it below")

    async def run(self, ctx: StepContext) -> None:
        """Sync (or the sync's own dry run) and report its sources and diff."""

        async def on_source(name: str, result: SourceResult) -> None:
            line = f"source {name}: {result.status}"
            await ctx.note(line + (f" ({result.reason})" if result.reason else ""))

        request = SyncRequest(
            scope="all",
            dry_run=ctx.dry_run,
            force=ctx.options.force_sync,
            trigger=f"recovery:{ctx.actor}",
        )
        report = await self._sync.run(request, on_source)
        ctx.data.update({"sync_run_id": report.run_id, "sync_outcome": report.outcome})
        if report.plan is not None:
            plan = report.plan
            ctx.data["diff"] = {
                "added": plan.added,
                "updated": plan.updated,
                "deactivated": len(plan.deactivate),
                "unchanged": plan.unchanged,
            }
            for line in diff_lines(plan, dry_run=ctx.dry_run):
                ctx.add(line)
        self._judge(ctx, report)

    def _judge(self, ctx: StepContext, report: SyncReport) -> None:
        outcome, reason = report.outcome, report.reason
        if outcome == "applied":
            ctx.add(f"applied: {report.rows_written} model rows written")
            if report.cache_keys_cleared is not None:
                ctx.add(f"the sync cleared {report.cache_keys_cleared} cache keys")
            if reason:
                ctx.add(reason)
        elif outcome == "nothing_to_do":
            ctx.add("nothing to change")
        elif outcome == "dry_run":
            guard = report.guard
            if guard is not None and not guard.allowed:
                ctx.add(OVERRIDE_HINT)
                raise StepFailedError(f"the drop guard would refuse it: {guard.reason}")
            if guard is not None and guard.overridden:
                ctx.add(f"the drop guard is overridden: {guard.reason}")
        elif outcome == "refused":
            ctx.add(OVERRIDE_HINT)
            raise StepFailedError(f"the drop guard refused it: {reason}; nothing changed")
        elif outcome == "busy":
            raise StepFailedError(reason or "a sync is already running")
        else:
            raise StepFailedError(reason or f"the sync ended {outcome}")
