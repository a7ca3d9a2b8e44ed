"""One recovery at a time across replicas, and a repeated request (same key) runs once."""

from __future__ import annotations

import asyncio

import psycopg
from redis.asyncio import Redis

from bot.recovery import Outcome, RecoveryLocks, RecoveryOptions, StepName, StepState
from bot.recovery.lock import PG_APPLICATION_NAME
from bot.recovery.service import REQUEST_PREFIX
from bot.stores.cache import build_redis
from bot.stores.db import Database
from tests.recovery.conftest import OPERATOR, OTHER_OPERATOR, ServiceFactory, closed_port
from tests.recovery.vercel_standin import VercelStandIn

DEPLOY_ONLY = RecoveryOptions(steps=(StepName.DEPLOY,))


def outcomes(url: str) -> list[tuple[str, str, str]]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT actor, outcome, reason FROM chatops.recovery_runs ORDER BY id"
        ).fetchall()
    return [(str(a), str(o), str(r)) for a, o, r in rows]


async def test_a_second_recovery_is_refused_with_who_and_when(
    make_service: ServiceFactory, database_url: str, vercel: VercelStandIn
) -> None:
    """While one runs, another replica's request is refused naming its starter and start."""
    gate = vercel.gate_hook()
    first_replica, second_replica = make_service(), make_service()
    running = asyncio.create_task(first_replica.run(DEPLOY_ONLY, actor=OPERATOR))
    await asyncio.wait_for(vercel.hook_arrived.wait(), 10)
    holder = await second_replica.current()
    assert holder is not None and holder.holder == OPERATOR

    refused = await second_replica.run(RecoveryOptions(), actor=OTHER_OPERATOR)

    assert refused.outcome is Outcome.REFUSED
    assert (refused.holder, refused.holder_since) == (OPERATOR, holder.since)
    assert refused.reason == (
        f"a recovery is already running: started by {OPERATOR}"
        f" at {holder.since:%Y-%m-%d %H:%M:%S} UTC"
    )
    assert all(s.state is StepState.SKIPPED for s in refused.steps)
    gate.set()
    done = await asyncio.wait_for(running, 10)
    assert done.outcome is Outcome.OK
    assert vercel.hook_calls() == 1
    assert await second_replica.current() is None
    assert outcomes(database_url) == [
        (OPERATOR, "ok", ""),
        (OTHER_OPERATOR, "refused", refused.reason),
    ]


async def test_a_replica_without_redis_is_still_refused_by_the_database_lock(
    make_service: ServiceFactory, database_url: str, vercel: VercelStandIn
) -> None:
    """Redis unreachable on the second replica: the advisory lock still refuses it, by name."""
    gate = vercel.gate_hook()
    running = asyncio.create_task(make_service().run(DEPLOY_ONLY, actor=OPERATOR))
    await asyncio.wait_for(vercel.hook_arrived.wait(), 10)
    down = build_redis(f"redis://127.0.0.1:{closed_port()}/0", timeout_s=1.0)
    try:
        blind = make_service(redis=down)
        holder = await blind.current()
        refused = await blind.run(DEPLOY_ONLY, actor=OTHER_OPERATOR)
    finally:
        await down.aclose()
    gate.set()
    await asyncio.wait_for(running, 10)
    assert holder is not None and holder.holder == OPERATOR
    assert refused.outcome is Outcome.REFUSED and refused.holder == OPERATOR
    assert vercel.hook_calls() == 1


async def test_the_same_request_twice_runs_once(
    make_service: ServiceFactory, database_url: str, redis: Redis, vercel: VercelStandIn
) -> None:
    """A resubmitted modal (same view id) on any replica returns the first run, never a second."""
    gate = vercel.gate_hook()
    replica_a, replica_b = make_service(), make_service()
    first = asyncio.create_task(
        replica_a.run(DEPLOY_ONLY, actor=OPERATOR, idempotency_key="V0RESUBMIT")
    )
    await asyncio.wait_for(vercel.hook_arrived.wait(), 10)

    same_replica = await replica_a.run(DEPLOY_ONLY, actor=OPERATOR, idempotency_key="V0RESUBMIT")
    other_replica = await replica_b.run(DEPLOY_ONLY, actor=OPERATOR, idempotency_key="V0RESUBMIT")
    assert same_replica.duplicate and same_replica.outcome is Outcome.RUNNING
    assert same_replica.step(StepName.DEPLOY).state is StepState.RUNNING
    assert other_replica.duplicate and other_replica.outcome is Outcome.RUNNING
    gate.set()
    done = await asyncio.wait_for(first, 10)
    assert done.outcome is Outcome.OK and not done.duplicate
    assert same_replica.run_id == other_replica.run_id == done.run_id

    await redis.delete(*await redis.keys(REQUEST_PREFIX + "*"))  # e.g. expired, or Redis lost it
    later = await replica_b.run(DEPLOY_ONLY, actor=OPERATOR, idempotency_key="V0RESUBMIT")
    assert later.duplicate and later.outcome is Outcome.OK and later.run_id == done.run_id
    assert later.step(StepName.DEPLOY).state is StepState.OK
    assert vercel.hook_calls() == 1
    assert outcomes(database_url) == [(OPERATOR, "ok", "")]


async def test_a_lost_lock_stops_the_run(
    make_service: ServiceFactory, database_url: str, redis: Redis, vercel: VercelStandIn
) -> None:
    """Both guards lost mid-step (key gone, lock connection killed): the run stops, failed."""
    vercel.gate_hook()
    locks = RecoveryLocks(redis, conninfo=database_url, ttl_s=30.0, renew_every_s=0.05)
    service = make_service(locks=locks)
    running = asyncio.create_task(
        service.run(RecoveryOptions(steps=(StepName.DEPLOY, StepName.CACHE)), actor=OPERATOR)
    )
    await asyncio.wait_for(vercel.hook_arrived.wait(), 10)
    await redis.delete("aisi-bot:lock:recovery")
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
            (PG_APPLICATION_NAME,),
        )
    report = await asyncio.wait_for(running, 10)
    assert report.outcome is Outcome.FAILED
    assert report.reason.startswith("stopped: the recovery lock was lost")
    cache, deploy = report.steps
    assert cache.state is StepState.OK and deploy.state is StepState.FAILED
    assert deploy.detail[-1] == report.reason
    assert any("Redis lock was lost" in n for n in report.notes)
    assert outcomes(database_url)[0][1] == "failed"


async def test_with_redis_and_the_database_both_down_nothing_runs(
    make_service: ServiceFactory, vercel: VercelStandIn
) -> None:
    """No store reachable: one at a time cannot be promised, so the run is refused, naming both."""
    down_redis = build_redis(f"redis://127.0.0.1:{closed_port()}/0", timeout_s=1.0)
    down_db = Database(f"postgresql://postgres@127.0.0.1:{closed_port()}/none", connect_timeout_s=1)
    await down_db.open()
    try:
        report = await make_service(redis=down_redis, database=down_db).run(
            RecoveryOptions(), actor=OPERATOR
        )
    finally:
        await down_redis.aclose()
        await down_db.close()
    assert report.outcome is Outcome.REFUSED
    assert report.reason.startswith("one recovery at a time cannot be promised, nothing was done")
    assert (
        "Redis (ConnectionError" in report.reason
        and "PostgreSQL (OperationalError" in report.reason
    )
    assert vercel.requests == []
