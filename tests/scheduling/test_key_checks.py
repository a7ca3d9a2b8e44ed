"""Hourly key checks against provider stand-ins with the providers' real error bodies."""

from __future__ import annotations

import httpx

from bot.checks import CheckRunner, CheckState, KeyTarget, key_checks
from bot.incidents import IncidentService, RecordingNotifier, Severity, State
from bot.stores.result_cache import MemoryResultCache
from tests.provider_bodies import ANTHROPIC_402, REPLICATE_429
from tests.scheduling.conftest import assert_resolved_in_thread, rounds
from tests.upstreams import BASES, KEY_PATHS, OPENAI_MODELS, Upstreams, openai_401

OPENAI_KEY = "sk-proj-Ky7nQk2Wz7Xv1Bn5Rt8Mp3Hc6Jg0oa1A"


def target(upstreams: Upstreams, provider: str, key: str | None) -> KeyTarget:
    """A key pointed at its stand-in."""
    env = {
        "openai": "OPENAI_BASE_URL",
        "anthropic": "ANTHROPIC_BASE_URL",
        "replicate": "REPLICATE_BASE_URL",
    }[provider]
    return KeyTarget(provider, key, upstreams.url + BASES[env])


async def test_a_key_turning_invalid_opens_one_incident_and_recovery_resolves_it(
    runner: CheckRunner,
    upstreams: Upstreams,
    http: httpx.AsyncClient,
    incidents: IncidentService,
    notifier: RecordingNotifier,
) -> None:
    """OpenAI answers 401 invalid_api_key twice: one critical incident, key masked; valid again:
    resolved in its thread."""
    checks = key_checks(
        [target(upstreams, "openai", OPENAI_KEY)], client=http, cache=None, timeout_s=2
    )
    upstreams.route(KEY_PATHS["openai"], json=OPENAI_MODELS)
    await rounds(runner, checks, 1)
    upstreams.route(KEY_PATHS["openai"], status=401, json=openai_401(OPENAI_KEY[:8] + "...oa1A"))
    await rounds(runner, checks, 3)
    (incident,) = await incidents.list_all()
    assert (incident.dedup_key, incident.title, incident.severity, incident.count) == (
        "key:openai",
        "OpenAI key invalid",
        Severity.CRITICAL,
        2,
    )
    assert OPENAI_KEY not in str(incident.details) and "…oa1A" in str(incident.details)
    upstreams.route(KEY_PATHS["openai"], json=OPENAI_MODELS)
    await rounds(runner, checks, 1)
    await assert_resolved_in_thread(incidents, notifier, "key:openai")


async def test_a_key_out_of_quota_fails(
    runner: CheckRunner, upstreams: Upstreams, http: httpx.AsyncClient
) -> None:
    """Anthropic 402 billing_error: 'out of quota', critical."""
    upstreams.route(KEY_PATHS["anthropic"], status=402, json=ANTHROPIC_402)
    checks = key_checks(
        [target(upstreams, "anthropic", "sk-ant-api03-xxxxxxxxxxxxQ2")],
        client=http,
        cache=None,
        timeout_s=2,
    )
    (run,) = await rounds(runner, checks, 1)
    (result,) = run.results
    assert (result.state, result.status, result.title) == (
        CheckState.FAILED,
        "quota",
        "Anthropic key out of quota",
    )


async def test_rate_limits_say_nothing_about_the_key(
    runner: CheckRunner,
    upstreams: Upstreams,
    http: httpx.AsyncClient,
    incidents: IncidentService,
) -> None:
    """Replicate 429 throttled: unknown (the incident layer is not touched), stored as such."""
    upstreams.route(
        KEY_PATHS["replicate"], status=429, json=REPLICATE_429, headers={"Retry-After": "7"}
    )
    checks = key_checks(
        [target(upstreams, "replicate", "r8_xxxxxxxxxxxxxxxxxxxxrp4D")],
        client=http,
        cache=MemoryResultCache(),
        timeout_s=2,
    )
    runs = await rounds(runner, checks, 3)
    assert {r.state for run in runs for r in run.results} == {CheckState.UNKNOWN}
    assert runs[-1].outcomes == () and await incidents.list_all() == []
    assert runs[-1].results[0].facts["retry_after_s"] == 7


async def test_a_missing_key_is_a_warning_unless_told_otherwise(
    runner: CheckRunner,
    upstreams: Upstreams,
    http: httpx.AsyncClient,
    incidents: IncidentService,
) -> None:
    """No OpenAI key: a warning incident after two checks; with alert_on_missing off, skipped."""
    quiet = key_checks(
        [target(upstreams, "openai", None)],
        client=http,
        cache=None,
        timeout_s=2,
        alert_on_missing=False,
    )
    (run,) = await rounds(runner, quiet, 1)
    assert run.results[0].state is CheckState.SKIPPED
    loud = key_checks([target(upstreams, "openai", "")], client=http, cache=None, timeout_s=2)
    await rounds(runner, loud, 2)
    (incident,) = await incidents.list_all()
    assert (incident.title, incident.severity, incident.state) == (
        "OpenAI key missing",
        Severity.WARNING,
        State.OPEN,
    )
    assert upstreams.requests == []  # a missing key is never sent anywhere
