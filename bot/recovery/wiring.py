"""The recovery as the settings describe it: the four steps, the locks, the audit store.

``build_recovery`` is the one place a ``RecoveryService`` is put together (the composition
root calls it). ``incidents`` is how a failed recovery opens its incident: pass the
runtime's incident service; None opens none (the report then says nothing about one).
"""

from __future__ import annotations

import httpx
from redis.asyncio import Redis

from bot.recovery.access import Operators
from bot.recovery.cache_step import CacheStep
from bot.recovery.db_step import DatabaseStep
from bot.recovery.deploy_step import DeployStep
from bot.recovery.incident import AlertRaiser
from bot.recovery.lock import RecoveryLocks
from bot.recovery.service import RecoveryService
from bot.recovery.steps import RecoveryStep
from bot.recovery.store import RecoveryStore
from bot.recovery.sync_step import SyncRunner, SyncStep
from bot.settings.model import Settings
from bot.stores.db import Database
from bot.upstream.vercel import DeployHook, VercelDeployments

LOCK_TTL_S = 60.0  # the recovery lock's expiry, renewed every third of it while a run goes on
HOOK_TIMEOUT_S = 10.0
VERCEL_API_TIMEOUT_S = 5.0
DB_STEP_TIMEOUT_S = 10.0
DEPLOY_POLL_S = 5.0


def build_recovery(
    settings: Settings,
    *,
    db: Database,
    redis: Redis,
    http: httpx.AsyncClient,
    sync: SyncRunner,
    operators: Operators,
    incidents: AlertRaiser | None,
) -> RecoveryService:
    """The service with the cache prefixes, the database, the sync, the deploy hook and the
    Vercel API (``VERCEL_DEPLOY_HOOK_URL``, ``VERCEL_TOKEN``, ``VERCEL_API_URL``,
    ``vercel.project_id``, ``vercel.deploy_timeout``) from the settings."""
    hook_url = settings.secret("VERCEL_DEPLOY_HOOK_URL")
    token = settings.secret("VERCEL_TOKEN")
    hook = DeployHook(http, url=hook_url, timeout_s=HOOK_TIMEOUT_S) if hook_url else None
    deployments = (
        VercelDeployments(
            http,
            base_url=settings.urls["VERCEL_API_URL"],
            token=token,
            project_id=settings.vercel_project_id,
            timeout_s=VERCEL_API_TIMEOUT_S,
        )
        if token
        else None
    )
    steps: list[RecoveryStep] = [
        CacheStep(redis, settings.cache_key_prefixes),
        DatabaseStep(db, timeout_s=DB_STEP_TIMEOUT_S),
        SyncStep(sync),
        DeployStep(
            hook=hook,
            deployments=deployments,
            project_id=settings.vercel_project_id,
            deploy_timeout_s=settings.vercel_deploy_timeout_s,
            poll_interval_s=DEPLOY_POLL_S,
        ),
    ]
    # A command that never opens the database builds the service with no database URL:
    # the lock then has no PostgreSQL half rather than one pointing at a default server.
    conninfo = db.pool.conninfo if isinstance(db.pool.conninfo, str) else None
    return RecoveryService(
        store=RecoveryStore(db, timeout_s=settings.probe_timeout_s),
        redis=redis,
        locks=RecoveryLocks(
            redis,
            conninfo=conninfo or None,
            ttl_s=LOCK_TTL_S,
            connect_timeout_s=settings.probe_timeout_s,
        ),
        steps=steps,
        operators=operators,
        incidents=incidents,
    )
