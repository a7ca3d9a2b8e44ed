"""The Runtime: every long-lived client and service, built once (``bot.app.wiring``) and passed in.

This module holds the Runtime and its lifecycle only (migrations in the background, the
readiness checks, closing); what goes into it is decided by the composition root.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import httpx
import psycopg
from psycopg_pool import PoolTimeout
from redis.asyncio import Redis
from redis.exceptions import RedisError
from slack_sdk.web.async_client import AsyncWebClient

from bot.app.embedded import EmbeddedServer
from bot.app.incidents import IncidentSide
from bot.app.metrics import Metrics
from bot.app.work import WorkExecutor
from bot.health.check import HealthCheck
from bot.incidents import IncidentService
from bot.recovery.service import RecoveryService
from bot.reports import ReportBuilder
from bot.scheduling import Scheduler
from bot.settings.model import Settings
from bot.settings.secrets import Redactor
from bot.slack.home import HomePublisher
from bot.slack.locale import UserLocales
from bot.slack.operators import Operators
from bot.slack.render import Renderer
from bot.stores.audit import AuditLog
from bot.stores.db import Database
from bot.stores.dedupe import EventLedger
from bot.sync.service import SyncService

log = logging.getLogger(__name__)

MIGRATION_RETRY_S = 10.0
READINESS_MAX_AGE_S = 1.0  # /readyz reuses a store probe this long


@dataclass
class Runtime:
    """Everything a handler, job or CLI command needs, built once and passed in."""

    settings: Settings
    db: Database
    redis: Redis
    http: httpx.AsyncClient
    replies: aiohttp.ClientSession  # carries replies to Slack's response_urls
    slack: AsyncWebClient
    renderer: Renderer
    metrics: Metrics
    health: HealthCheck
    sync: SyncService
    recovery: RecoveryService
    work: WorkExecutor
    operators: Operators
    events: EventLedger
    audit: AuditLog
    redactor: Redactor
    incidents: IncidentService  # the one entry point: /alerts, buttons, CLI, checks, timers
    incident_side: IncidentSide  # its Slack notifier, Level 2 people, metrics, timer loops
    reports: ReportBuilder  # the daily report, and today's model counts for its trend
    locales: UserLocales  # each person's language (Slack locale); the channel: slack.language
    home: HomePublisher  # App Home: published when opened, refreshed when an incident changes
    embedded: list[EmbeddedServer] = field(default_factory=list)
    scheduler: Scheduler | None = None  # set by a serving bot (bot.app.scheduling)
    migrated: asyncio.Event = field(default_factory=asyncio.Event)
    # Set once migrations are applied and the scheduler has started: /readyz may say 200.
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    # Set when requests may be taken: at ``ready``, or when the first migration attempt found
    # the database unreachable (the bot then serves degraded and names the database down).
    accepting: asyncio.Event = field(default_factory=asyncio.Event)
    # Extra /readyz checks by name (Socket Mode adds its connection state): "ok" or why not.
    readiness_checks: dict[str, Callable[[], Awaitable[str]]] = field(default_factory=dict)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _readiness_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _readiness: tuple[float, dict[str, str]] | None = None

    async def language_of(self, user_id: str | None) -> str:
        """The language a reply to ``user_id`` is written in: their Slack locale's when known,
        else ``slack.language``. May ask Slack (bounded): call it after the ack."""
        return await self.locales.language(user_id)

    def known_language(self, user_id: str | None) -> str:
        """The language of ``user_id`` as already known here, without asking (for an ack)."""
        return self.locales.known_language(user_id)

    async def wait_idle(self, timeout_s: float) -> bool:
        """Wait until no acknowledged work is queued or running; False if some still was."""
        return await self.work.wait_idle(timeout_s)

    def mark_ready(self) -> None:
        """Start-up is done (migrations applied, the scheduler started): take requests."""
        self.ready.set()
        self.accepting.set()

    def startup_state(self) -> str:
        """'ok' once ready, else what start-up is still doing (for /readyz and the 503s)."""
        if self.ready.is_set():
            return "ok"
        if not self.migrated.is_set():
            if self.accepting.is_set():
                return "migrations waiting for the database"
            return "migrations running"
        return "starting the scheduler"

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        """Run a background task for the runtime's lifetime (cancelled by ``close``)."""
        self._tasks.append(asyncio.create_task(work))

    def migrate_in_background(self) -> None:
        """Apply the migrations; while the database is down, keep retrying (``migrated`` is set
        once they are applied)."""
        self.spawn(self._migrate_until_done())

    async def _migrate_until_done(self) -> None:
        while True:
            try:
                applied = await self.db.migrate()
            except (PoolTimeout, psycopg.OperationalError) as exc:
                log.warning(
                    "database not reachable for migrations (%s); retrying", type(exc).__name__
                )
                self.accepting.set()  # serve degraded rather than refuse while it is down
                await asyncio.sleep(MIGRATION_RETRY_S)
                continue
            if applied:
                log.info("database schema up to date (applied %s)", ", ".join(applied))
            self.migrated.set()
            return

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
        await self.incident_side.aclose()  # queued message updates go out first
        await self.home.aclose()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.http.aclose()
        await self.replies.close()
        await self.audit.aclose()
        await self.redis.aclose()
        await self.db.close()
        for server in reversed(self.embedded):
            await asyncio.to_thread(server.stop)

    async def readiness(self, timeout_s: float = 2.0) -> dict[str, str]:
        """'ok' or the reason for start-up, the database, the cache and any extra check (for
        /readyz). The stores are asked by one probe at a time and the answer is reused for
        ``READINESS_MAX_AGE_S``: a crowd of pollers costs at most one query a second."""
        async with self._readiness_lock:
            now = time.monotonic()
            if self._readiness is None or now - self._readiness[0] > READINESS_MAX_AGE_S:
                self._readiness = (now, await self._probe_readiness(timeout_s))
            stores = self._readiness[1]
        extra = await self._probe_checks(self.readiness_checks, timeout_s)  # cheap, in memory
        return {"startup": self.startup_state(), **stores, **extra}

    async def _probe_readiness(self, timeout_s: float) -> dict[str, str]:
        """The database and the cache, asked together (at most one probe runs at a time)."""

        async def database() -> str:
            async with self.db.connection(timeout_s) as conn:
                await conn.execute("SELECT 1")
            return "ok"

        async def cache() -> str:
            await self.redis.ping()
            return "ok"

        return await self._probe_checks({"database": database, "cache": cache}, timeout_s)

    async def _probe_checks(
        self, checks: dict[str, Callable[[], Awaitable[str]]], timeout_s: float
    ) -> dict[str, str]:
        """Each check's 'ok' or 'unavailable: <error>', asked together."""

        async def probe(check: Callable[[], Awaitable[str]]) -> str:
            try:
                return await asyncio.wait_for(check(), timeout_s)
            except (TimeoutError, PoolTimeout, psycopg.Error, RedisError, OSError) as exc:
                return f"unavailable: {type(exc).__name__}"

        states = await asyncio.gather(*(probe(check) for check in checks.values()))
        return dict(zip(checks, states, strict=True))
