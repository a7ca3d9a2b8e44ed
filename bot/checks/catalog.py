"""The default source checks, assembled from clients and settings (the wiring calls this)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import httpx

from bot.checks.counts import CountGuard, app_count_reader, count_check, database_count_reader
from bot.checks.model import NamedCheck
from bot.checks.sources import BACKUP, SourceFetch, aa_api_check, app_health_check, fetch_check
from bot.stores.db import Database


@dataclass(frozen=True)
class SourceCheckSettings:
    """What the source checks need to know: where things are, and the thresholds.

    ``max_drop_share`` and ``min_active_models`` are ``sync.max_deactivate_share`` and
    ``sync.min_active_models``; ``aa_min_quota_left`` is how many AA requests must be left
    today, ``aa_min_interval_s`` how often AA may be asked at most (its daily quota);
    ``backup_max_age_days`` how old the GitHub backup may be.
    """

    app_base_url: str
    aa_base_url: str
    aa_key: str | None
    max_drop_share: float
    min_active_models: int
    timeout_s: float = 30.0
    aa_min_quota_left: int = 100
    aa_min_interval_s: float = 900.0
    backup_max_age_days: int = 7


def build_source_checks(
    settings: SourceCheckSettings,
    *,
    client: httpx.AsyncClient,
    db: Database,
    sources: Sequence[tuple[str, SourceFetch]],
) -> list[NamedCheck]:
    """AA (with its quota), each given source, the app's health and both model counts.

    ``sources`` are (name, fetch) pairs as the sync asks them, e.g. the provider listings
    and ``github_backup`` (its age is checked too). Leave out ``aa_api`` (checked here with
    its quota), the AA page (a 3.5 MB fallback the sync reads only when the API fails) and
    the defaults file (local, it cannot go down).
    """
    guard = CountGuard(settings.max_drop_share, settings.min_active_models)
    app, timeout = settings.app_base_url, settings.timeout_s
    checks = [
        aa_api_check(
            client=client,
            base_url=settings.aa_base_url,
            key=settings.aa_key,
            timeout_s=timeout,
            min_left=settings.aa_min_quota_left,
            min_interval_s=settings.aa_min_interval_s,
        )
    ]
    for name, fetch in sources:
        age = settings.backup_max_age_days if name == BACKUP else None
        checks.append(fetch_check(name, fetch, backup_max_age_days=age))
    checks += [
        app_health_check(client=client, base_url=app, timeout_s=timeout),
        count_check(
            "app",
            "App",
            app_count_reader(client=client, base_url=app, timeout_s=timeout),
            guard,
        ),
        count_check("database", "Database", database_count_reader(db, timeout_s=timeout), guard),
    ]
    return checks
