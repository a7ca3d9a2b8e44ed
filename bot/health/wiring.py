"""Which probes /health runs, built from the settings, the provider table and the clients."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial

import httpx
from redis.asyncio import Redis

from bot.health.check import HealthCheck, NamedProbe, ProbeObserver
from bot.health.ops import probe_last_sync, probe_recent_errors
from bot.health.probes.app import probe_app_health, probe_app_models
from bot.health.probes.base import ProbeResult
from bot.health.probes.keys import probe_key
from bot.health.probes.stores import probe_cache, probe_database
from bot.health.probes.vendors import probe_status_page
from bot.i18n.translator import N_
from bot.scheduling import job_statuses, probe_scheduler
from bot.settings.model import Settings
from bot.sources.provider_table import PROVIDERS
from bot.stores.db import Database
from bot.stores.result_cache import RedisResultCache


def build_health_check(
    settings: Settings,
    *,
    db: Database,
    redis: Redis,
    http: httpx.AsyncClient,
    observe: ProbeObserver | None = None,
) -> HealthCheck:
    """The full set of probes, in report order: keys, stores, app, vendors, the bot itself."""
    timeout = settings.probe_timeout_s
    cache = RedisResultCache(redis)
    probes: list[NamedProbe] = []

    def add(name: str, group: str, run: Callable[[], Awaitable[ProbeResult]]) -> None:
        probes.append(NamedProbe(name, group, run))

    for provider in PROVIDERS:
        check = partial(
            probe_key,
            provider.name,
            provider.key(settings),
            base_url=provider.base_url(settings),
            client=http,
            cache=cache,
            timeout_s=timeout,
        )
        add(provider.display_name, "keys", check)
    add(N_("Database"), "db", partial(probe_database, db, timeout_s=timeout))
    add(N_("Cache (Redis)"), "cache", partial(probe_cache, redis, timeout_s=timeout))
    app_url = settings.urls["APP_BASE_URL"]
    add(N_("App health"), "app", partial(probe_app_health, app_url, client=http, timeout_s=timeout))
    add(N_("App models"), "app", partial(probe_app_models, app_url, client=http, timeout_s=timeout))
    for page in settings.status_pages:
        status = partial(
            probe_status_page,
            page.name,
            page.kind,
            page.url,
            client=http,
            cache=cache,
            timeout_s=timeout,
            page_url=page.page_url,
        )
        add(page.name, "vendors", status)
    add(N_("Recent errors"), "ops", partial(probe_recent_errors, db, timeout_s=timeout))
    add(N_("Last sync"), "ops", partial(probe_last_sync, db, timeout_s=timeout))
    # Next runs from the configured triggers, last runs from job_runs: the same in every
    # replica and in `aisi-bot health ops`, which runs no scheduler.
    statuses = partial(job_statuses, db, config=settings.schedule, timeout_s=timeout)
    add(N_("Scheduler"), "ops", partial(probe_scheduler, statuses))
    return HealthCheck(
        probes, probe_timeout_s=timeout, deadline_s=settings.health_deadline_s, observe=observe
    )
