"""The recovery as a whole: order, stop or continue, progress, audit rows and the incident."""

from __future__ import annotations

import asyncio

import psycopg
import pytest
from redis.asyncio import Redis

from bot.recovery import (
    INCIDENT_KEY,
    NOT_OPERATOR,
    Outcome,
    RecoveryOptions,
    RecoveryReport,
    StepName,
    StepState,
    may_recover,
)
from tests.recovery.conftest import OPERATOR, ServiceFactory
from tests.recovery.test_sync_and_deploy_steps import seed_vanishing_models
from tests.recovery.vercel_standin import VercelStandIn

SYNC_THEN_DEPLOY = (StepName.CACHE, StepName.SYNC, StepName.DEPLOY)


def audit_rows(url: str) -> list[tuple[object, ...]]:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "SELECT actor, outcome, reason, dry_run, options, steps, incident_id,"
            " finished_at IS NOT NULL FROM chatops.recovery_runs ORDER BY id"
        ).fetchall()


async def test_a_failed_step_stops_the_run_by_default(
    make_service: ServiceFactory, database_url: str, vercel: VercelStandIn
) -> None:
    """The guard refuses the sync: the redeploy is skipped and never called; outcome failed."""
    seed_vanishing_models(database_url, 400)
    report = await make_service().run(RecoveryOptions(steps=SYNC_THEN_DEPLOY), actor=OPERATOR)
    states = [s.state for s in report.steps]
    assert states == [StepState.OK, StepState.FAILED, StepState.SKIPPED]
    assert report.outcome is Outcome.FAILED
    assert vercel.hook_calls() == 0
    [row] = audit_rows(database_url)
    assert row[1] == "failed" and [s["state"] for s in row[5]] == ["ok", "failed", "skipped"]


async def test_continue_on_failure_runs_the_later_steps(
    make_service: ServiceFactory, database_url: str, vercel: VercelStandIn
) -> None:
    """With continue-on-failure the redeploy still runs after the refused sync: partial."""
    seed_vanishing_models(database_url, 400)
    options = RecoveryOptions(steps=SYNC_THEN_DEPLOY, continue_on_failure=True)
    report = await make_service().run(options, actor=OPERATOR)
    states = [s.state for s in report.steps]
    assert states == [StepState.OK, StepState.FAILED, StepState.OK]
    assert report.outcome is Outcome.PARTIAL
    assert vercel.hook_calls() == 1
    [row] = audit_rows(database_url)
    assert row[1] == "partial" and row[4]["continue_on_failure"] is True


async def test_progress_hears_every_state_change_in_order(make_service: ServiceFactory) -> None:
    """Pending, then each step running then ok, in the fixed order; the last one is final."""
    seen: list[list[tuple[str, str]]] = []
    finals: list[bool] = []

    async def progress(report: RecoveryReport) -> None:
        seen.append([(s.name.value, s.state.value) for s in report.steps])
        finals.append(report.finished)

    options = RecoveryOptions(steps=(StepName.DEPLOY, StepName.CACHE))
    report = await make_service().run(options, actor=OPERATOR, progress=progress)
    assert [s.name for s in report.steps] == [StepName.CACHE, StepName.DEPLOY]
    assert seen[0] == [("cache", "pending"), ("deploy", "pending")]
    assert seen[1] == [("cache", "running"), ("deploy", "pending")]
    assert ("cache", "ok") in seen[2] or ("cache", "ok") in seen[3]
    assert seen[-1] == [("cache", "ok"), ("deploy", "ok")]
    assert finals[-1] and not any(finals[:-1])
    deploy_lines = [row for row in seen if row[1] == ("deploy", "running")]
    assert len(deploy_lines) >= 3  # the hook answer, the deployment found, its states


async def test_a_failed_run_opens_one_critical_incident_naming_the_step(
    make_service: ServiceFactory, database_url: str, vercel: VercelStandIn
) -> None:
    """Two failed runs: one incident (count 2), critical, its title naming the failed step."""
    vercel.hook_status = 500
    service = make_service()
    options = RecoveryOptions(steps=(StepName.CACHE, StepName.DEPLOY))
    first = await service.run(options, actor=OPERATOR)
    second = await service.run(options, actor=OPERATOR)
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT id, dedup_key, severity, title, count, details->>'outcome'"
            " FROM chatops.incidents"
        ).fetchall()
    [(incident_id, key, severity, title, count, outcome)] = rows
    assert (key, severity, count, outcome) == (INCIDENT_KEY, "critical", 2, "failed")
    assert title.startswith("Recovery failed at step 2 (Redeploy the app): the deploy hook")
    assert title.endswith("failed: HTTP 500")
    assert first.incident_id == second.incident_id == incident_id
    assert [r[6] for r in audit_rows(database_url)] == [incident_id, incident_id]


