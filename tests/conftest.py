"""Shared fixtures: real PostgreSQL and Redis, the local Slack server, a running bot.

Every test runs sealed from the network: the guard in ``tests/netguard`` refuses any
connection that is not to loopback, in this process and in every Python process a test
starts, and the test settings point every base URL and status page at loopback.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from redis import Redis as SyncRedis
from redis.asyncio import Redis as AsyncRedis

from bot.settings.files import load_config_files
from bot.settings.model import URL_DEFAULTS, StatusPage, parse_status_pages
from bot.stores.db import Database
from local_slack.server import LocalSlack
from tests.harness import BotUnderTest, start_bot_in_process
from tests.netguard.sitecustomize import ENV_FLAG, install

# The network guard: here, and through PYTHONPATH in every Python process a test starts.
NETGUARD_DIR = Path(__file__).resolve().parent / "netguard"
os.environ["PYTHONPATH"] = os.pathsep.join(
    [str(NETGUARD_DIR), *filter(None, [os.environ.get("PYTHONPATH")])]
)
os.environ[ENV_FLAG] = "1"
install()

BOT_TOKEN = "xoxb-test-" + "0" * 24
SIGNING_SECRET = "test-signing-secret-" + "s" * 12

_embedded: dict[str, Any] = {}
_store_dirs: list[Path] = []

# slack_sdk's clients honour HTTP(S)_PROXY even for 127.0.0.1 and ignore NO_PROXY; every
# test talks to loopback only, so a proxy in the environment must not capture that traffic.
for _name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
    os.environ.pop(_name, None)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Stop the embedded servers if this run started them, and remove their files."""
    for server in _embedded.values():
        server.stop()
    for folder in _store_dirs:
        shutil.rmtree(folder, ignore_errors=True)


def _store_dir(kind: str) -> Path:
    """A folder for an embedded server, outside pytest's shared temporary root.

    Every pytest session resets that root (``/tmp/pytest-of-<user>``) to mode 0700, while an
    embedded PostgreSQL started by root runs as its own system user and needs to traverse it:
    a second test session starting meanwhile (another checkout) would lock the server out.
    """
    folder = Path(tempfile.mkdtemp(prefix=f"aisi-test-{kind}-"))
    _store_dirs.append(folder)
    return folder


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    """A PostgreSQL server URL: TEST_DATABASE_URL, else an embedded server for this run."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    from bot.app.embedded import EmbeddedPostgres

    server = EmbeddedPostgres(_store_dir("pg"))
    _embedded["pg"] = server
    return server.start()


@pytest.fixture(scope="session")
def redis_base_url() -> str:
    """A Redis URL: TEST_REDIS_URL (its database number is ours to flush), else embedded."""
    url = os.environ.get("TEST_REDIS_URL")
    if url:
        return url
    from bot.app.embedded import EmbeddedRedis

    server = EmbeddedRedis(_store_dir("redis"))
    _embedded["redis"] = server
    return server.start()


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


@pytest.fixture(scope="module")
def module_database_url(pg_admin_url: str) -> Iterator[str]:
    """A fresh database for this test module, migrated, dropped afterwards."""
    name = f"aisi_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = _with_database(pg_admin_url, name)

    async def migrate() -> None:
        db = Database(url)
        await db.open()
        try:
            await db.migrate()
        finally:
            await db.close()

    asyncio.run(migrate())
    yield url
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def empty_database(pg_admin_url: str) -> Iterator[str]:
    """A brand-new database with nothing in it (not migrated), dropped afterwards."""
    name = f"aisi_empty_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield _with_database(pg_admin_url, name)
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def database_url(module_database_url: str) -> str:
    """The module's database with every table emptied before the test."""
    with psycopg.connect(module_database_url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) FROM pg_tables"
            " WHERE schemaname IN ('public', 'chatops') AND tablename <> 'schema_migrations'"
        ).fetchall()
        if rows:
            conn.execute("TRUNCATE " + ", ".join(r[0] for r in rows) + " CASCADE")
    return module_database_url


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[AsyncRedis]:
    """An asyncio client of the test's own (flushed) Redis database."""
    client = AsyncRedis.from_url(redis_url)
    yield client
    await client.aclose()


