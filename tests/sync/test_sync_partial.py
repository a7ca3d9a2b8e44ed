"""A sync where sources failed is shown as partial (⚠️, how many delivered), never plain success."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from local_slack.server import LocalSlack
from tests.harness import run_cli, start_bot_process
from tests.sync_upstreams import (
    AA_API_PATH,
    AA_PAGE_PATH,
    ANTHROPIC_PATH,
    GITHUB_PATH,
    GOOGLE_PATH,
    OPENAI_PATH,
    REPLICATE_PATH,
    SyncUpstreams,
    sync_env,
)

OPERATOR = "U0ALICE"
FAILING = (
    OPENAI_PATH,
    ANTHROPIC_PATH,
    GOOGLE_PATH,
    REPLICATE_PATH,
    AA_API_PATH,
    AA_PAGE_PATH,
    GITHUB_PATH,
)


@pytest.fixture
async def seven_down() -> AsyncIterator[SyncUpstreams]:
    """Every source but the defaults file answers 500 (the AA page fallback too)."""
    async with SyncUpstreams() as server:
        for path in FAILING:
            server.route(path, status=500, json={"error": "internal"})
        yield server


@pytest.fixture
def env(bot_env: dict[str, str], seven_down: SyncUpstreams, tmp_path: Path) -> dict[str, str]:
    """The bot pointed at the failing stand-ins, with one operator."""
    return sync_env(
        bot_env, seven_down, tmp_path / "cfg", operators=(OPERATOR,), source_timeout_s=5
    )


async def test_slack_summary_says_partial_when_seven_of_eight_failed(
    env: dict[str, str], local_slack: LocalSlack
) -> None:
    """A real serve process: /sync all --force with 7 of 8 sources down ends ⚠️ partial, 1 of 8."""
    async with start_bot_process(env) as served:
        reply = await served.sender.command(
            "/sync", "all --force", response_url=local_slack.response_url_for("p"), user_id=OPERATOR
        )
        assert reply.status == 200
        summary = await local_slack.wait_for(
            "chat.update",
            predicate=lambda c: (c.body.get("blocks") or [{}])[0].get("type") == "header",
            timeout=30,
        )
    header = summary.body["blocks"][0]["text"]["text"]
    assert header.startswith("⚠️ Sync applied partially — 1 of 8 sources delivered")
    assert "✅ Sync applied" not in json.dumps(summary.body, ensure_ascii=False)


async def test_cli_sync_exits_1_and_json_carries_partial(env: dict[str, str]) -> None:
    """`aisi-bot sync` with 7 of 8 down: exit 1, --json says partial; a rerun is no plain ✅."""
    code, out, _ = await run_cli(env, "sync", "all", "--force", "--json")
    summary = json.loads(out)
    assert code == 1
    assert summary["outcome"] == "applied" and summary["partial"] is True
    assert (summary["sources_delivered"], summary["sources_expected"]) == (1, 8)
    code, text, _ = await run_cli(env, "sync", "all", "--force")  # again: nothing to change
    assert code == 1 and "⚠️ Sync: nothing changed — only 1 of 8 sources delivered" in text
