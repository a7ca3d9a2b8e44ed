"""App, AA and runner checks against stand-ins: the app's health read truthfully, AA's quota
from its headers, a runner that survives hangs, bugs and a database that is down."""

from __future__ import annotations

import httpx
import pytest

from bot.checks import (
    CheckContext,
    CheckResult,
    CheckResultStore,
    CheckRunner,
    CheckState,
    NamedCheck,
    aa_api_check,
    app_health_check,
)
from bot.incidents import IncidentService, RecordingNotifier, State
from bot.stores.db import Database
from tests.incidents.conftest import FakeClock
from tests.scheduling.conftest import all_incidents, backup_check, rounds
from tests.sync_upstreams import AA_API_PATH, GITHUB_PATH, aa_api_body
from tests.upstreams import APP_HEALTH, Upstreams, app_health

AA_KEY = "aa_Sz7Xv1Bn5Rt8Mp3Hc6Jg0Ks4Lq2Wa5E"


async def test_app_health_saying_healthy_with_its_database_down_fails(
    runner: CheckRunner,
    upstreams: Upstreams,
    http: httpx.AsyncClient,
    incidents: IncidentService,
) -> None:
    """'healthy' on top but services.database 'unhealthy': a failure, then one incident."""
    upstreams.route(APP_HEALTH, json=app_health(database="unhealthy"))
    checks = [app_health_check(client=http, base_url=upstreams.url + "/app", timeout_s=2)]
    runs = await rounds(runner, checks, 2)
    (result,) = runs[-1].results
    assert result.state is CheckState.FAILED
    assert result.detail == "app says 'healthy' but database is unhealthy"
    assert await all_incidents(incidents) == [("app:health", State.OPEN, 1)]


@pytest.mark.parametrize(
    ("headers", "state", "detail"),
    [
        (
            {"x-ratelimit-limit": "1000", "x-ratelimit-remaining": "40"},
            CheckState.FAILED,
            "40 of 1000 requests left today",
        ),
        ({"RateLimit-Remaining": "900"}, CheckState.OK, "900 requests left today"),
        ({}, CheckState.UNKNOWN, "AA did not say (no rate-limit headers)"),
    ],
)
async def test_aa_quota_is_read_from_its_headers_when_they_say(
    runner: CheckRunner,
    upstreams: Upstreams,
    http: httpx.AsyncClient,
    headers: dict[str, str],
    state: CheckState,
    detail: str,
) -> None:
    """Quota left from the rate-limit headers; without them the quota is unknown, not OK."""
    upstreams.route(AA_API_PATH, json=aa_api_body(), headers=headers)
    check = aa_api_check(
        client=http, base_url=upstreams.url + "/aa", key=AA_KEY, timeout_s=2, min_left=100
    )
    (run,) = await rounds(runner, [check], 1)
    by_id = {r.check_id: r for r in run.results}
    assert (by_id["source:aa_api:quota"].state, by_id["source:aa_api:quota"].detail) == (
        state,
        detail,
    )
    assert by_id["source:aa_api"].state is CheckState.OK
    assert by_id["source:aa_api:placeholder"].state is CheckState.OK
    assert upstreams.requested("/aa")[0].headers["x-api-key"] == AA_KEY


async def test_aa_used_up_its_quota(
    runner: CheckRunner, upstreams: Upstreams, http: httpx.AsyncClient
) -> None:
    """HTTP 429 from AA: the source fails and the quota is used up."""
    upstreams.route(AA_API_PATH, status=429, json={"error": "Rate limit exceeded"})
    check = aa_api_check(
        client=http, base_url=upstreams.url + "/aa", key=AA_KEY, timeout_s=2, min_left=100
    )
    (run,) = await rounds(runner, [check], 1)
    states = {r.check_id: (r.state, r.detail) for r in run.results}
    assert states["source:aa_api"] == (CheckState.FAILED, "rate limited")
    assert states["source:aa_api:quota"] == (
        CheckState.FAILED,
        "HTTP 429: the daily quota is used up",
    )


