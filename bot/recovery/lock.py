"""One recovery at a time across replicas: a Redis lock, backed by a PostgreSQL advisory lock.

A recovery runs exactly when the stores it most needs may be down, so it takes every
guard it can reach: the Redis lock (token, expiry, renewed while running) and a session
advisory lock on a connection of its own. Held by someone else, either one refuses the
run; unreachable, it is skipped; with neither reachable the run is refused (one at a time
could not be promised). The run is stopped when every guard it holds is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import psycopg
from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.i18n.translator import N_
from bot.recovery.steps import describe_error
from bot.stores.locks import HeldLock, LockHolder, RedisLocks

log = logging.getLogger(__name__)

LOCK_NAME = "recovery"
PG_LOCK_KEY = 0x616973690011
PG_APPLICATION_NAME = "aisi-bot recovery lock"
_RUNNING_HOLDER = """
SELECT actor, started_at FROM chatops.recovery_runs
WHERE outcome = 'running' AND NOT dry_run ORDER BY started_at DESC LIMIT 1
"""


class LockLostError(Exception):
    """Every guard of a running recovery was lost; the run must stop."""


@dataclass(frozen=True)
class LockRefusal:
    """Why a recovery could not take the lock, and who holds it when that is known."""

    reason: str
    holder: LockHolder | None = None


@dataclass
class RecoveryGuard:
    """The guards one running recovery holds; ``lost`` is set when none is left."""

    redis_lock: HeldLock | None
    pg_conn: psycopg.AsyncConnection[Any] | None
    lost: asyncio.Event = field(default_factory=asyncio.Event)
    notes: list[str] = field(default_factory=list)


class RecoveryLocks:
    """Takes, renews and releases the recovery's guards."""

    def __init__(
        self,
        redis: Redis,
        *,
        conninfo: str | None,
        ttl_s: float = 60.0,
        renew_every_s: float | None = None,
        connect_timeout_s: float = 5.0,
    ) -> None:
        self._redis = RedisLocks(redis)
        self._conninfo = conninfo
        self._ttl_s = ttl_s
        self._renew_s = renew_every_s if renew_every_s is not None else ttl_s / 3
        self._connect_timeout_s = connect_timeout_s

    async def _connect(self) -> psycopg.AsyncConnection[Any]:
        assert self._conninfo is not None
        return await psycopg.AsyncConnection.connect(
            self._conninfo,
            autocommit=True,
            connect_timeout=max(1, int(self._connect_timeout_s)),
            application_name=PG_APPLICATION_NAME,
        )

    async def acquire(self, actor: str) -> RecoveryGuard | LockRefusal:
        """Take every reachable guard, or refuse naming the holder or what was unreachable."""
        redis_lock, redis_error = None, ""
        try:
            redis_lock = await self._redis.acquire(LOCK_NAME, holder=actor, ttl_s=self._ttl_s)
            if redis_lock is None:
                holder = await self._redis.holder(LOCK_NAME)
                return LockRefusal(_busy(holder), holder)
        except (RedisError, OSError) as exc:
            redis_error = describe_error(exc)
        conn, pg_error = None, ""
        if self._conninfo is not None:
            try:
                conn = await self._connect()
                cur = await conn.execute("SELECT pg_try_advisory_lock(%s)", (PG_LOCK_KEY,))
                row = await cur.fetchone()
                if not (row and row[0]):
                    holder = await _running_holder(conn)
                    await conn.close()
                    await self._release_redis(redis_lock)
                    return LockRefusal(_busy(holder), holder)
            except psycopg.Error as exc:
                pg_error = describe_error(exc)
                if conn is not None:
                    await conn.close()
                conn = None
        if redis_lock is None and conn is None:
            return LockRefusal(
                "one recovery at a time cannot be promised, nothing was done: Redis"
                f" ({redis_error}) and PostgreSQL ({pg_error or 'not configured'}) are unreachable"
            )
        guard = RecoveryGuard(redis_lock, conn)
        if redis_lock is None:
            guard.notes.append(f"lock held in PostgreSQL only: Redis unreachable ({redis_error})")
        return guard

    async def holder(self) -> LockHolder | None:
        """Who runs a recovery now and since when (None when none runs or nobody can tell)."""
        with contextlib.suppress(RedisError, OSError):
            found = await self._redis.holder(LOCK_NAME)
            if found is not None:
                return found
        if self._conninfo is None:
            return None
        try:
            conn = await self._connect()
        except psycopg.Error:
            return None
        try:
            cur = await conn.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
                " AND classid = %s AND objid = %s AND objsubid = 1",
                (PG_LOCK_KEY >> 32, PG_LOCK_KEY & 0xFFFFFFFF),
            )
            row = await cur.fetchone()
            return await _running_holder(conn) if row and row[0] else None
        except psycopg.Error:
            return None
        finally:
            await conn.close()

    async def keep(self, guard: RecoveryGuard) -> None:
        """Renew the guards until cancelled; set ``guard.lost`` once none is left."""
        redis_ok_at = time.monotonic()
        while True:
            await asyncio.sleep(self._renew_s)
            if guard.redis_lock is not None:
                try:
                    if await self._redis.extend(guard.redis_lock, self._ttl_s):
                        redis_ok_at = time.monotonic()
                    else:
                        guard.notes.append("the Redis lock was lost (expired or taken over)")
                        guard.redis_lock = None
                except (RedisError, OSError) as exc:
                    if time.monotonic() - redis_ok_at > self._ttl_s:
                        guard.notes.append(
                            f"the Redis lock expired unrenewed ({describe_error(exc)})"
                        )
                        guard.redis_lock = None
            if guard.pg_conn is not None:
                try:
                    await asyncio.wait_for(guard.pg_conn.execute("SELECT 1"), self._renew_s + 5)
                except (psycopg.Error, TimeoutError) as exc:
                    guard.notes.append(
                        f"the PostgreSQL lock's connection was lost ({describe_error(exc)})"
                    )
                    await _close_quietly(guard.pg_conn)
                    guard.pg_conn = None
            if guard.redis_lock is None and guard.pg_conn is None:
                guard.lost.set()
                return

    async def release(self, guard: RecoveryGuard) -> None:
        """Give back every guard still held (never someone else's); never raises."""
        await self._release_redis(guard.redis_lock)
        guard.redis_lock = None
        if guard.pg_conn is not None:
            with contextlib.suppress(psycopg.Error):
                await guard.pg_conn.execute("SELECT pg_advisory_unlock(%s)", (PG_LOCK_KEY,))
            await _close_quietly(guard.pg_conn)
            guard.pg_conn = None

    async def _release_redis(self, lock: HeldLock | None) -> None:
        if lock is None:
            return
        try:
            await self._redis.release(lock)
        except (RedisError, OSError):
            log.warning("could not release the recovery lock; it expires by itself")


async def _running_holder(conn: psycopg.AsyncConnection[Any]) -> LockHolder | None:
    try:
        cur = await conn.execute(_RUNNING_HOLDER)
        row = await cur.fetchone()
    except psycopg.Error:
        return None
    return LockHolder(str(row[0]), row[1]) if row else None


async def _close_quietly(conn: psycopg.AsyncConnection[Any]) -> None:
    with contextlib.suppress(psycopg.Error, OSError):
        await conn.close()


def _busy(holder: LockHolder | None) -> str:
    if holder is None:
        return N_("a recovery is already running (its starter is unknown)")
    return f"a recovery is already running: started by {holder.holder} at {_when(holder.since)}"


def _when(moment: datetime) -> str:
    if moment.utcoffset() is None:
        moment = moment.replace(tzinfo=UTC)
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"
