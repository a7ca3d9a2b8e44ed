"""Helpers for tests of the scheduler inside a serving bot: an environment with the sources'
stand-ins and a ``[schedule]``, and waiting on ``chatops.job_runs`` rows written by other
processes (polled: PostgreSQL is the only thing the test and the bots share)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path

from tests.scheduling.conftest import job_rows
from tests.sync_upstreams import SyncUpstreams, sync_env
from tests.upstreams import all_ok

Rows = list[tuple[datetime, str, str, str]]
POLL_S = 0.2  # how often the test reads job_runs while waiting for a condition on it


def healthy_sources(upstreams: SyncUpstreams) -> None:
    """Every source, key endpoint and the app answering with the real fixtures."""
    all_ok(upstreams)
    upstreams.serve_fixtures()


def serving_env(
    base: dict[str, str],
    upstreams: SyncUpstreams,
    config_dir: Path,
    schedule: Mapping[str, str],
    *,
    extra_toml: str = "",
    source_timeout_s: float = 5,
) -> dict[str, str]:
    """``base`` with the sources on the stand-ins and ``schedule`` as its ``[schedule]``."""
    env = sync_env(
        base, upstreams, config_dir, operators=(), source_timeout_s=source_timeout_s
    )
    lines = "".join(f'{key} = "{value}"\n' for key, value in schedule.items())
    with (config_dir / "local.toml").open("a", encoding="utf-8") as handle:
        handle.write(f"\n[schedule]\n{lines}{extra_toml}")
    return env


async def wait_rows(
    database_url: str, job_id: str, until: Callable[[Rows], bool], timeout_s: float
) -> Rows:
    """A job's rows once ``until(rows)`` holds; AssertionError with the rows after the timeout."""
    deadline = time.monotonic() + timeout_s
    while True:
        rows = await job_rows(database_url, job_id)
        if until(rows):
            return rows
        if time.monotonic() > deadline:
            raise AssertionError(f"{job_id}: condition not met in {timeout_s:g} s; rows: {rows}")
        await asyncio.sleep(POLL_S)


def finished(rows: Rows) -> Rows:
    """The rows of firings that have ended (any outcome but running)."""
    return [row for row in rows if row[2] != "running"]
