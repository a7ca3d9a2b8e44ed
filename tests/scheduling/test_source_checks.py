"""Source checks against stand-ins serving the real fixtures: each failure opens one incident
(past the flap threshold), recovery resolves it in its thread."""

from __future__ import annotations

import httpx
import pytest

from bot.checks import (
    CheckResultStore,
    CheckRunner,
    CheckState,
    CountGuard,
    NamedCheck,
    SourceCheckSettings,
    build_source_checks,
    count_check,
)
from bot.checks.counts import app_count_reader
from bot.incidents import IncidentService, RecordingNotifier, State
from bot.sources.github_backup import fetch_github_backup
from bot.sources.records import SourceResult
from bot.stores.db import Database
from tests.incidents.conftest import FakeClock
from tests.scheduling.conftest import (
    all_incidents,
    assert_resolved_in_thread,
    backup_check,
    failing,
    rounds,
)
from tests.sync_upstreams import GITHUB_PATH, fixture_json
from tests.upstreams import APP_MODELS, BASES, Upstreams, app_models

GUARD = CountGuard(max_drop_share=0.2, min_active=10)
AA_KEY = "aa_Sz7Xv1Bn5Rt8Mp3Hc6Jg0Ks4Lq2Wa5E"


def app_count_check(upstreams: Upstreams, http: httpx.AsyncClient) -> NamedCheck:
    """The app's model count (``/api/v1/models?limit=1`` total) against its baseline."""
    base_url = upstreams.url + BASES["APP_BASE_URL"]
    reader = app_count_reader(client=http, base_url=base_url, timeout_s=2)
    return count_check("app", "App", reader, GUARD)


async def test_backup_turning_into_placeholder_data_opens_one_incident_then_resolves(
    runner: CheckRunner,
    upstreams: Upstreams,
    http: httpx.AsyncClient,
    clock: FakeClock,
    incidents: IncidentService,
    notifier: RecordingNotifier,
) -> None:
    """Real 2025-08 backup, then the real 2025-09 placeholder one: one incident; back: resolved."""
    checks = [backup_check(upstreams, http, clock)]
    upstreams.route(GITHUB_PATH, json=fixture_json("github_backup_models.json"))
    (healthy,) = await rounds(runner, checks, 1)
    assert healthy.counts["failed"] == 0 and healthy.counts["ok"] == 3
    upstreams.route(GITHUB_PATH, json=fixture_json("github_backup_aa-models.json"))
    first, second, third = await rounds(runner, checks, 3)
    assert failing(first) == ["source:github_backup:placeholder"]
    assert {o.dedup_key: o.outcome for o in first.outcomes}[
        "source:github_backup:placeholder"
    ] is None  # one failure is a flap: no incident yet
    assert second.summary().endswith("opened: source:github_backup:placeholder")
    assert await all_incidents(incidents) == [("source:github_backup:placeholder", State.OPEN, 2)]
    (opened,) = await incidents.list_open()
    assert "275 of 275 models have speed 100 and prices 5/10" in str(opened.details)
    assert len(notifier.named("incident_changed")) >= 2 and third.errors == ()
    upstreams.route(GITHUB_PATH, json=fixture_json("github_backup_models.json"))
    (recovered,) = await rounds(runner, checks, 1)
    assert "resolved: source:github_backup:placeholder" in recovered.summary()
    await assert_resolved_in_thread(incidents, notifier, "source:github_backup:placeholder")


async def test_a_stale_backup_opens_its_age_incident(
    runner: CheckRunner,
    upstreams: Upstreams,
    http: httpx.AsyncClient,
    clock: FakeClock,
    incidents: IncidentService,
    db: Database,
) -> None:
    """The 2025-09-20 backup checked on 2026-11-26 with a 7-day limit: 'backup 431 days old'."""
    upstreams.route(GITHUB_PATH, json=fixture_json("github_backup_aa-models.json"))
    await rounds(runner, [backup_check(upstreams, http, clock, max_age_days=7)], 2)
    stored = await CheckResultStore(db).get("source:github_backup:age")
    assert stored is not None and stored.state is CheckState.FAILED
    assert stored.detail == "backup 431 days old (updated 2025-09-20)"
    assert stored.facts["age_days"] == 431
    keys = {key for key, _, _ in await all_incidents(incidents)}
    assert keys == {"source:github_backup:age", "source:github_backup:placeholder"}


