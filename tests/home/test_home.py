"""App Home over real HTTP: opening the tab publishes a view read from the stores (never a
live probe), an open incident shows with its four buttons, resolving it republishes the tabs
opened lately without it, and the two Home buttons answer by DM (the dry run only to whoever
may run /sync)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from slack_sdk.models.views import View

from bot.app.runtime import Runtime
from bot.checks.model import CheckResult, CheckState
from bot.checks.store import CheckResultStore
from bot.settings.model import URL_DEFAULTS
from local_slack.recording import RecordedCall
from local_slack.server import LocalSlack
from tests.harness import BotUnderTest, start_bot_in_process
from tests.incidents.slack_side import (
    OPERATOR,
    OUTSIDER,
    alert,
    configure,
    post_alert,
    wait_for_text,
)
from tests.upstreams import Upstreams, write_config

INCIDENT_BUTTONS = (
    "incident_ack",
    "incident_escalate_l2",
    "incident_escalate_l3",
    "incident_resolve",
)


@pytest.fixture
async def upstreams() -> AsyncIterator[Upstreams]:
    """One recording server standing in for every upstream (nothing scripted: 404s)."""
    async with Upstreams() as server:
        yield server


@pytest.fixture
async def home_bot(bot_env: dict[str, str], upstreams: Upstreams) -> AsyncIterator[BotUnderTest]:
    """The bot with every upstream URL and status page on the recording server, an operator
    (U0OPERATOR) and /alerts on."""
    write_config(Path(bot_env["BOT_CONFIG_DIR"]), upstreams)
    env = configure(bot_env)
    for name in URL_DEFAULTS:
        if name != "SLACK_API_URL":
            env[name] = f"{upstreams.url}/{name.lower()}"
    async with start_bot_in_process(env) as running:
        yield running


def _runtime(bot: BotUnderTest) -> Runtime:
    assert bot.runtime is not None
    return bot.runtime


async def _seed(runtime: Runtime) -> None:
    """A failed key check, a failing source check and one finished sync, as jobs store them."""
    now = datetime.now(UTC)
    await CheckResultStore(runtime.db).save(
        [
            CheckResult("key:openai", CheckState.FAILED, "OpenAI key invalid", "401", "invalid"),
            CheckResult("key:anthropic", CheckState.OK, "Anthropic key", "ok", "valid"),
            CheckResult("source:aa_api:stale", CheckState.FAILED, "AA data is stale", "3 days"),
        ],
        now=now,
    )
    sources = [
        {"name": "aa_api", "status": "ok"},
        {"name": "github_backup", "status": "failed", "reason": "HTTP 500"},
    ]
    async with runtime.db.connection(10) as conn:
        await conn.execute(
            "INSERT INTO chatops.sync_runs (trigger, scope, started_at, finished_at, sources,"
            " outcome) VALUES ('schedule', 'all', %s, %s, %s, 'applied')",
            (now, now, json.dumps(sources)),
        )


async def _published(slack: LocalSlack, user: str, since: int = 0) -> RecordedCall:
    return await slack.wait_for(
        "views.publish", predicate=lambda c: c.body.get("user_id") == user, timeout=15, since=since
    )


def _buttons(view: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [
        (e["action_id"], e.get("value"))
        for b in view["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    ]


def _parses(view: dict[str, Any]) -> None:
    """slack_sdk's view model accepts the view and every block in it."""
    model = View(type=view["type"], blocks=view["blocks"])
    model.validate_json()
    assert len(model.blocks) == len(view["blocks"])
    block_ids = [b["block_id"] for b in view["blocks"] if "block_id" in b]
    assert len(block_ids) == len(set(block_ids))  # Slack refuses a view repeating a block_id


