"""Steps 3 and 4: the sync through its pipeline and drop guard; the redeploy against a stand-in."""

from __future__ import annotations

import logging

import psycopg
import pytest

from bot.recovery import NOT_FOLLOWED, Outcome, RecoveryOptions, StepName, StepState
from tests.recovery.conftest import OPERATOR, ServiceFactory, closed_port
from tests.recovery.vercel_standin import HOOK_SECRET, VercelStandIn

SYNC_ONLY = RecoveryOptions(steps=(StepName.SYNC,))
DEPLOY_ONLY = RecoveryOptions(steps=(StepName.DEPLOY,))


def seed_vanishing_models(url: str, count: int) -> None:
    """Active models no source knows: a full sync would deactivate every one of them."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO public.providers (id, slug, name) VALUES ('prov-x', 'xcorp', 'XCorp')"
        )
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO public.models (id, provider_id, slug, name, is_active, data_source)"
                " VALUES (%s, 'prov-x', %s, %s, true, 'aa_api')",
                [(f"m-{i}", f"xcorp-gone-{i}", f"Gone {i}") for i in range(count)],
            )


def active_models(url: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT count(*) FROM public.models WHERE is_active").fetchone()
    return int(row[0]) if row else 0


async def test_sync_step_applies_every_source(
    make_service: ServiceFactory, database_url: str
) -> None:
    """An empty table is filled from the sources; each source and the diff are reported."""
    report = await make_service().run(SYNC_ONLY, actor=OPERATOR)
    step = report.step(StepName.SYNC)
    assert report.outcome is Outcome.OK, step.detail
    assert step.data["sync_outcome"] == "applied"
    added = step.data["diff"]["added"]
    assert added > 0 and active_models(database_url) == added
    assert any(line.startswith("source aa_api: ok (") for line in step.detail)
    assert any(line.startswith(f"add {added} (") for line in step.detail)
    with psycopg.connect(database_url) as conn:
        trigger = conn.execute("SELECT trigger FROM chatops.sync_runs").fetchone()
    assert trigger == (f"recovery:{OPERATOR}",)


async def test_sync_step_fails_when_the_drop_guard_refuses(
    make_service: ServiceFactory, database_url: str
) -> None:
    """Without the override the guard holds: the step fails, nothing is deactivated."""
    seed_vanishing_models(database_url, 400)
    report = await make_service().run(SYNC_ONLY, actor=OPERATOR)
    step = report.step(StepName.SYNC)
    assert step.state is StepState.FAILED
    assert step.detail[-1].startswith("the drop guard refused it: ")
    assert any("--force-sync" in line for line in step.detail)
    assert active_models(database_url) == 400


async def test_sync_step_applies_past_the_guard_with_the_override(
    make_service: ServiceFactory, database_url: str
) -> None:
    """With force_sync ticked the same sync is applied; absent models are deactivated only."""
    seed_vanishing_models(database_url, 400)
    options = RecoveryOptions(steps=(StepName.SYNC,), force_sync=True)
    report = await make_service().run(options, actor=OPERATOR)
    step = report.step(StepName.SYNC)
    assert step.state is StepState.OK, step.detail
    assert step.data["diff"]["deactivated"] == 400
    with psycopg.connect(database_url) as conn:
        gone = conn.execute(
            "SELECT count(*) FROM public.models WHERE slug LIKE 'xcorp-gone-%' AND NOT is_active"
        ).fetchone()
    assert gone == (400,)


async def test_deploy_step_follows_the_deployment_to_ready(
    make_service: ServiceFactory, vercel: VercelStandIn
) -> None:
    """Hook called once; the hook's deployment (not an older one) is followed to READY."""
    vercel.add_old_deployment(created_ms=1)
    report = await make_service().run(DEPLOY_ONLY, actor=OPERATOR)
    step = report.step(StepName.DEPLOY)
    assert report.outcome is Outcome.OK, step.detail
    assert vercel.hook_calls() == 1
    assert step.data["deployment_id"] == "dpl_0001"
    assert step.data["final_state"] == "READY"
    assert "deployment dpl_0001: BUILDING" in step.detail
    assert step.detail[-1].startswith("deployment dpl_0001 is READY after ")
    listed = [r for r in vercel.requests if r.path == "/v6/deployments"]
    assert listed and all(r.query["projectId"] == "prj_aisi_recovery" for r in listed)


