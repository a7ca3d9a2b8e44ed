"""The diff between merged models and the table, and the drop guard that refuses damage."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from bot.i18n.said import Said
from bot.i18n.translator import N_
from bot.sources.records import normalise_model_slug, normalise_provider
from bot.sync.merge import MERGED_FIELDS, MergedModel

# Columns the sync owns, as stored (ints rounded, prices to 4 places like numeric(10,4)).
SYNCED_COLUMNS: tuple[str, ...] = (*MERGED_FIELDS, "data_source")
_INT_COLUMNS = frozenset(
    {"intelligence_score", "output_speed", "context_window", "max_output_tokens"}
)
_PRICE_COLUMNS = frozenset({"input_price", "output_price"})


@dataclass(frozen=True)
class ExistingModel:
    """A row of public.models as the sync sees it."""

    id: str
    slug: str
    provider_slug: str
    is_active: bool
    values: dict[str, object]


@dataclass(frozen=True)
class RowWrite:
    """A row to insert or update, with the fields that change (old, new)."""

    slug: str
    provider_slug: str
    provider_name: str
    change_type: str  # 'new' | 'updated'
    values: dict[str, object]
    changed: dict[str, tuple[object, object]]
    existing_id: str | None = None


@dataclass
class SyncPlan:
    """What a sync would do: writes, deactivations, counts, and where models came from."""

    writes: list[RowWrite] = field(default_factory=list)
    unchanged: int = 0
    deactivate: list[ExistingModel] = field(default_factory=list)
    kept_unverified: list[ExistingModel] = field(default_factory=list)
    active_before: int = 0
    from_source: Counter[str] = field(default_factory=Counter)

    @property
    def added(self) -> int:
        return sum(1 for w in self.writes if w.change_type == "new")

    @property
    def updated(self) -> int:
        return sum(1 for w in self.writes if w.change_type == "updated")

    @property
    def active_after(self) -> int:
        reactivated = sum(1 for w in self.writes if "is_active" in w.changed)
        return self.active_before + self.added + reactivated - len(self.deactivate)


@dataclass(frozen=True)
class GuardDecision:
    """Whether the plan may be applied, and why not."""

    allowed: bool
    reason: str = ""
    overridden: bool = False


def match_key(provider_slug: str, slug: str) -> tuple[str, str]:
    """How a source's model finds its existing row whatever the row's slug style.

    The app's own rows use slugs like 'google-gemini-1.5-pro' (provider prefix, dots); the
    sources give 'gemini-1.5-pro' or 'gemini-1-5-pro'. A mismatch here once hid a whole
    provider's models, and would make every sync look like "all models vanished".
    """
    provider = normalise_provider(provider_slug)
    model = normalise_model_slug(slug)
    prefix = provider + "-"
    return provider, model.removeprefix(prefix) if model != prefix else model


def stored_value(column: str, value: object) -> object:
    """A value as the table stores it, so an unchanged resync compares equal."""
    if value is None:
        return None
    if column in _INT_COLUMNS:
        if isinstance(value, int):
            return value
        return int(Decimal(str(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if column in _PRICE_COLUMNS:
        return Decimal(str(value)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
    return str(value)


def _desired(model: MergedModel) -> dict[str, object]:
    values = {c: stored_value(c, model.values.get(c)) for c in SYNCED_COLUMNS if c != "data_source"}
    values["data_source"] = model.data_source
    return values


def plan_sync(
    merged: Sequence[MergedModel],
    existing: Sequence[ExistingModel],
    *,
    complete: bool,
    unverified_sources: Collection[str],
    priority: Sequence[str] = (),
) -> SyncPlan:
    """Diff merged models against the table.

    ``complete``: every source was asked, so a model absent from all of them may be
    deactivated; ``unverified_sources`` failed or were skipped, so models that came from
    them are kept (a failing source never wipes models), and a lower-priority source does
    not overwrite values that came from a higher-priority source that failed this time.
    """
    rank = {source: index for index, source in enumerate(priority)}
    plan = SyncPlan(active_before=sum(1 for row in existing if row.is_active))
    rows = {row.slug: row for row in existing}
    by_key: dict[tuple[str, str], ExistingModel] = {}
    for existing_row in existing:
        by_key.setdefault(match_key(existing_row.provider_slug, existing_row.slug), existing_row)
    seen: set[str] = set()
    for model in merged:
        plan.from_source[model.data_source] += 1
        desired = _desired(model)
        row = rows.get(model.slug) or by_key.get(match_key(model.provider_slug, model.slug))
        seen.add(row.slug if row is not None else model.slug)
        if row is None:
            changed: dict[str, tuple[object, object]] = {
                c: (None, v) for c, v in desired.items() if v is not None
            }
            plan.writes.append(
                RowWrite(
                    model.slug, model.provider_slug, model.provider_name, "new", desired, changed
                )
            )
            continue
        previous = str(row.values.get("data_source") or "")
        if previous in unverified_sources and rank.get(previous, 99) < rank.get(
            model.data_source, 99
        ):
            plan.kept_unverified.append(row)
            continue
        # A value the sources no longer have is kept, not erased: nothing is lost.
        changed = {
            c: (row.values.get(c), v)
            for c, v in desired.items()
            if v is not None and row.values.get(c) != v
        }
        if not row.is_active:
            changed["is_active"] = (False, True)
        if changed:
            merged_values = {
                c: (v if v is not None else row.values.get(c)) for c, v in desired.items()
            }
            plan.writes.append(
                RowWrite(
                    model.slug,
                    model.provider_slug,
                    model.provider_name,
                    "updated",
                    merged_values,
                    changed,
                    existing_id=row.id,
                )
            )
        else:
            plan.unchanged += 1
    if complete:
        for row in existing:
            if row.slug in seen or not row.is_active:
                continue
            if row.values.get("data_source") in unverified_sources:
                plan.kept_unverified.append(row)
            else:
                plan.deactivate.append(row)
    return plan


def check_guard(plan: SyncPlan, *, max_share: float, min_active: int, force: bool) -> GuardDecision:
    """Refuse a plan that deactivates too large a share or leaves too few active models."""
    problems: list[Said] = []
    if plan.active_before and len(plan.deactivate) / plan.active_before > max_share:
        share = f"{len(plan.deactivate) / plan.active_before:.0%}"
        limit = f"{max_share:.0%}"
        problems.append(
            Said(
                N_(
                    "it would deactivate %(num)s of %(total)s active models"
                    " (%(share)s, limit %(limit)s)"
                ),
                num=len(plan.deactivate),
                total=plan.active_before,
                share=share,
                limit=limit,
            )
        )
    if plan.deactivate and plan.active_after < min_active:
        problems.append(
            Said(
                N_("it would leave %(num)s active models (floor %(floor)s)"),
                num=plan.active_after,
                floor=min_active,
            )
        )
    if not problems:
        return GuardDecision(True)
    reason = Said.joined("; ", problems)
    if force:
        return GuardDecision(True, reason, overridden=True)
    refused = Said(
        N_("%(problems)s. Re-run with --force if this is really intended."), problems=reason
    )
    return GuardDecision(False, refused)