@pytest.fixture
def redis_url(redis_base_url: str) -> str:
    """Our own Redis database, flushed before the test (tests may FLUSHDB their own db)."""
    url = redis_base_url
    if url.startswith("redis://") and url.rstrip("/").count("/") == 2:
        url = url.rstrip("/") + "/" + os.environ.get("TEST_REDIS_DB", "13")
    client = SyncRedis.from_url(url)
    try:
        client.flushdb()
    finally:
        client.close()
    return url


@pytest.fixture
async def local_slack() -> AsyncIterator[LocalSlack]:
    """The local Slack Web API server, on an ephemeral port."""
    server = LocalSlack(bot_token=BOT_TOKEN, app_token="xapp-test-" + "1" * 20)
    await server.start()
    yield server
    await server.stop()


LOOPBACK_CLOSED = "http://127.0.0.1:9"
# Every external base URL on loopback (a closed port): derived from the one URL table, so a
# URL added there is sealed here too. Tests point the ones they serve at their stand-ins.
SEALED_URLS: dict[str, str] = dict.fromkeys(URL_DEFAULTS, LOOPBACK_CLOSED)


def _slug(name: str) -> str:
    return "-".join(name.lower().split())


def sealed_status_pages(status_base: str = LOOPBACK_CLOSED) -> list[StatusPage]:
    """The packaged status pages, each moved to ``status_base``/<vendor>/<its API path>."""
    return [
        StatusPage(
            page.name,
            page.kind,
            f"{status_base}/{_slug(page.name)}{urlsplit(page.url).path}",
            f"{status_base}/{_slug(page.name)}",
        )
        for page in parse_status_pages(load_config_files(None))
    ]


# Where each vendor's status page is served by a stand-in (tests.upstreams), by vendor name.
STATUS_PAGE_PATHS: dict[str, str] = {
    page.name: urlsplit(page.url).path for page in sealed_status_pages()
}


# Every scheduled job off: a bot started by a test runs no scheduled work unless the test
# turns a job on (a [schedule] table in the folder's local.toml, merged over this).
SCHEDULE_OFF = (
    '[schedule]\ndaily_report = "off"\nsource_checks = "off"\nkey_checks = "off"\n'
    'sync = "off"\nescalations = "off"\n'
)


def write_test_config(folder: Path, status_base: str = LOOPBACK_CLOSED) -> Path:
    """An override folder (BOT_CONFIG_DIR) putting every vendor status page on loopback.

    The package's default settings lie underneath; its settings.toml turns every scheduled
    job off, its local.toml replaces the status pages.
    """
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "settings.toml").write_text(SCHEDULE_OFF)
    pages = [
        f'[[status_pages]]\nname = "{p.name}"\nkind = "{p.kind}"\nurl = "{p.url}"\n'
        f'page_url = "{p.page_url}"\n'
        for p in sealed_status_pages(status_base)
    ]
    (folder / "local.toml").write_text("\n".join(pages))
    return folder


@pytest.fixture(scope="session", autouse=True)
def network_guard() -> Iterator[None]:
    """Every test runs with the guard on (installed when this file is imported)."""
    install()
    assert os.environ[ENV_FLAG] == "1"
    yield


@pytest.fixture
def bot_env(
    database_url: str, redis_url: str, local_slack: LocalSlack, tmp_path: Path
) -> dict[str, str]:
    """Environment for a bot in HTTP mode against the local Slack server and test stores."""
    return {
        **SEALED_URLS,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": local_slack.api_url,
        "BOT_DATA_DIR": str(tmp_path / "data"),
        "BOT_CONFIG_DIR": str(write_test_config(tmp_path / "config")),
        "PORT": "0",
        "HOST": "127.0.0.1",
        "LOG_LEVEL": "INFO",
    }


@pytest.fixture
async def bot(bot_env: dict[str, str]) -> AsyncIterator[BotUnderTest]:
    """The bot running in this process in HTTP mode (real aiohttp server, real stores)."""
    async with start_bot_in_process(bot_env) as running:
        yield running


@pytest.fixture
def canary() -> str:
    """A unique secret-looking value to search for in everything the bot emits."""
    return "canary-" + secrets.token_hex(12)