async def test_app_home_shows_the_stored_state_and_follows_an_incident_without_probing(
    home_bot: BotUnderTest, local_slack: LocalSlack, upstreams: Upstreams
) -> None:
    """Published from the database alone (zero upstream requests): the open incident with its
    four buttons, the failing checks, the last sync per source, the keys, the next runs.
    Resolving the incident republishes the tab without it."""
    runtime = _runtime(home_bot)
    status, answer, _ = await post_alert(home_bot.session, home_bot.url, alert("db_down"))
    assert status == 202
    incident_id = str(answer["incident_id"])
    await wait_for_text(local_slack, "chat.postMessage", "What changed", within=20)
    await _seed(runtime)
    assert upstreams.requests  # the bot's upstreams are this recorder (the vendors were read)
    upstreams.requests.clear()

    reply = await home_bot.sender.open_home(OPERATOR)
    assert reply.status == 200
    call = await _published(local_slack, OPERATOR)
    assert upstreams.requests == []  # nothing was probed to publish it
    view = call.body["view"]
    _parses(view)
    assert [(a, v) for a, v in _buttons(view) if v == incident_id] == [
        (a, incident_id) for a in INCIDENT_BUTTONS
    ]
    assert ("home_health_check", None) in _buttons(view)
    assert ("home_sync_dry_run", None) in _buttons(view)
    shown = json.dumps(view["blocks"], ensure_ascii=False)
    for words in (
        "Overall: Down",
        "db_down is failing",
        "AA data is stale",
        "*github_backup* — failed",
        "HTTP 500",
        "*openai* — failed (`invalid`)",
        "`daily_report` — off",
    ):
        assert words in shown, words

    since = len(local_slack.calls)
    status, _, _ = await post_alert(
        home_bot.session, home_bot.url, alert("db_down", status="resolved")
    )
    assert status == 202
    refreshed = await _published(local_slack, OPERATOR, since=since)  # no reopening needed
    _parses(refreshed.body["view"])
    assert [v for _, v in _buttons(refreshed.body["view"]) if v == incident_id] == []
    assert "No open incidents." in json.dumps(refreshed.body["view"], ensure_ascii=False)

    since = len(local_slack.calls)
    await home_bot.sender.open_home(OPERATOR)
    again = await _published(local_slack, OPERATOR, since=since)
    assert "Open incidents (0)" in json.dumps(again.body["view"], ensure_ascii=False)
    assert upstreams.requests == []


async def test_an_incident_button_on_app_home_applies_and_refreshes_the_tab(
    home_bot: BotUnderTest, local_slack: LocalSlack
) -> None:
    """Resolve pressed on the Home tab resolves the incident (the channel message follows)
    and the tab is republished without it."""
    _, answer, _ = await post_alert(home_bot.session, home_bot.url, alert("api_down"))
    incident_id = str(answer["incident_id"])
    await home_bot.sender.open_home(OPERATOR)
    view = (await _published(local_slack, OPERATOR)).response["view"]
    assert ("incident_resolve", incident_id) in _buttons(view)

    since = len(local_slack.calls)
    reply = await home_bot.sender.click_home(
        "incident_resolve", view=view, user_id=OPERATOR, value=incident_id
    )
    assert reply.status == 200
    refreshed = await _published(local_slack, OPERATOR, since=since)
    assert ("incident_resolve", incident_id) not in _buttons(refreshed.body["view"])
    await wait_for_text(local_slack, "chat.postMessage", "Resolved", since=since)


async def test_the_home_buttons_answer_by_dm_and_the_dry_run_is_for_operators(
    home_bot: BotUnderTest, local_slack: LocalSlack, database_url: str
) -> None:
    """ "Run health check" DMs the report to anyone; "Sync dry run" DMs an operator the dry
    run (nothing written) and an outsider the refusal /sync would give."""
    await home_bot.sender.open_home(OUTSIDER)
    view = (await _published(local_slack, OUTSIDER)).response["view"]

    await home_bot.sender.click_home("home_health_check", view=view, user_id=OUTSIDER)
    opened = await local_slack.wait_for(
        "conversations.open", predicate=lambda c: c.body.get("users") == OUTSIDER, timeout=15
    )
    dm = opened.response["channel"]["id"]
    report = await local_slack.wait_for(
        "chat.postMessage", predicate=lambda c: c.body.get("channel") == dm, timeout=30
    )
    assert "Health" in report.body["text"]

    since = len(local_slack.calls)
    await home_bot.sender.click_home("home_sync_dry_run", view=view, user_id=OUTSIDER)
    refused = await local_slack.wait_for(
        "chat.postMessage", predicate=lambda c: c.body.get("channel") == dm, since=since
    )
    assert "Only configured operators may run a sync dry run" in refused.body["text"]

    await home_bot.sender.open_home(OPERATOR)
    mine = (await _published(local_slack, OPERATOR)).response["view"]
    since = len(local_slack.calls)
    await home_bot.sender.click_home("home_sync_dry_run", view=mine, user_id=OPERATOR)
    opened = await local_slack.wait_for(
        "conversations.open",
        predicate=lambda c: c.body.get("users") == OPERATOR,
        timeout=15,
        since=since,
    )
    dm = opened.response["channel"]["id"]
    summary = await local_slack.wait_for(
        "chat.postMessage", predicate=lambda c: c.body.get("channel") == dm, timeout=60
    )
    assert "dry run" in json.dumps(summary.body, ensure_ascii=False).lower()
    runtime = _runtime(home_bot)
    async with runtime.db.connection(10) as conn:
        cur = await conn.execute("SELECT dry_run, trigger FROM chatops.sync_runs")
        assert await cur.fetchall() == [(True, f"user:{OPERATOR}")]
