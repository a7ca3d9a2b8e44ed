"""The one factory that builds every long-lived client at start-up and closes them on exit."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import httpx
import psycopg
from psycopg_pool import PoolTimeout
from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.cache import build_redis
from bot.db import Database
from bot.dedupe import EventLedger
from bot.embedded import EmbeddedPostgres, EmbeddedRedis
from bot.health import HealthCheck
from bot.metrics import Metrics
from bot.operators import Operators
from bot.render import Renderer
from bot.secrets import Redactor
from bot.settings import Settings
from bot.sync.service import SyncService
from bot.work import WorkExecutor

log = logging.getLogger(__name__)

MIGRATION_RETRY_S = 10.0
REPLY_TIMEOUT_S = 10.0  # a reply to a response_url


@dataclass
class Runtime:
    """Everything a handler, job or CLI command needs, built once and passed in."""

    settings: Settings
    db: Database
    redis: Redis
    http: httpx.AsyncClient
    replies: aiohttp.ClientSession  # carries replies to Slack's response_urls
    renderer: Renderer
    metrics: Metrics
    health: HealthCheck
    sync: SyncService
    work: WorkExecutor
    database_url: str
    redis_url: str
    _embedded: list[EmbeddedPostgres | EmbeddedRedis] = field(default_factory=list)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    migrated: asyncio.Event = field(default_factory=asyncio.Event)
    redactor: Redactor = field(default_factory=Redactor)
    operators: Operators = field(default_factory=lambda: Operators(()))
    events: EventLedger = field(default_factory=lambda: EventLedger(None))
    # Extra /readyz checks by name (Socket Mode adds its connection state): "ok" or why not.
    readiness_checks: dict[str, Callable[[], Awaitable[str]]] = field(default_factory=dict)

    async def wait_idle(self, timeout_s: float) -> bool:
        """Wait until no acknowledged work is queued or running; False if some still was."""
        return await self.work.wait_idle(timeout_s)

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        """Run a background task for the runtime's lifetime (cancelled by ``close``)."""
        self._tasks.append(asyncio.create_task(work))

    async def record_error(self, error_id: str, source: str, summary: str) -> None:
        """Remember a failure for /health (redacted); never raises, even with the database down."""
        try:
            await self.db.record_error(error_id, source, self.redactor.redact(summary))
        except (PoolTimeout, psycopg.Error) as exc:
            log.warning("could not record error %s: %s", error_id, type(exc).__name__)

    async def close(self) -> None:
        """Close clients, stop background tasks and embedded servers."""
        await self.operators.close()
        await self.work.shutdown(0)
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.http.aclose()
        await self.replies.close()
        await self.redis.aclose()
        await self.db.close()
        for server in reversed(self._embedded):
            await asyncio.to_thread(server.stop)

    async def readiness(self, timeout_s: float = 2.0) -> dict[str, str]:
        """'ok' or the reason, for the database and the cache (for /readyz)."""

        async def database() -> str:
            async with self.db.connection(timeout_s) as conn:
                await conn.execute("SELECT 1")
            return "ok"

        async def cache() -> str:
            await self.redis.ping()
            return "ok"

        async def probe(check: Callable[[], Awaitable[str]]) -> str:
            try:
                return await asyncio.wait_for(check(), timeout_s)
            except (TimeoutError, PoolTimeout, psycopg.Error, RedisError, OSError) as exc:
                return f"unavailable: {type(exc).__name__}"

        checks = {"database": database, "cache": cache, **self.readiness_checks}
        states = await asyncio.gather(*(probe(check) for check in checks.values()))
        return dict(zip(checks, states, strict=True))


ALL_STORES = frozenset({"db", "cache"})
# A cache URL that is never connected to: for commands that do not use the cache at all.
UNUSED_CACHE_URL = "unix:///nonexistent/aisi-bot-cache-not-started.sock"


async def start_runtime(
    settings: Settings, *, migrate: bool = True, stores: frozenset[str] = ALL_STORES
) -> Runtime:
    """Start embedded servers if needed, open the pool and the cache client, migrate.

    ``stores`` names the stores this process uses ("db", "cache"): one left out is neither
    started (embedded) nor connected to, so `aisi-bot health cache` never opens a database
    pool and `aisi-bot health app` touches neither store.
    """
    embedded: list[EmbeddedPostgres | EmbeddedRedis] = []
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

    db = Database(database_url, connect_timeout_s=settings.probe_timeout_s)
    if "db" in stores:
        await db.open()
    redis = build_redis(redis_url, timeout_s=settings.probe_timeout_s)
    metrics = Metrics()
    work = WorkExecutor(
        workers=settings.work_workers, queue_length=settings.work_queue_length, metrics=metrics
    )
    work.start()
    http = httpx.AsyncClient(
        timeout=httpx.Timeout(settings.probe_timeout_s),
        follow_redirects=False,
        headers={"user-agent": "aisi-bot/0.1"},
    )
    from bot.health_probes import build_health_check
    from bot.sync_wiring import build_sync_service

    runtime = Runtime(
        settings=settings,
        db=db,
        redis=redis,
        http=http,
        replies=aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=REPLY_TIMEOUT_S)),
        renderer=Renderer(),
        metrics=metrics,
        health=HealthCheck([], probe_timeout_s=1, deadline_s=1),
        sync=SyncService(
            db=db,
            redis=redis,
            steps=[],
            cache_prefixes=(),
            max_deactivate_share=0,
            min_active_models=0,
        ),
        work=work,
        database_url=database_url,
        redis_url=redis_url,
        _embedded=embedded,
        redactor=Redactor(settings.secret_values()),
        operators=Operators(settings.operators, redis=redis),
        events=EventLedger(redis),
    )
    runtime.health = build_health_check(runtime)
    runtime.sync = build_sync_service(runtime)
    if migrate:
        runtime._tasks.append(asyncio.create_task(_migrate_until_done(runtime)))
    return runtime


async def _migrate_until_done(runtime: Runtime) -> None:
    """Apply migrations; while the database is down, retry every few seconds."""
    while True:
        try:
            applied = await runtime.db.migrate()
        except (PoolTimeout, psycopg.OperationalError) as exc:
            log.warning("database not reachable for migrations (%s); retrying", type(exc).__name__)
            await asyncio.sleep(MIGRATION_RETRY_S)
            continue
        if applied:
            log.info("database schema up to date (applied %s)", ", ".join(applied))
        runtime.migrated.set()
        return
