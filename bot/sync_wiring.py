"""Which sources /sync asks, in priority order, wired to the runtime's clients and settings."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from typing import TYPE_CHECKING

from bot.result_cache import RedisResultCache
from bot.sources.aa_api import fetch_aa_api
from bot.sources.aa_page import fetch_aa_page
from bot.sources.defaults import fetch_defaults
from bot.sources.github_backup import fetch_github_backup
from bot.sources.providers import (
    fetch_anthropic_models,
    fetch_google_models,
    fetch_openai_models,
    fetch_replicate_models,
)
from bot.sources.records import SourceResult
from bot.sync.service import SourceStep, SyncService

if TYPE_CHECKING:
    from bot.runtime import Runtime

ProviderFetch = Callable[..., Awaitable[SourceResult]]


def build_sync_service(runtime: Runtime) -> SyncService:
    """The sync with every source of the priority chain."""
    settings = runtime.settings
    http, timeout = runtime.http, settings.sync_source_timeout_s

    def key(name: str) -> str | None:
        secret = settings.secret(name)
        return secret.reveal() if secret else None

    def provider(name: str, fetch: ProviderFetch, secret: str, url: str) -> SourceStep:
        run = partial(
            fetch, client=http, base_url=settings.urls[url], key=key(secret), timeout_s=timeout
        )
        return SourceStep(name, frozenset({"providers", name}), run)

    aa_api = partial(
        fetch_aa_api,
        client=http,
        base_url=settings.urls["ARTIFICIAL_ANALYSIS_BASE_URL"],
        key=key("ARTIFICIAL_ANALYSIS_API_KEY"),
        timeout_s=timeout,
        cache=RedisResultCache(runtime.redis),
    )

    def aa_api_within(max_age_s: float | None) -> Awaitable[SourceResult]:
        return aa_api(max_age_s=max_age_s)

    steps = [
        provider("openai", fetch_openai_models, "OPENAI_API_KEY", "OPENAI_BASE_URL"),
        provider("anthropic", fetch_anthropic_models, "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL"),
        provider("google", fetch_google_models, "GOOGLE_AI_API_KEY", "GOOGLE_AI_BASE_URL"),
        provider("replicate", fetch_replicate_models, "REPLICATE_API_TOKEN", "REPLICATE_BASE_URL"),
        SourceStep("aa_api", frozenset({"aa"}), aa_api, fetch_max_age=aa_api_within),
        SourceStep(
            "aa_page",
            frozenset({"aa"}),
            partial(
                fetch_aa_page,
                client=http,
                base_url=settings.urls["ARTIFICIAL_ANALYSIS_BASE_URL"],
                timeout_s=timeout,
            ),
            fallback_for="aa_api",
        ),
        SourceStep(
            "github_backup",
            frozenset({"github"}),
            partial(
                fetch_github_backup,
                client=http,
                url=settings.urls["GITHUB_BACKUP_URL"],
                timeout_s=timeout,
            ),
        ),
        SourceStep("defaults", frozenset({"defaults"}), fetch_defaults),
    ]
    return SyncService(
        db=runtime.db,
        redis=runtime.redis,
        steps=steps,
        cache_prefixes=settings.cache_key_prefixes,
        max_deactivate_share=settings.sync_max_deactivate_share,
        min_active_models=settings.sync_min_active_models,
        source_timeout_s=timeout * 2,
        person_fresh_window_s=settings.aa_fresh_window_s,
    )