async def test_deploy_step_reports_a_deployment_that_ends_in_error(
    make_service: ServiceFactory, vercel: VercelStandIn
) -> None:
    """ERROR with Vercel's message: the step fails naming the deployment and the message."""
    vercel.states = ["BUILDING", "ERROR"]
    vercel.error_message = 'Command "npm run build" exited with 1'
    report = await make_service().run(DEPLOY_ONLY, actor=OPERATOR)
    step = report.step(StepName.DEPLOY)
    assert step.state is StepState.FAILED
    assert step.detail[-1] == (
        'deployment dpl_0001 ended ERROR: Command "npm run build" exited with 1'
    )
    assert report.outcome is Outcome.FAILED


async def test_deploy_step_times_out_on_a_deployment_that_never_finishes(
    make_service: ServiceFactory, vercel: VercelStandIn
) -> None:
    """Still BUILDING at vercel.deploy_timeout: failed, saying it goes on at Vercel."""
    vercel.states = ["BUILDING"]
    report = await make_service(deploy_timeout_s=0.5).run(DEPLOY_ONLY, actor=OPERATOR)
    step = report.step(StepName.DEPLOY)
    assert step.state is StepState.FAILED
    assert step.detail[-1].startswith(
        "deployment dpl_0001 did not finish within 0.5s (still BUILDING"
    )
    assert step.detail[-1].endswith("it goes on at Vercel")
    assert step.data["final_state"] == "TIMEOUT"


async def test_deploy_step_fails_with_the_status_when_the_hook_answers_500(
    make_service: ServiceFactory, vercel: VercelStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    """Hook 500: failed with the status; the hook URL is shown masked and never logged."""
    caplog.set_level(logging.DEBUG, logger="bot")  # httpx's own URL lines: bot/logs.py
    vercel.hook_status = 500
    report = await make_service().run(DEPLOY_ONLY, actor=OPERATOR)
    step = report.step(StepName.DEPLOY)
    assert step.state is StepState.FAILED
    assert step.detail[-1] == f"the deploy hook …{HOOK_SECRET[-4:]} failed: HTTP 500"
    assert not [r for r in vercel.requests if r.path.startswith("/v6")]
    assert HOOK_SECRET not in str(report.as_json())
    assert HOOK_SECRET not in caplog.text


async def test_deploy_step_without_token_says_it_cannot_follow(
    make_service: ServiceFactory, vercel: VercelStandIn
) -> None:
    """No VERCEL_TOKEN: the hook is called and the step says the deploy cannot be followed."""
    report = await make_service(token="").run(DEPLOY_ONLY, actor=OPERATOR)
    step = report.step(StepName.DEPLOY)
    assert step.state is StepState.OK
    assert step.detail[-1] == NOT_FOLLOWED
    assert vercel.hook_calls() == 1 and len(vercel.requests) == 1


async def test_deploy_step_honours_retry_after_on_the_hook(
    make_service: ServiceFactory, vercel: VercelStandIn
) -> None:
    """A 429 with Retry-After: 0 is retried once and then succeeds."""
    vercel.hook_retry_after = ["0"]
    report = await make_service().run(DEPLOY_ONLY, actor=OPERATOR)
    assert report.outcome is Outcome.OK, report.step(StepName.DEPLOY).detail
    assert vercel.hook_calls() == 2


async def test_deploy_step_without_hook_or_with_unreachable_hook_fails(
    make_service: ServiceFactory,
) -> None:
    """No hook URL configured, or nothing listening there: failed, each saying why."""
    unset = await make_service(hook_url="").run(DEPLOY_ONLY, actor=OPERATOR)
    assert unset.step(StepName.DEPLOY).detail[-1].startswith("VERCEL_DEPLOY_HOOK_URL is not set")
    secret = "zz" + "P9" * 10
    url = f"http://127.0.0.1:{closed_port()}/v1/integrations/deploy/prj/{secret}"
    refused = await make_service(hook_url=url).run(DEPLOY_ONLY, actor=OPERATOR)
    line = refused.step(StepName.DEPLOY).detail[-1]
    assert line == f"the deploy hook …{secret[-4:]} failed: unreachable (ConnectError)"
    assert secret not in str(refused.as_json())
