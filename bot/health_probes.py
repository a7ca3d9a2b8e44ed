"""Which probes /health runs, wired to the runtime's clients and settings."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from typing import TYPE_CHECKING

from bot.health import HealthCheck, NamedProbe
from bot.ops_probes import probe_last_sync, probe_recent_errors
from bot.probes.app import probe_app_health, probe_app_models
from bot.probes.base import ProbeResult
from bot.probes.keys import KEY_CHECKS, probe_key
from bot.probes.stores import probe_cache, probe_database
from bot.probes.vendors import probe_status_page
from bot.result_cache import RedisResultCache

if TYPE_CHECKING:
    from bot.runtime import Runtime

# provider → (secret environment name, base URL setting)
PROVIDER_KEYS: dict[str, tuple[str, str]] = {
    "openai": ("OPENAI_API_KEY", "OPENAI_BASE_URL"),
    "anthropic": ("ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL"),
    "google": ("GOOGLE_AI_API_KEY", "GOOGLE_AI_BASE_URL"),
    "replicate": ("REPLICATE_API_TOKEN", "REPLICATE_BASE_URL"),
    "artificial_analysis": ("ARTIFICIAL_ANALYSIS_API_KEY", "ARTIFICIAL_ANALYSIS_BASE_URL"),
}


def build_health_check(runtime: Runtime) -> HealthCheck:
    """The full set of probes for this runtime, in report order."""
    settings = runtime.settings
    timeout = settings.probe_timeout_s
    cache = RedisResultCache(runtime.redis)
    probes: list[NamedProbe] = []

    def add(name: str, group: str, run: Callable[[], Awaitable[ProbeResult]]) -> None:
        probes.append(NamedProbe(name, group, run))

    for provider, (secret_name, url_name) in PROVIDER_KEYS.items():
        secret = settings.secret(secret_name)
        add(
            KEY_CHECKS[provider].display_name,
            "keys",
            partial(
                probe_key,
                provider,
                secret.reveal() if secret else None,
                base_url=settings.urls[url_name],
                client=runtime.http,
                cache=cache,
                timeout_s=timeout,
            ),
        )
    add("Database", "db", partial(probe_database, runtime.db, timeout_s=timeout))
    add("Cache (Redis)", "cache", partial(probe_cache, runtime.redis, timeout_s=timeout))
    app_url = settings.urls["APP_BASE_URL"]
    add(
        "App health",
        "app",
        partial(probe_app_health, app_url, client=runtime.http, timeout_s=timeout),
    )
    add(
        "App models",
        "app",
        partial(probe_app_models, app_url, client=runtime.http, timeout_s=timeout),
    )
    for page in settings.status_pages:
        add(
            page.name,
            "vendors",
            partial(
                probe_status_page,
                page.name,
                page.kind,
                page.url,
                client=runtime.http,
                cache=cache,
                timeout_s=timeout,
                page_url=page.page_url,
            ),
        )
    add("Recent errors", "ops", partial(probe_recent_errors, runtime.db, timeout_s=timeout))
    add("Last sync", "ops", partial(probe_last_sync, runtime.db, timeout_s=timeout))
    return HealthCheck(
        probes,
        probe_timeout_s=timeout,
        deadline_s=settings.health_deadline_s,
        observe=runtime.metrics.observe_probe,
    )