async def test_a_successful_or_dry_run_opens_no_incident(
    make_service: ServiceFactory, database_url: str, vercel: VercelStandIn
) -> None:
    """Only a real failed run opens an incident: a failing dry run does not."""
    seed_vanishing_models(database_url, 400)
    service = make_service()
    dry = await service.run(RecoveryOptions(steps=(StepName.SYNC,), dry_run=True), actor=OPERATOR)
    assert dry.outcome is Outcome.FAILED
    assert dry.step(StepName.SYNC).detail[-1].startswith("the drop guard would refuse it: ")
    ok = await service.run(RecoveryOptions(steps=(StepName.CACHE,)), actor=OPERATOR)
    assert ok.outcome is Outcome.OK and ok.incident_id is None
    with psycopg.connect(database_url) as conn:
        assert conn.execute("SELECT count(*) FROM chatops.incidents").fetchone() == (0,)


async def test_an_unauthorised_user_is_refused_and_audited(
    make_service: ServiceFactory, database_url: str, redis: Redis, vercel: VercelStandIn
) -> None:
    """A non-operator: refused, nothing runs, one audit row with the reason."""
    await redis.set("models:list", "cached")
    service = make_service()
    report = await service.run(RecoveryOptions(), actor="user:U0INTRUDER", idempotency_key="V1")
    assert report.outcome is Outcome.REFUSED and report.reason == NOT_OPERATOR
    assert all(s.state is StepState.SKIPPED for s in report.steps)
    assert await redis.get("models:list") == "cached" and vercel.hook_calls() == 0
    denied = await service.record_refusal(
        RecoveryOptions(dry_run=True), actor="user:U0GUEST", reason=NOT_OPERATOR
    )
    assert denied.run_id is not None
    rows = audit_rows(database_url)
    assert [(r[0], r[1], r[2], r[7]) for r in rows] == [
        ("user:U0INTRUDER", "refused", NOT_OPERATOR, True),
        ("user:U0GUEST", "refused", NOT_OPERATOR, True),
    ]


def test_only_operators_and_the_cli_may_recover() -> None:
    """Deny by default: an operator's user id or the CLI; nothing else."""
    operators = {"U0OPERATOR"}
    assert may_recover("user:U0OPERATOR", operators)
    assert may_recover("cli:alice", operators)
    for actor in ("user:U0OTHER", "user:", "U0OPERATOR", "", "alert:U0OPERATOR", "cli:"):
        assert not may_recover(actor, operators), actor


async def test_unknown_step_names_are_refused() -> None:
    """``--steps`` is parsed strictly and put in the fixed order."""
    from bot.recovery import StepsError, parse_steps

    assert parse_steps("deploy, cache") == (StepName.CACHE, StepName.DEPLOY)
    with pytest.raises(StepsError, match="unknown step 'flush'"):
        parse_steps("cache,flush")
    with pytest.raises(StepsError, match="at least one"):
        parse_steps(" , ")


async def test_a_step_that_raises_unexpectedly_still_ends_in_a_report(
    make_service: ServiceFactory, database_url: str
) -> None:
    """A bug in a step is reported with an error id; the run and its audit row still end."""

    class Broken:
        async def run(self, request: object, progress: object = None) -> object:
            raise ZeroDivisionError("bug")

    report = await make_service(sync=Broken()).run(
        RecoveryOptions(steps=(StepName.SYNC,)), actor=OPERATOR
    )
    line = report.step(StepName.SYNC).detail[-1]
    assert line.startswith("unexpected error ZeroDivisionError: bug (error id ")
    assert audit_rows(database_url)[0][1] == "failed"


async def test_a_cancelled_run_is_marked_interrupted_and_releases_the_lock(
    make_service: ServiceFactory, database_url: str, vercel: VercelStandIn
) -> None:
    """Shutdown mid-step: the row says interrupted, the running step failed, the lock is free."""
    vercel.gate_hook()
    service = make_service()
    task = asyncio.create_task(
        service.run(RecoveryOptions(steps=(StepName.DEPLOY,)), actor=OPERATOR)
    )
    await asyncio.wait_for(vercel.hook_arrived.wait(), 10)
    assert (await service.current()) is not None
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    [row] = audit_rows(database_url)
    assert row[1] == "interrupted" and row[7] is True
    assert row[5][0]["state"] == "failed" and row[5][0]["detail"][-1] == "interrupted"
    assert await service.current() is None
