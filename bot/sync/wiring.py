"""Which sources /sync asks, in priority order, built from the settings and the provider table."""

from __future__ import annotations

from collections.abc import Awaitable
from functools import partial

import httpx
from redis.asyncio import Redis

from bot.settings.model import Settings
from bot.sources.aa_api import fetch_aa_api
from bot.sources.aa_page import fetch_aa_page
from bot.sources.defaults import fetch_defaults
from bot.sources.github_backup import fetch_github_backup
from bot.sources.provider_table import ARTIFICIAL_ANALYSIS, PROVIDERS
from bot.sources.records import SourceResult
from bot.stores.db import Database
from bot.stores.result_cache import RedisResultCache
from bot.sync.service import AfterApply, SourceStep, SyncService


def build_source_steps(
    settings: Settings, *, http: httpx.AsyncClient, redis: Redis | None
) -> list[SourceStep]:
    """The priority chain: provider listings, the AA API (else its page), the GitHub backup,
    the packaged defaults. ``redis`` keeps the AA answer (a daily quota); None: no cache."""
    timeout = settings.sync_source_timeout_s
    steps = [
        SourceStep(
            provider.name,
            frozenset({"providers", provider.name}),
            partial(
                provider.listing,
                client=http,
                base_url=provider.base_url(settings),
                key=provider.key(settings),
                timeout_s=timeout,
            ),
        )
        for provider in PROVIDERS
        if provider.listing is not None
    ]
    aa_base = ARTIFICIAL_ANALYSIS.base_url(settings)
    aa_api = partial(
        fetch_aa_api,
        client=http,
        base_url=aa_base,
        key=ARTIFICIAL_ANALYSIS.key(settings),
        timeout_s=timeout,
        cache=RedisResultCache(redis) if redis is not None else None,
    )

    def aa_api_within(max_age_s: float | None) -> Awaitable[SourceResult]:
        return aa_api(max_age_s=max_age_s)

    aa_page = partial(fetch_aa_page, client=http, base_url=aa_base, timeout_s=timeout)
    backup = partial(
        fetch_github_backup, client=http, url=settings.urls["GITHUB_BACKUP_URL"], timeout_s=timeout
    )
    return [
        *steps,
        SourceStep("aa_api", frozenset({"aa"}), aa_api, fetch_max_age=aa_api_within),
        SourceStep("aa_page", frozenset({"aa"}), aa_page, fallback_for="aa_api"),
        SourceStep("github_backup", frozenset({"github"}), backup),
        SourceStep("defaults", frozenset({"defaults"}), fetch_defaults),
    ]


def build_sync_service(
    settings: Settings,
    *,
    db: Database,
    redis: Redis,
    http: httpx.AsyncClient,
    after_apply: AfterApply | None = None,
) -> SyncService:
    """The sync with every source of the priority chain; ``after_apply`` runs after each
    applied sync (today's model counts)."""
    return SyncService(
        db=db,
        redis=redis,
        steps=build_source_steps(settings, http=http, redis=redis),
        cache_prefixes=settings.cache_key_prefixes,
        max_deactivate_share=settings.sync_max_deactivate_share,
        min_active_models=settings.sync_min_active_models,
        source_timeout_s=settings.sync_source_timeout_s * 2,
        person_fresh_window_s=settings.aa_fresh_window_s,
        after_apply=after_apply,
    )
