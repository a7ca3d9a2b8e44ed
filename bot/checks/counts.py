"""The active-model count against the last good count: ``models:count_drop:<where>``.

The count is compared with the *baseline*, the count at the last passing check, so a drop
that persists keeps failing (and, past the flap threshold, opens one incident) until the
count comes back. A drop a person accepted (they resolved the incident by hand) becomes the
new baseline at the next check.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx

from bot.checks.model import CheckContext, CheckResult, CheckState, NamedCheck, unknown
from bot.health.probes.app import probe_app_models
from bot.stores.db import Database

CountReader = Callable[[], Awaitable[tuple[int | None, str]]]


@dataclass(frozen=True)
class CountGuard:
    """``sync.max_deactivate_share`` and ``sync.min_active_models``."""

    max_drop_share: float
    min_active: int


def count_id(where: str) -> str:
    """'models:count_drop:app' or 'models:count_drop:database'."""
    return f"models:count_drop:{where}"


def judge_count(
    check_id: str,
    label: str,
    current: int,
    *,
    baseline: int | None,
    guard: CountGuard,
) -> CheckResult:
    """OK, or FAILED with the drop in words; the baseline moves only when it passes."""
    title = f"{label}: active model count dropped"
    facts: dict[str, int | float | None] = {"count": current, "baseline": baseline}
    if current < guard.min_active:
        detail = f"{current} active models, below sync.min_active_models ({guard.min_active})"
        if baseline is not None:
            detail += f"; was {baseline}"
        return CheckResult(check_id, CheckState.FAILED, title, detail, "below_minimum", facts=facts)
    if baseline and current < baseline * (1 - guard.max_drop_share):
        share = (baseline - current) / baseline
        detail = (
            f"fell from {baseline} to {current} (-{share:.0%}), more than"
            f" sync.max_deactivate_share ({guard.max_drop_share:.0%})"
        )
        return CheckResult(check_id, CheckState.FAILED, title, detail, "dropped", facts=facts)
    was = f" (was {baseline})" if baseline is not None and baseline != current else ""
    return CheckResult(
        check_id,
        CheckState.OK,
        title,
        f"{current} active models{was}",
        "ok",
        facts={"count": current, "baseline": current},
    )


def count_check(where: str, label: str, read: CountReader, guard: CountGuard) -> NamedCheck:
    """A count check: read the count, compare with the stored baseline."""
    check_id = count_id(where)

    async def run(ctx: CheckContext) -> list[CheckResult]:
        current, why = await read()
        if current is None:
            return [unknown(check_id, f"{label}: active model count dropped", why)]
        previous = await ctx.previous(check_id)
        baseline = previous.facts.get("baseline") if previous is not None else None
        baseline = baseline if isinstance(baseline, int) else None
        accepted = ""
        if (
            previous is not None
            and previous.state is CheckState.FAILED
            and previous.facts.get("alerted")
            and not await ctx.incident_open(check_id)
        ):
            accepted = f"; {current} accepted as the new baseline (the incident was resolved)"
            baseline = current
        result = judge_count(check_id, label, current, baseline=baseline, guard=guard)
        if accepted:
            return [
                CheckResult(
                    result.check_id,
                    result.state,
                    result.title,
                    result.detail + accepted,
                    result.status,
                    facts=result.facts,
                )
            ]
        return [result]

    return NamedCheck(f"count:{where}", check_id, run)


def app_count_reader(*, client: httpx.AsyncClient, base_url: str, timeout_s: float) -> CountReader:
    """The app's ``/api/v1/models?limit=1`` ``total`` (what users are served)."""

    async def read() -> tuple[int | None, str]:
        probe = await probe_app_models(base_url, client=client, timeout_s=timeout_s)
        total = probe.facts.get("total")
        if isinstance(total, int):
            return total, probe.detail
        return None, f"the app's model count is unknown: {probe.detail}"

    return read


def database_count_reader(db: Database, *, timeout_s: float) -> CountReader:
    """Active rows of ``public.models`` (what the sync wrote)."""

    async def read() -> tuple[int | None, str]:
        count = await db.count_active_models(timeout_s)
        return count, f"{count} active models"

    return read
