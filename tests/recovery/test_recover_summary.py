"""The summary Slack and the CLI show, from real runs against the Vercel stand-in: READY,
ERROR, a deployment that never finishes, a hook answering 500, and the incident a failed
run opens when the recovery is wired (``build_recovery``) with the incident layer."""

from __future__ import annotations

from pathlib import Path

import httpx
import psycopg
import pytest
from redis.asyncio import Redis

from bot.incidents import EscalationPolicy, IncidentService, RecordingNotifier
from bot.recovery import Outcome, RecoveryOptions, RecoveryReport, StepName
from bot.recovery.wiring import build_recovery
from bot.settings.model import load_settings
from bot.slack.render import Renderer
from bot.slack.text import message_to_text
from bot.stores.db import Database
from tests.conftest import SEALED_URLS, write_test_config
from tests.recovery.conftest import OPERATOR, PREFIXES, ServiceFactory
from tests.recovery.vercel_standin import HOOK_SECRET, PROJECT_ID, TOKEN, VercelStandIn

DEPLOY_ONLY = RecoveryOptions(steps=(StepName.DEPLOY,))
MASKED = f"…{HOOK_SECRET[-4:]}"


def shown(report: RecoveryReport) -> str:
    """The summary as the CLI prints it (the same blocks Slack gets)."""
    return message_to_text(Renderer().render("recover_summary", report=report).as_kwargs())


@pytest.mark.parametrize(
    ("states", "hook_status", "timeout_s", "headline", "last_line"),
    [
        (
            ["BUILDING", "READY"],
            201,
            10.0,
            "✅ Recovery done — every step succeeded",
            "deployment dpl_0001 is READY after ",
        ),
        (
            ["BUILDING", "ERROR"],
            201,
            10.0,
            "❌ Recovery failed at step 1: Redeploy the app",
            'deployment dpl_0001 ended ERROR: Command "npm run build" exited with 1',
        ),
        (
            ["BUILDING"],
            201,
            0.5,
            "❌ Recovery failed at step 1: Redeploy the app",
            "deployment dpl_0001 did not finish within 0.5s (still BUILDING",
        ),
        (
            ["READY"],
            500,
            10.0,
            "❌ Recovery failed at step 1: Redeploy the app",
            f"the deploy hook {MASKED} failed: HTTP 500",
        ),
    ],
    ids=["ready", "error", "timeout", "hook-500"],
)
async def test_each_deploy_ending_is_in_the_summary(
    make_service: ServiceFactory,
    vercel: VercelStandIn,
    states: list[str],
    hook_status: int,
    timeout_s: float,
    headline: str,
    last_line: str,
) -> None:
    """READY, ERROR (with Vercel's message), a timeout, a hook 500: headline and the line."""
    vercel.states, vercel.hook_status = states, hook_status
    vercel.error_message = 'Command "npm run build" exited with 1'
    report = await make_service(deploy_timeout_s=timeout_s).run(DEPLOY_ONLY, actor=OPERATOR)
    text = shown(report)
    assert text.splitlines()[0] == headline
    assert last_line in text
    assert HOOK_SECRET not in text
    failed = "❌ *1. Redeploy the app* — failed · " in text
    assert failed is (report.outcome is Outcome.FAILED)


async def test_a_failed_run_opens_an_incident_the_summary_names(
    db: Database,
    redis: Redis,
    http: httpx.AsyncClient,
    vercel: VercelStandIn,
    notifier: RecordingNotifier,
    database_url: str,
    tmp_path: Path,
) -> None:
    """Wired as the composition root wires it, with the incident layer passed in: a failed
    redeploy opens one critical incident, and the summary names it."""
    config = write_test_config(tmp_path / "cfg")
    with (config / "local.toml").open("a") as handle:
        handle.write(f'\n[vercel]\nproject_id = "{PROJECT_ID}"\n')
    settings = load_settings(
        {
            **SEALED_URLS,
            "BOT_CONFIG_DIR": str(config),
            "VERCEL_DEPLOY_HOOK_URL": vercel.hook_url,
            "VERCEL_TOKEN": TOKEN,
            "VERCEL_API_URL": vercel.url,
        }
    )
    assert settings.cache_key_prefixes == PREFIXES
    incidents = IncidentService(
        db,
        policy=EscalationPolicy(primary=("UPRIMARY",), after_s=600, max_repeats=0),
        notifier=notifier,
        db_timeout_s=2.0,
    )
    service = build_recovery(
        settings,
        db=db,
        redis=redis,
        http=http,
        sync=_NoSync(),
        operators={OPERATOR.removeprefix("user:")},
        incidents=incidents,
    )
    vercel.hook_status = 500
    options = RecoveryOptions(steps=(StepName.CACHE, StepName.DEPLOY))
    report = await service.run(options, actor=OPERATOR)

    assert report.outcome is Outcome.FAILED and report.incident_id is not None
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT id, severity, title FROM chatops.incidents").fetchone()
    assert row is not None and row[:2] == (report.incident_id, "critical")
    assert row[2].startswith("Recovery failed at step 2 (Redeploy the app)")
    assert f"🚨 Incident #{report.incident_id} opened (critical)" in shown(report)


class _NoSync:
    """A sync the test does not run (the steps chosen leave it out)."""

    async def run(self, request: object, progress: object = None) -> object:
        raise AssertionError("the sync step was not chosen")
