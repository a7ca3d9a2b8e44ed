"""The five scheduled jobs built from a Runtime, and the scheduler's life in a serving bot.

Slack-free: the composition root (``bot.app.wiring``) hands in the function that posts to the
channel. ``serving_scheduler`` builds the scheduler with every job registered;
``start_when_migrated`` starts it once ``chatops.job_runs`` exists.

The replica id names this process in ``chatops.job_runs``: ``BOT_REPLICA_ID`` when set,
else ``<hostname>:<port>`` — stable across a restart of the same pod (a Kubernetes pod's
hostname is its name; the port is fixed), so firings its previous life left ``running``
are marked ``interrupted`` at start; and distinct for processes sharing a host (they
cannot bind the same port).
"""

from __future__ import annotations

import asyncio
import logging
import socket

from bot.app.runtime import Runtime
from bot.checks import (
    CheckResultStore,
    CheckRunner,
    KeyTarget,
    SourceCheckSettings,
    build_source_checks,
    key_checks,
)
from bot.scheduling.scheduler import Scheduler
from bot.settings.model import Settings
from bot.slack.post import PostMessage
from bot.sources.provider_table import ARTIFICIAL_ANALYSIS, PROVIDERS
from bot.stores.result_cache import RedisResultCache
from jobs.catalog import JobServices, register_all

log = logging.getLogger(__name__)

# Sync steps the source checks leave out: AA is checked with its quota by its own check, its
# page is a 3.5 MB fallback read only when the API fails, the defaults file cannot go down.
NOT_CHECKED = frozenset({"aa_api", "aa_page", "defaults"})


def replica_id(settings: Settings, port: int) -> str:
    """``BOT_REPLICA_ID``, else ``<hostname>:<port>`` (see the module docstring)."""
    return settings.replica_id or f"{socket.gethostname()}:{port}"


def build_job_services(
    runtime: Runtime, post: PostMessage, *, alert_on_missing_keys: bool = True
) -> JobServices:
    """Everything the five jobs need, from the runtime's clients and services."""
    settings = runtime.settings
    sources = [
        (step.name, step.fetch)
        for step in runtime.sync.steps_for("all")
        if step.name not in NOT_CHECKED
    ]
    checks = build_source_checks(
        SourceCheckSettings(
            app_base_url=settings.urls["APP_BASE_URL"],
            aa_base_url=ARTIFICIAL_ANALYSIS.base_url(settings),
            aa_key=ARTIFICIAL_ANALYSIS.key(settings),
            max_drop_share=settings.sync_max_deactivate_share,
            min_active_models=settings.sync_min_active_models,
            timeout_s=settings.sync_source_timeout_s,
        ),
        client=runtime.http,
        db=runtime.db,
        sources=sources,
    )
    keys = key_checks(
        [KeyTarget(p.name, p.key(settings), p.base_url(settings)) for p in PROVIDERS],
        client=runtime.http,
        cache=RedisResultCache(runtime.redis),
        timeout_s=settings.probe_timeout_s,
        alert_on_missing=alert_on_missing_keys,
    )
    runner = CheckRunner(
        incidents=runtime.incidents,
        store=CheckResultStore(runtime.db),
        check_timeout_s=max(settings.sync_source_timeout_s, settings.probe_timeout_s) + 5,
    )
    return JobServices(
        reports=runtime.reports,
        renderer=runtime.renderer,
        post=post,
        check_runner=runner,
        source_checks=checks,
        key_checks=keys,
        sync=runtime.sync,
        incidents=runtime.incidents,
        language=runtime.settings.language,  # the channel's language, whoever reads it
    )


def serving_scheduler(runtime: Runtime, services: JobServices, *, replica: str) -> Scheduler:
    """The scheduler with every job registered (not started); also ``runtime.scheduler``."""
    scheduler = Scheduler(runtime.db, config=runtime.settings.schedule, replica=replica)
    enabled = register_all(scheduler, services)
    log.info(
        "scheduler: replica %s, jobs %s (%s)",
        replica,
        ", ".join(enabled) or "none (every job is off)",
        runtime.settings.schedule.timezone,
    )
    runtime.scheduler = scheduler
    return scheduler


async def start_when_migrated(runtime: Runtime, scheduler: Scheduler) -> None:
    """Start firing once the schema is up to date (job_runs exists); catches up at start."""
    await runtime.migrated.wait()
    try:
        await scheduler.start()
    except Exception:  # the bot keeps serving without scheduled work (logged with the cause)
        log.exception("scheduler: could not start; no scheduled work in this replica")
    runtime.mark_ready()
    log.info("aisi-bot ready: schema up to date, scheduler started")


async def stop_scheduler(
    scheduler: Scheduler, starting: asyncio.Future[None], *, wait_s: float
) -> None:
    """No new firings from now on; running ones get ``wait_s`` to finish, then are cancelled
    and recorded ``interrupted``."""
    starting.cancel()
    await asyncio.gather(starting, return_exceptions=True)
    await scheduler.shutdown(wait_s=max(0.0, wait_s))
