"""The bot's own checks: sources, the app, model counts (every 15 min) and keys (hourly).

Each check returns plain ``CheckResult``s whose ``check_id`` is the incident dedup key;
``CheckRunner`` raises or clears incidents through ``IncidentService.record_check`` and
stores the latest outcome of each check (``CheckResultStore``), which the daily report reads.
``build_source_checks`` and ``key_checks`` assemble the default checks.
"""

from bot.checks.catalog import SourceCheckSettings, build_source_checks
from bot.checks.counts import CountGuard, count_check, count_id, judge_count
from bot.checks.keys import KeyTarget, key_checks, key_id, key_result
from bot.checks.model import (
    CheckContext,
    CheckResult,
    CheckState,
    NamedCheck,
    StoredCheck,
)
from bot.checks.runner import CheckRun, CheckRunner
from bot.checks.sources import (
    aa_api_check,
    app_health_check,
    backup_age_result,
    fetch_check,
    quota_result,
    results_of_source,
    source_id,
)
from bot.checks.store import CheckResultStore

__all__ = [
    "CheckContext",
    "CheckResult",
    "CheckResultStore",
    "CheckRun",
    "CheckRunner",
    "CheckState",
    "CountGuard",
    "KeyTarget",
    "NamedCheck",
    "SourceCheckSettings",
    "StoredCheck",
    "aa_api_check",
    "app_health_check",
    "backup_age_result",
    "build_source_checks",
    "count_check",
    "count_id",
    "fetch_check",
    "judge_count",
    "key_checks",
    "key_id",
    "key_result",
    "quota_result",
    "results_of_source",
    "source_id",
]