async def test_model_count_dropping_275_to_15_opens_one_incident_then_resolves(
    runner: CheckRunner,
    upstreams: Upstreams,
    http: httpx.AsyncClient,
    incidents: IncidentService,
    notifier: RecordingNotifier,
) -> None:
    """The app's real /api/v1/models with total 275, then 15: one incident; 275 again: resolved."""
    checks = [app_count_check(upstreams, http)]
    upstreams.route(APP_MODELS, json=app_models(total=275))
    await rounds(runner, checks, 1)
    upstreams.route(APP_MODELS, json=app_models(total=15))
    runs = await rounds(runner, checks, 3)
    assert [r.counts["failed"] for r in runs] == [1, 1, 1]
    assert await all_incidents(incidents) == [("models:count_drop:app", State.OPEN, 2)]
    (opened,) = await incidents.list_open()
    assert opened.title == "App: active model count dropped"
    assert "fell from 275 to 15 (-95%), more than sync.max_deactivate_share (20%)" in str(
        opened.details
    )
    upstreams.route(APP_MODELS, json=app_models(total=275))
    await rounds(runner, checks, 1)
    await assert_resolved_in_thread(incidents, notifier, "models:count_drop:app")


async def test_a_drop_resolved_by_a_person_becomes_the_new_baseline(
    runner: CheckRunner,
    upstreams: Upstreams,
    http: httpx.AsyncClient,
    incidents: IncidentService,
    db: Database,
) -> None:
    """Someone resolves the drop as intended: the next check accepts 200 and opens nothing."""
    checks = [app_count_check(upstreams, http)]
    upstreams.route(APP_MODELS, json=app_models(total=275))
    await rounds(runner, checks, 1)
    upstreams.route(APP_MODELS, json=app_models(total=200))
    await rounds(runner, checks, 2)
    (opened,) = await incidents.list_open()
    await incidents.resolve(opened.id, actor="UONCALL", note="providers retired 75 models")
    (accepted,) = await rounds(runner, checks, 1)
    assert accepted.counts["ok"] == 1 and await incidents.list_open() == []
    stored = await CheckResultStore(db).get("models:count_drop:app")
    assert stored is not None and stored.facts["baseline"] == 200
    assert "200 accepted as the new baseline" in stored.detail


async def test_a_count_below_the_minimum_fails_without_a_baseline(
    runner: CheckRunner, db: Database
) -> None:
    """Nine active models on the first check: below sync.min_active_models (10)."""

    async def nine() -> tuple[int | None, str]:
        return 9, "9 active models"

    (run,) = await rounds(runner, [count_check("database", "Database", nine, GUARD)], 1)
    (result,) = run.results
    assert result.state is CheckState.FAILED
    assert result.detail == "9 active models, below sync.min_active_models (10)"


async def test_a_hanging_source_fails_by_its_own_timeout_and_opens_one_incident(
    runner: CheckRunner,
    upstreams: Upstreams,
    http: httpx.AsyncClient,
    clock: FakeClock,
    incidents: IncidentService,
) -> None:
    """A backup that never answers within its 0.5 s: the source fails; twice: one incident."""
    upstreams.route(GITHUB_PATH, hang=True)
    runs = await rounds(runner, [backup_check(upstreams, http, clock, timeout_s=0.5)], 2)
    states = {r.check_id: (r.state, r.detail) for r in runs[-1].results}
    assert states["source:github_backup"] == (CheckState.FAILED, "timeout after 0.5 s")
    assert states["source:github_backup:age"][0] is CheckState.UNKNOWN
    assert await all_incidents(incidents) == [("source:github_backup", State.OPEN, 1)]


async def test_default_checks_cover_aa_sources_app_and_both_counts(
    upstreams: Upstreams, http: httpx.AsyncClient, db: Database
) -> None:
    """build_source_checks: AA, each given source, app health, app and database counts."""
    settings = SourceCheckSettings(
        app_base_url=upstreams.url + "/app",
        aa_base_url=upstreams.url + "/aa",
        aa_key=None,
        max_drop_share=0.2,
        min_active_models=10,
    )

    async def backup() -> SourceResult:
        return await fetch_github_backup(client=http, url=upstreams.url + GITHUB_PATH, timeout_s=2)

    checks = build_source_checks(settings, client=http, db=db, sources=[("github_backup", backup)])
    assert [c.check_id for c in checks] == [
        "source:aa_api",
        "source:github_backup",
        "app:health",
        "models:count_drop:app",
        "models:count_drop:database",
    ]


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (500, "Internal Server Error", "HTTP 500"),
        (200, "<html>not json</html>", "unparseable: not JSON"),
        (429, "slow down", "rate limited"),
    ],
)
async def test_a_backup_answering_errors_or_garbage_fails_and_names_why(
    runner: CheckRunner,
    upstreams: Upstreams,
    http: httpx.AsyncClient,
    clock: FakeClock,
    status: int,
    body: str,
    reason: str,
) -> None:
    """500, garbage and 429 from the backup: the source check fails with the reason."""
    upstreams.route(GITHUB_PATH, status=status, text=body)
    (run,) = await rounds(runner, [backup_check(upstreams, http, clock)], 1)
    states = {r.check_id: (r.state, r.detail) for r in run.results}
    assert states["source:github_backup"][0] is CheckState.FAILED
    assert states["source:github_backup"][1].startswith(reason)
