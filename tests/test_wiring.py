"""The composition root builds a complete runtime: every service wired, nothing to fill in."""

from __future__ import annotations

from bot.health.check import GROUP_TITLES
from bot.recovery import StepName
from bot.sources.provider_table import PROVIDERS
from tests.harness import BotUnderTest


async def test_the_running_bot_has_every_service_built(bot: BotUnderTest) -> None:
    """Health probes for every component, the whole source chain, the operators' Slack
    lookup, the audit and the recovery's four steps: all there from the start, built once
    by bot.app.wiring."""
    runtime = bot.runtime
    assert runtime is not None
    assert runtime.health.components == list(GROUP_TITLES)
    keys = [p.name for p in runtime.health.probes if p.group == "keys"]
    assert keys == [p.display_name for p in PROVIDERS]
    steps = [s.name for s in runtime.sync.steps_for("all")]
    assert steps[-4:] == ["aa_api", "aa_page", "github_backup", "defaults"]
    assert runtime.slack.base_url == runtime.settings.urls["SLACK_API_URL"]
    described = dict(runtime.recovery.describe_steps())
    assert [name.value for name in described] == ["cache", "db", "sync", "deploy"]
    assert "VERCEL_DEPLOY_HOOK_URL is not set" in described[StepName.DEPLOY]
    assert runtime.migrated.is_set()
