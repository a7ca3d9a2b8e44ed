"""Step 3: every source through the sync pipeline; the drop guard holds unless overridden."""

from __future__ import annotations

from typing import Protocol

from bot.i18n.translator import N_, Translator, translator
from bot.recovery.model import StepName
from bot.recovery.steps import StepContext, StepFailedError
from bot.sources.records import SourceResult
from bot.sync.plan import SyncPlan
from bot.sync.service import Progress, SyncReport, SyncRequest

OVERRIDE_HINT = N_(
    "tick “allow the sync to deactivate more than the drop guard allows” (CLI: --force-sync)"
    " to apply it"
)
_EXAMPLES = 5


class SyncRunner(Protocol):
    """What the step needs of ``bot.sync.service.SyncService``."""

    async def run(self, request: SyncRequest, progress: Progress | None = None) -> SyncReport:
        """Run one sync; never raises for source, database or cache failures."""
        ...


def _examples(slugs: list[str], t: Translator) -> str:
    shown = ", ".join(slugs[:_EXAMPLES])
    more = len(slugs) - _EXAMPLES
    if more > 0:
        shown = t._("%(shown)s, +%(more)s more", shown=shown, more=more)
    return f" ({shown})" if slugs else ""


def diff_lines(plan: SyncPlan, *, dry_run: bool, t: Translator | None = None) -> list[str]:
    """The diff in a few lines: counts, with a few slugs each (in ``t``'s language)."""
    t = t or translator("en")
    added = [w.slug for w in plan.writes if w.change_type == "new"]
    updated = [w.slug for w in plan.writes if w.change_type != "new"]
    gone = [row.slug for row in plan.deactivate]
    if dry_run:
        changes = [
            t._("would add %(count)s%(examples)s", count=len(added), examples=_examples(added, t)),
            t._(
                "would update %(count)s%(examples)s",
                count=len(updated),
                examples=_examples(updated, t),
            ),
            t._(
                "would deactivate %(count)s%(examples)s",
                count=len(gone),
                examples=_examples(gone, t),
            ),
        ]
    else:
        changes = [
            t._("add %(count)s%(examples)s", count=len(added), examples=_examples(added, t)),
            t._("update %(count)s%(examples)s", count=len(updated), examples=_examples(updated, t)),
            t._("deactivate %(count)s%(examples)s", count=len(gone), examples=_examples(gone, t)),
        ]
    kept = t._(
        "%(unchanged)s unchanged; %(kept)s kept (their source failed)",
        unchanged=plan.unchanged,
        kept=len(plan.kept_unverified),
    )
    return [*changes, kept]


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

        t = ctx.t

        async def on_source(name: str, result: SourceResult) -> None:
            if result.reason:
                line = t._(
                    "source %(name)s: %(status)s (%(reason)s)",
                    name=name,
                    status=result.status,
                    reason=result.reason,
                )
            else:
                line = t._("source %(name)s: %(status)s", name=name, status=result.status)
            await ctx.note(line)

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
            for line in diff_lines(plan, dry_run=ctx.dry_run, t=t):
                ctx.add(line)
        self._judge(ctx, report)

    def _judge(self, ctx: StepContext, report: SyncReport) -> None:
        t = ctx.t
        outcome, reason = report.outcome, report.reason
        if outcome == "applied":
            ctx.add(t._("applied: %(rows)s model rows written", rows=report.rows_written))
            if report.cache_keys_cleared is not None:
                cleared = report.cache_keys_cleared
                ctx.add(t._("the sync cleared %(keys)s cache keys", keys=cleared))
            if reason:
                ctx.add(reason)
        elif outcome == "nothing_to_do":
            ctx.add(t._("nothing to change"))
        elif outcome == "dry_run":
            guard = report.guard
            if guard is not None and not guard.allowed:
                ctx.add(t._(OVERRIDE_HINT))
                raise StepFailedError(
                    t._("the drop guard would refuse it: %(reason)s", reason=guard.reason)
                )
            if guard is not None and guard.overridden:
                ctx.add(t._("the drop guard is overridden: %(reason)s", reason=guard.reason))
        elif outcome == "refused":
            ctx.add(t._(OVERRIDE_HINT))
            raise StepFailedError(
                t._("the drop guard refused it: %(reason)s; nothing changed", reason=reason)
            )
        elif outcome == "busy":
            raise StepFailedError(reason or t._("a sync is already running"))
        else:
            raise StepFailedError(reason or t._("the sync ended %(outcome)s", outcome=outcome))
