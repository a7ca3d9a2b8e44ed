"""The one composition root: settings → stores and clients → services → a complete Runtime.

Every entry point starts through here: ``aisi-bot serve`` (HTTP and Socket Mode), local
mode, the other CLI commands (``build_runtime`` with only the stores they need) and the
test harness. ``running_bot`` is the one start-up and shutdown sequence of a serving bot.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial

import aiohttp
import httpx
from slack_bolt.async_app import AsyncApp

from bot.app.embedded import EmbeddedPostgres, EmbeddedRedis, EmbeddedServer
from bot.app.incidents import build_incidents, keep_incidents_moving, level2_people
from bot.app.lifecycle import finish_work
from bot.app.looplag import watch_loop_lag
from bot.app.metrics import Metrics
from bot.app.runtime import Runtime
from bot.app.scheduling import (
    build_job_services,
    replica_id,
    serving_scheduler,
    start_when_migrated,
    stop_scheduler,
)
from bot.app.work import WorkExecutor
from bot.health.wiring import build_health_check
from bot.home import HomeReader, HomeViewers
from bot.recovery.wiring import build_recovery
from bot.reports import ReportBuilder
from bot.settings.model import Settings
from bot.settings.secrets import Redactor
from bot.slack.client import build_web_client, channel_poster, usergroup_members
from bot.slack.home import HomePublisher
from bot.slack.locale import UserLocales, slack_locale_lookup
from bot.slack.operators import Operators
from bot.slack.render import Renderer
from bot.stores.audit import AuditLog
from bot.stores.cache import build_redis
from bot.stores.db import Database
from bot.stores.dedupe import EventLedger
from bot.sync.wiring import build_sync_service
from handlers import build_bolt_app
from handlers.web import build_web_app, start_site

log = logging.getLogger(__name__)

ALL_STORES = frozenset({"db", "cache"})
# A cache URL that is never connected to: for commands that do not use the cache at all.
UNUSED_CACHE_URL = "unix:///nonexistent/aisi-bot-cache-not-started.sock"
REPLY_TIMEOUT_S = 10.0  # a reply to a response_url
USER_AGENT = "aisi-bot/0.1"


@dataclass(frozen=True)
class StoreUrls:
    """Where the database and the cache are, and the embedded servers started for them."""

    database: str
    cache: str
    embedded: list[EmbeddedServer]


async def start_stores(settings: Settings, stores: frozenset[str] = ALL_STORES) -> StoreUrls:
    """The configured store URLs; an embedded server for each store used but not configured.

    A store left out of ``stores`` is neither started nor connected to, so `aisi-bot health
    cache` never opens a database pool and `aisi-bot health app` touches neither store.
    """
    embedded: list[EmbeddedServer] = []
    if settings.database_url is not None:
        database_url = settings.database_url.reveal()
    elif "db" in stores:
        pg = EmbeddedPostgres(settings.data_dir)
        database_url = await asyncio.to_thread(pg.start)
        embedded.append(pg)
    else:
        database_url = ""
    if settings.redis_url is not None:
        redis_url = settings.redis_url.reveal()
    elif "cache" in stores:
        rd = EmbeddedRedis(settings.data_dir)
        try:
            redis_url = await asyncio.to_thread(rd.start)
        except BaseException:
            for server in embedded:  # never leave the database running behind a failed start
                await asyncio.to_thread(server.stop)
            raise
        embedded.append(rd)
    else:
        redis_url = UNUSED_CACHE_URL
    return StoreUrls(database_url, redis_url, embedded)


async def build_runtime(
    settings: Settings, *, stores: frozenset[str] = ALL_STORES, migrate: bool = True
) -> Runtime:
    """Every client and service, built once; ``migrate`` applies the migrations in the
    background (``runtime.migrated`` is set when done)."""
    urls = await start_stores(settings, stores)
    db = Database(urls.database, connect_timeout_s=settings.probe_timeout_s)
    if "db" in stores:
        await db.open()
    redis = build_redis(urls.cache, timeout_s=settings.probe_timeout_s)
    metrics = Metrics()
    http = httpx.AsyncClient(
        timeout=httpx.Timeout(settings.probe_timeout_s),
        follow_redirects=False,
        headers={"user-agent": USER_AGENT},
    )
    token = settings.secret("SLACK_BOT_TOKEN")
    slack = build_web_client(
        token=token.reveal() if token else "", base_url=settings.urls["SLACK_API_URL"]
    )
    work = WorkExecutor(
        workers=settings.work_workers, queue_length=settings.work_queue_length, metrics=metrics
    )
    work.start()
    renderer = Renderer(timezone=settings.schedule.timezone)
    health = build_health_check(
        settings, db=db, redis=redis, http=http, observe=metrics.observe_probe
    )
    lookup = partial(usergroup_members, slack)
    # Each person's language (their Slack locale, asked after the ack and cached); the
    # channel keeps slack.language.
    locales = UserLocales(slack_locale_lookup(slack), default=settings.language, redis=redis)
    home = HomePublisher(
        slack=slack,
        renderer=renderer,
        reader=HomeReader(db, schedule=settings.schedule, timeout_s=settings.probe_timeout_s),
        viewers=HomeViewers(redis),
        locales=locales,
        channel=settings.channel,
        enabled=token is not None,
    )
    incidents, incident_side = build_incidents(
        settings,
        db=db,
        http=http,
        slack=slack,
        renderer=renderer,
        metrics=metrics,
        health=health,
        level2=level2_people(settings, lookup=lookup, redis=redis),
        on_change=home.refresh_soon,
    )
    reports = ReportBuilder(db, incidents=incidents, timezone=settings.schedule.timezone)
    sync = build_sync_service(
        settings, db=db, redis=redis, http=http, after_apply=reports.snapshot_counts
    )
    operators = Operators(settings.operators, lookup=lookup, redis=redis)
    runtime = Runtime(
        settings=settings,
        db=db,
        redis=redis,
        http=http,
        replies=aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=REPLY_TIMEOUT_S)),
        slack=slack,
        renderer=renderer,
        metrics=metrics,
        health=health,
        sync=sync,
        recovery=build_recovery(
            settings,
            db=db,
            redis=redis,
            http=http,
            sync=sync,
            operators=operators,
            incidents=incidents,
        ),
        work=work,
        operators=operators,
        events=EventLedger(redis),
        audit=AuditLog(db),
        redactor=Redactor(settings.secret_values()),
        incidents=incidents,
        incident_side=incident_side,
        reports=reports,
        locales=locales,
        home=home,
        embedded=urls.embedded,
    )
    if migrate:
        runtime.migrate_in_background()
    return runtime


@dataclass
class RunningBot:
    """A serving bot: its runtime, its Bolt app and the port its web server bound."""

    runtime: Runtime
    bolt: AsyncApp
    port: int
    shutdown_deadline: float | None = None

    def begin_shutdown(self) -> None:
        """Start the grace period now (the first call counts; the exit calls it too)."""
        if self.shutdown_deadline is None:
            grace = self.runtime.settings.shutdown_grace_s
            self.shutdown_deadline = time.monotonic() + grace


@asynccontextmanager
async def running_bot(
    settings: Settings, *, host: str, port: int, http_events: bool = True
) -> AsyncIterator[RunningBot]:
    """Build the runtime, learn from Slack what serving needs (the members of the user groups
    in auth.operators and of the Level 2 groups: a group Slack refuses is a ConfigError),
    start the incident timers, build the Bolt app and serve /slack/events (when
    ``http_events``), /alerts, /healthz, /readyz and /metrics.

    The scheduled jobs (``[schedule]``) start once the schema is up to date and post to
    ``slack.channel``.

    On exit: no new scheduled firings, stop taking requests, let acknowledged work and
    running firings finish within the grace period (counted from ``begin_shutdown``; a
    firing still running then is recorded ``interrupted``), close every client and stop the
    embedded servers.
    """
    runtime = await build_runtime(settings)
    try:
        runtime.spawn(watch_loop_lag(runtime.metrics.observe_loop_lag))
        await runtime.operators.resolve()
        await runtime.incident_side.level2.resolve()
        bolt = build_bolt_app(runtime)
        web_app = build_web_app(runtime, bolt if http_events else None)
        services = build_job_services(
            runtime,
            channel_poster(runtime.slack, settings.channel),
            alert_on_missing_keys=settings.slack_mode != "local",  # a trial has no keys
        )
        runner, bound = await start_site(web_app, host, port)
        running = RunningBot(runtime, bolt, bound)
        replica = replica_id(settings, bound)
        runtime.spawn(
            keep_incidents_moving(
                runtime.incidents, runtime.incident_side, ready=runtime.migrated, replica=replica
            )
        )
        scheduler = serving_scheduler(runtime, services, replica=replica)
        starting = asyncio.ensure_future(start_when_migrated(runtime, scheduler))
        try:
            yield running
        finally:
            running.begin_shutdown()
            assert running.shutdown_deadline is not None
            left = running.shutdown_deadline - time.monotonic()
            stopping = asyncio.ensure_future(stop_scheduler(scheduler, starting, wait_s=left))
            await runner.cleanup()
            await finish_work(runtime.work, running.shutdown_deadline)
            await stopping
    finally:
        await runtime.close()
