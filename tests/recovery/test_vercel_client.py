"""``bot.upstream.vercel``: the deploy hook, finding the hook's deployment, following it, 429s."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
import pytest

from bot.errors import DependencyError
from bot.recovery import RecoveryOptions, StepName, StepState
from bot.settings.secrets import Secret
from bot.upstream.vercel import DeployHook, VercelDeployments
from tests.recovery.conftest import OPERATOR, ServiceFactory
from tests.recovery.vercel_standin import PROJECT_ID, TOKEN, VercelStandIn


class Sleeps:
    """An injected sleep that records the waits asked for and does not wait."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


async def test_the_hook_waits_out_a_short_retry_after(
    vercel: VercelStandIn, http: httpx.AsyncClient
) -> None:
    """429 with Retry-After: 2 → one wait of 2 s, then the hook is accepted."""
    vercel.hook_retry_after = ["2"]
    sleeps = Sleeps()
    hook = DeployHook(http, url=Secret(vercel.hook_url), sleep=sleeps)
    triggered = await hook.trigger()
    assert sleeps.waits == [2.0]
    assert (triggered.status, triggered.job_id) == (201, "job_dpl_0001")
    assert triggered.created_at is not None


async def test_the_hook_reports_a_long_retry_after_instead_of_waiting(
    vercel: VercelStandIn, http: httpx.AsyncClient
) -> None:
    """A Retry-After beyond the limit is reported at once, with the wait Vercel asked for."""
    vercel.hook_retry_after = ["120"]
    sleeps = Sleeps()
    hook = DeployHook(http, url=Secret(vercel.hook_url), sleep=sleeps, max_retry_after_s=30)
    with pytest.raises(DependencyError, match=r"rate limited \(HTTP 429, retry after 120 s\)"):
        await hook.trigger()
    assert sleeps.waits == [] and vercel.hook_calls() == 1


async def test_find_deployment_takes_the_first_one_created_after_the_hook(
    vercel: VercelStandIn, http: httpx.AsyncClient
) -> None:
    """An older deployment is ignored; the token goes as a bearer header; the project filters."""
    vercel.list_misses = 0
    vercel.add_old_deployment(created_ms=1_000)
    api = VercelDeployments(http, base_url=vercel.url, token=Secret(TOKEN))
    triggered = await DeployHook(http, url=Secret(vercel.hook_url)).trigger()
    assert triggered.created_at is not None
    found = await api.find_deployment(PROJECT_ID, triggered.created_at)
    assert found is not None and found.uid == "dpl_0001"
    assert await api.find_deployment("prj_other", triggered.created_at) is None
    listed = [r for r in vercel.requests if r.path == "/v6/deployments"]
    assert {r.authorization for r in listed} == {f"Bearer {TOKEN}"}
    assert int(listed[0].query["since"]) == int(triggered.created_at.timestamp() * 1000)


async def test_follow_rides_out_a_failed_poll() -> None:
    """One 500 while following is retried; the deployment then reaches READY."""
    answers = iter([500, "BUILDING", 500, "READY"])

    def handler(request: httpx.Request) -> httpx.Response:
        answer = next(answers)
        if answer == 500:
            return httpx.Response(500, json={"error": {"code": "internal"}})
        body = {"id": "dpl_1", "createdAt": 1_700_000_000_000, "readyState": answer}
        return httpx.Response(200, content=json.dumps(body))

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        api = VercelDeployments(
            client, base_url="http://vercel.test", token=Secret(TOKEN), sleep=Sleeps()
        )
        result = await api.follow("dpl_1", timeout_s=60, poll_interval_s=1)
    assert (result.state, result.polls) == ("READY", 4)


async def test_a_forbidden_listing_fails_the_step_at_once(
    make_service: ServiceFactory, vercel: VercelStandIn
) -> None:
    """A token Vercel refuses (403) fails the step at once, saying the deploy was queued."""
    report = await make_service(token="not-the-token-" + "x" * 10).run(
        RecoveryOptions(steps=(StepName.DEPLOY,)), actor=OPERATOR
    )
    step = report.step(StepName.DEPLOY)
    assert step.state is StepState.FAILED
    assert step.detail[-1] == (
        "cannot list the project's deployments: HTTP 403 (check VERCEL_TOKEN and"
        " vercel.project_id); the deploy was queued"
    )
    assert vercel.hook_calls() == 1


def test_deployment_times_are_utc() -> None:
    """Vercel's millisecond timestamps become aware UTC datetimes."""
    from bot.upstream.vercel import _deployment

    parsed = _deployment({"id": "dpl_9", "createdAt": 0, "readyState": "READY"})
    assert parsed is not None and parsed.created_at == datetime(1970, 1, 1, tzinfo=UTC)