async def test_a_check_past_the_runner_deadline_is_unknown_and_others_still_report(
    incidents: IncidentService,
    db: Database,
    clock: FakeClock,
    upstreams: Upstreams,
    http: httpx.AsyncClient,
) -> None:
    """A check that does not bound itself: unknown after the runner's deadline, no incident."""
    runner = CheckRunner(
        incidents=incidents, store=CheckResultStore(db), clock=clock, check_timeout_s=0.3
    )
    upstreams.route(GITHUB_PATH, hang=True)
    upstreams.route(APP_HEALTH, json=app_health())
    checks = [
        backup_check(upstreams, http, clock, timeout_s=30),
        app_health_check(client=http, base_url=upstreams.url + "/app", timeout_s=2),
    ]
    runs = await rounds(runner, checks, 2)
    states = {r.check_id: (r.state, r.detail) for r in runs[-1].results}
    assert states == {
        "source:github_backup": (CheckState.UNKNOWN, "timed out after 0.3 s"),
        "app:health": (CheckState.OK, "healthy; database: healthy, redis: healthy"),
    }
    assert await incidents.list_all() == []


async def test_a_check_that_raises_is_unknown_with_an_error_id(runner: CheckRunner) -> None:
    """A bug in one check: that check is unknown (with an error id), the round completes."""

    async def broken(_: CheckContext) -> list[CheckResult]:
        raise KeyError("surprise")

    (run,) = await rounds(runner, [NamedCheck("broken", "source:broken", broken)], 1)
    (result,) = run.results
    assert result.state is CheckState.UNKNOWN
    assert result.detail.startswith("check failed: KeyError (error id ")


async def test_app_health_answering_garbage_is_unknown(
    runner: CheckRunner, upstreams: Upstreams, http: httpx.AsyncClient
) -> None:
    """A 200 that is not JSON says nothing about the app's services: unknown, no failure."""
    upstreams.route(APP_HEALTH, text="<html>maintenance</html>")
    checks = [app_health_check(client=http, base_url=upstreams.url + "/app", timeout_s=2)]
    (run,) = await rounds(runner, checks, 1)
    (result,) = run.results
    assert result.state is CheckState.UNKNOWN
    assert result.detail == "HTTP 200 but the body is not a JSON object"


async def test_with_the_database_down_the_checks_still_report_what_they_found(
    upstreams: Upstreams, http: httpx.AsyncClient
) -> None:
    """No database: results are returned, and what could not be recorded is named."""
    down = Database("postgresql://postgres@127.0.0.1:9/none", connect_timeout_s=1)
    await down.open()
    try:
        from bot.incidents import EscalationPolicy

        service = IncidentService(
            down, policy=EscalationPolicy(), notifier=RecordingNotifier(), db_timeout_s=1
        )
        runner = CheckRunner(incidents=service, store=CheckResultStore(down, timeout_s=1))
        upstreams.route(APP_HEALTH, json=app_health(database="unhealthy"))
        checks = [app_health_check(client=http, base_url=upstreams.url + "/app", timeout_s=2)]
        (run,) = await rounds(runner, checks, 1)
    finally:
        await down.close()
    assert [r.state for r in run.results] == [CheckState.FAILED]
    assert run.errors == ("app:health (PoolTimeout)", "check results (PoolTimeout)")
    assert run.summary().endswith(
        "not recorded: app:health (PoolTimeout); check results (PoolTimeout)"
    )


async def test_aa_is_asked_at_most_every_15_minutes_to_spare_its_quota(
    runner: CheckRunner, upstreams: Upstreams, http: httpx.AsyncClient, clock: FakeClock
) -> None:
    """Checks every 10 s would spend 8,640 of AA's 1,000 daily requests: AA is asked once per
    15 min, and in between its last outcome stands."""
    upstreams.route(AA_API_PATH, json=aa_api_body(), headers={"x-ratelimit-remaining": "700"})
    check = aa_api_check(
        client=http, base_url=upstreams.url + "/aa", key=AA_KEY, timeout_s=2, min_left=100
    )
    first, second = await rounds(runner, [check], 2)
    assert len(first.results) == 3 and second.results == ()
    clock.advance(901)
    (third,) = await rounds(runner, [check], 1)
    assert len(third.results) == 3
    assert upstreams.count(AA_API_PATH) == 2
