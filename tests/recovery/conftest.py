"""Recovery fixtures: the real stores, the sync's stand-ins, a Vercel stand-in, a service factory.

``make_service`` builds the service the way the wiring will: the four real steps over the
same Redis and database the service itself uses (so "Redis down" is down for everything).
"""

from __future__ import annotations

import os
import socket
from collections.abc import AsyncIterator, Callable
from functools import partial
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
import pytest
from redis import Redis as SyncRedis
from redis.asyncio import Redis

from bot.incidents import EscalationPolicy, IncidentService, RecordingNotifier
from bot.recovery import (
    CacheStep,
    DatabaseStep,
    DeployStep,
    RecoveryLocks,
    RecoveryService,
    RecoveryStore,
    SyncStep,
)
from bot.settings.secrets import Secret
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
from bot.stores.cache import build_redis
from bot.stores.db import Database
from bot.sync.service import SourceStep, SyncService
from bot.upstream.vercel import DeployHook, VercelDeployments
from tests.recovery.vercel_standin import PROJECT_ID, TOKEN, VercelStandIn
from tests.sync_upstreams import GITHUB_PATH, SYNC_KEYS, SyncUpstreams
from tests.upstreams import env_for

OPERATOR = "user:U0OPERATOR"
OTHER_OPERATOR = "user:U0SECOND"
PREFIXES = ("models:", "api:v1:", "unified-models:")

ServiceFactory = Callable[..., RecoveryService]


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def other_redis_url(redis_url: str) -> str:
    """Another Redis database number of ours: TEST_REDIS_DB + 1 (on an embedded Redis, whose
    unix:// URL names its database in the query, the next one after it)."""
    parts = urlsplit(redis_url)
    if parts.scheme == "unix":
        query = dict(parse_qsl(parts.query))
        query["db"] = str(int(query.get("db", "0")) + 1)
        return f"unix://{parts.path}?{urlencode(query)}"
    base, _, number = redis_url.rpartition("/")
    own = int(number) if number.isdigit() else int(os.environ.get("TEST_REDIS_DB", "13"))
    return f"{base}/{own + 1}"


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    """The module's emptied database through the bot's pool."""
    database = Database(database_url, connect_timeout_s=3)
    await database.open()
    yield database
    await database.close()


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    """Our flushed Redis database, as the bot opens it."""
    client = build_redis(redis_url)
    yield client
    await client.aclose()


@pytest.fixture
def other_db_keys(redis_url: str) -> Any:
    """A synchronous client on TEST_REDIS_DB + 1, flushed before and after the test."""
    client = SyncRedis.from_url(other_redis_url(redis_url), decode_responses=True)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


@pytest.fixture
async def vercel() -> AsyncIterator[VercelStandIn]:
    """The Vercel stand-in."""
    standin = VercelStandIn()
    await standin.start()
    yield standin
    await standin.stop()


@pytest.fixture
async def upstreams() -> AsyncIterator[SyncUpstreams]:
    """Every sync source healthy, serving the real fixtures."""
    async with SyncUpstreams() as server:
        server.serve_fixtures()
        yield server


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    """The bot's outbound HTTP client."""
    async with httpx.AsyncClient() as client:
        yield client


@pytest.fixture
def notifier() -> RecordingNotifier:
    """Records what the incident layer would post."""
    return RecordingNotifier()


def sync_service(
    db: Database, redis: Redis, http: httpx.AsyncClient, upstreams: SyncUpstreams, **kw: Any
) -> SyncService:
    """The sync's priority chain (as ``bot/sync/wiring.py`` builds it) over the stand-ins."""
    urls = env_for(upstreams)
    timeout = 5.0

    def provider(name: str, fetch: Any, key: str, url: str) -> SourceStep:
        run = partial(fetch, client=http, base_url=urls[url], key=SYNC_KEYS[key], timeout_s=timeout)
        return SourceStep(name, frozenset({"providers", name}), run)

    aa_base = urls["ARTIFICIAL_ANALYSIS_BASE_URL"]
    steps = [
        provider("openai", fetch_openai_models, "OPENAI_API_KEY", "OPENAI_BASE_URL"),
        provider("anthropic", fetch_anthropic_models, "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL"),
        provider("google", fetch_google_models, "GOOGLE_AI_API_KEY", "GOOGLE_AI_BASE_URL"),
        provider("replicate", fetch_replicate_models, "REPLICATE_API_TOKEN", "REPLICATE_BASE_URL"),
        SourceStep(
            "aa_api",
            frozenset({"aa"}),
            partial(
                fetch_aa_api,
                client=http,
                base_url=aa_base,
                key=SYNC_KEYS["ARTIFICIAL_ANALYSIS_API_KEY"],
                timeout_s=timeout,
                cache=None,
            ),
        ),
        SourceStep(
            "aa_page",
            frozenset({"aa"}),
            partial(fetch_aa_page, client=http, base_url=aa_base, timeout_s=timeout),
            fallback_for="aa_api",
        ),
        SourceStep(
            "github_backup",
            frozenset({"github"}),
            partial(
                fetch_github_backup, client=http, url=upstreams.url + GITHUB_PATH, timeout_s=timeout
            ),
        ),
        SourceStep("defaults", frozenset({"defaults"}), fetch_defaults),
    ]
    return SyncService(
        db=db,
        redis=redis,
        steps=steps,
        cache_prefixes=PREFIXES,
        max_deactivate_share=kw.get("max_deactivate_share", 0.2),
        min_active_models=kw.get("min_active_models", 10),
        source_timeout_s=10.0,
    )


@pytest.fixture
def make_service(
    db: Database,
    redis: Redis,
    http: httpx.AsyncClient,
    upstreams: SyncUpstreams,
    vercel: VercelStandIn,
    notifier: RecordingNotifier,
) -> ServiceFactory:
    """Build a recovery service; every collaborator can be replaced by keyword."""

    def build(**kw: Any) -> RecoveryService:
        database: Database = kw.pop("database", db)
        client: Redis = kw.pop("redis", redis)
        token = kw.pop("token", TOKEN)
        project_id = kw.pop("project_id", PROJECT_ID)
        deployments = (
            VercelDeployments(http, base_url=vercel.url, token=Secret(token), timeout_s=2.0)
            if token
            else None
        )
        hook_url = kw.pop("hook_url", vercel.hook_url)
        hook = DeployHook(http, url=Secret(hook_url), timeout_s=2.0) if hook_url else None
        steps = [
            CacheStep(client, kw.pop("prefixes", PREFIXES), batch=kw.pop("batch", 500)),
            DatabaseStep(database, timeout_s=3.0),
            SyncStep(kw.pop("sync", None) or sync_service(database, client, http, upstreams)),
            DeployStep(
                hook=hook,
                deployments=deployments,
                project_id=project_id,
                deploy_timeout_s=kw.pop("deploy_timeout_s", 10.0),
                poll_interval_s=0.01,
            ),
        ]
        incidents = kw.pop(
            "incidents",
            IncidentService(
                database,
                policy=EscalationPolicy(primary=("UPRIMARY",), after_s=600, max_repeats=0),
                notifier=notifier,
                db_timeout_s=2.0,
            ),
        )
        locks = kw.pop(
            "locks",
            RecoveryLocks(client, conninfo=database.pool.conninfo, ttl_s=30.0, connect_timeout_s=2),
        )
        return RecoveryService(
            store=RecoveryStore(database, timeout_s=3.0),
            redis=client,
            locks=locks,
            steps=steps,
            operators=kw.pop("operators", {"U0OPERATOR", "U0SECOND"}),
            incidents=incidents,
            **kw,
        )

    return build
