"""What a sync is asked (``SyncRequest``, ``/sync`` arguments) and what it reports."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.sources.provider_table import PROVIDERS
from bot.sources.records import SourceResult
from bot.sync.plan import GuardDecision, SyncPlan
from bot.sync.validate import Violation


@dataclass(frozen=True)
class SourceStep:
    """One source the sync can ask: its name, the scope words that select it, how to fetch."""

    name: str
    scopes: frozenset[str]
    fetch: Callable[[], Awaitable[SourceResult]]
    fallback_for: str = ""  # run only when this other step did not succeed
    # A cached source (the AA API): fetch taking the oldest cached answer acceptable, in
    # seconds (None: whatever the cache holds). Used instead of ``fetch`` when set.
    fetch_max_age: Callable[[float | None], Awaitable[SourceResult]] | None = None


@dataclass(frozen=True)
class SyncRequest:
    """Parsed /sync arguments and who asked."""

    scope: str
    dry_run: bool
    force: bool
    trigger: str


@dataclass
class SyncReport:
    """Everything the summary shows."""

    request: SyncRequest
    # applied | dry_run | refused | failed | busy | nothing_to_do | interrupted
    outcome: str = "running"
    stage: str = "starting"  # starting | fetching | writing | written
    reason: str = ""
    run_id: int | None = None
    sources: list[tuple[str, SourceResult]] = field(default_factory=list)
    plan: SyncPlan | None = None
    guard: GuardDecision | None = None
    violations: list[Violation] = field(default_factory=list)
    rows_written: int = 0
    cache_keys_cleared: int | None = None
    duration_ms: float = 0.0
    holder: str = ""
    not_needed: list[str] = field(default_factory=list)  # fallbacks skipped: primary delivered
    covered: list[str] = field(default_factory=list)  # primaries that failed, fallback delivered

    @property
    def expected(self) -> list[str]:
        """The sources this sync needed: every one asked, less fallbacks that were not needed
        and primaries whose fallback delivered in their place."""
        excused = {*self.not_needed, *self.covered}
        return [name for name, _ in self.sources if name not in excused]

    @property
    def delivered(self) -> list[str]:
        """The sources that delivered models (a missing key or an empty answer delivers none)."""
        return [n for n, r in self.sources if r.status == "ok" and r.records and n in self.expected]

    @property
    def partial(self) -> bool:
        """True when the sync ran on less than it needed: some source failed or was skipped."""
        ran = self.outcome in ("applied", "nothing_to_do", "dry_run")
        return ran and len(self.delivered) < len(self.expected)
    not_finished: list[str] = field(default_factory=list)  # sources an interruption cut off


# The scope words: everything, the provider listings (each by name), AA, the backup, defaults.
ALL_SCOPES = (
    "all",
    "providers",
    *(provider.name for provider in PROVIDERS if provider.listing is not None),
    "aa",
    "github",
    "defaults",
)
