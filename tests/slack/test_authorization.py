"""The authorisation step: deny by default, every press re-checked, one wording, audited."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from handlers.ids import ACTION_ROLES, COMMAND_ROLES, ActionId, Command, Role
from local_slack.server import LocalSlack
from tests.harness import BotUnderTest, start_bot_in_process

OPERATOR, OUTSIDER = "U0OPERATOR", "U0MALLORY"
ALERT = {
    "ts": "1700000000.000100",
    "blocks": [
        {
            "type": "actions",
            "block_id": "incident_actions",
            "elements": [
                {"type": "button", "action_id": a.value, "text": {"type": "plain_text", "text": a}}
                for a in ActionId
            ],
        }
    ],
}


@pytest.fixture
async def guarded_bot(bot_env: dict[str, str]) -> AsyncIterator[BotUnderTest]:
    """The bot with one operator configured."""
    local = Path(bot_env["BOT_CONFIG_DIR"]) / "local.toml"
    local.write_text(local.read_text() + f'\n[auth]\noperators = ["{OPERATOR}"]\n')
    async with start_bot_in_process(bot_env) as running:
        yield running


async def _audit(bot: BotUnderTest, database_url: str) -> list[tuple[Any, ...]]:
    assert bot.runtime is not None
    await bot.runtime.audit.flush()
    with psycopg.connect(database_url) as conn:
        return conn.execute(
            "SELECT user_id, team_id, what, allowed, why FROM chatops.audit ORDER BY id"
        ).fetchall()


async def _press(bot: BotUnderTest, slack: LocalSlack, action: str, user: str, key: str) -> int:
    reply = await bot.sender.click(
        action,
        "42",
        message=ALERT,
        channel_id="C0OPS",
        user_id=user,
        response_url=slack.response_url_for(key),
    )
    return reply.status


GUARDED = [a for a in ActionId if ACTION_ROLES[a] is not Role.ANYONE]


def test_every_button_has_a_role_and_needs_a_responder() -> None:
    """Each action id is in the role table; incident buttons are for operators and the Level 2
    people; only the DM's link button (which does nothing in the bot) and App Home's health
    check (what /health does) are for anyone; App Home's sync dry run is for whoever may /sync."""
    assert set(ACTION_ROLES) == set(ActionId)
    assert {a for a in ActionId if ACTION_ROLES[a] is Role.ANYONE} == {
        ActionId.INCIDENT_LINK,
        ActionId.HOME_HEALTH_CHECK,
    }
    assert ACTION_ROLES[ActionId.HOME_SYNC_DRY_RUN] is COMMAND_ROLES[Command.SYNC]
    assert {ACTION_ROLES[a] for a in GUARDED if not a.startswith("home_")} == {Role.RESPONDER}


async def test_a_refused_command_is_worded_once_and_audited(
    guarded_bot: BotUnderTest, local_slack: LocalSlack, database_url: str
) -> None:
    """An outsider's /sync: the not_authorized wording in the ack, a 'refused' audit row."""
    reply = await guarded_bot.sender.command(
        "/sync", "all", response_url=local_slack.response_url_for("s"), user_id=OUTSIDER
    )
    body = json.loads(reply.text)
    assert body["response_type"] == "ephemeral"
    assert "🚫 Only configured operators may run /sync (auth.operators)" in json.dumps(
        body["blocks"], ensure_ascii=False
    )
    rows = await _audit(guarded_bot, database_url)
    why = "not in auth.operators (deny by default)"
    assert rows == [(OUTSIDER, "T0LOCAL", "command:/sync", False, why)]


async def test_an_allowed_command_is_audited_too(
    guarded_bot: BotUnderTest, local_slack: LocalSlack, database_url: str
) -> None:
    """The operator's /sync passes and is recorded as allowed, with why; help is not audited."""
    await guarded_bot.sender.command(
        "/sync", "help", response_url=local_slack.response_url_for("h"), user_id=OUTSIDER
    )
    await guarded_bot.sender.command(
        "/sync",
        "defaults --dry-run",
        response_url=local_slack.response_url_for("s"),
        user_id=OPERATOR,
    )
    rows = await _audit(guarded_bot, database_url)
    assert rows == [(OPERATOR, "T0LOCAL", "command:/sync", True, "listed in auth.operators")]
    assert guarded_bot.runtime is not None
    assert await guarded_bot.runtime.wait_idle(30)


async def test_every_button_press_is_checked_again(
    guarded_bot: BotUnderTest, local_slack: LocalSlack, database_url: str
) -> None:
    """Each press is its own decision: refused presses are told ephemerally, all are audited;
    an allowed press reaches its listener (here: incident 42 does not exist, it is told so)."""
    for index, action in enumerate(GUARDED):
        assert await _press(guarded_bot, local_slack, action, OUTSIDER, f"out-{index}") == 200
    await _press(guarded_bot, local_slack, ActionId.INCIDENT_ACK, OPERATOR, "op")
    told = [
        await local_slack.wait_for("response_url", predicate=lambda c, k=f"out-{i}": c.key == k)
        for i in range(len(GUARDED))
    ]
    assert all(c.body["response_type"] == "ephemeral" for c in told)
    assert all(c.body["replace_original"] is False for c in told)
    resolve = told[GUARDED.index(ActionId.INCIDENT_RESOLVE)].body["text"]
    assert "Only configured operators and the Level 2 people may resolve an alert" in resolve
    assert "escalation.level2_primary" in resolve
    rows = await _audit(guarded_bot, database_url)
    assert sorted((r[0], r[2], r[3]) for r in rows) == sorted(
        [
            *((OUTSIDER, f"action:{a.value}", False) for a in GUARDED),
            (OPERATOR, "action:incident_ack", True),
        ]
    )
    answer = await local_slack.wait_for("response_url", predicate=lambda c: c.key == "op")
    assert "incident 42 does not exist" in answer.body["text"]
    _, metrics = await guarded_bot.get("/metrics")
    assert 'aisi_actions_total{action="incident_ack"} 2.0' in metrics


async def test_an_unknown_button_is_denied_by_default(
    guarded_bot: BotUnderTest, local_slack: LocalSlack, database_url: str
) -> None:
    """An action id nobody registered needs an operator; its label is 'other'."""
    await _press(guarded_bot, local_slack, "drop_tables", OUTSIDER, "x")
    await local_slack.wait_for("response_url", predicate=lambda c: c.key == "x")
    rows = await _audit(guarded_bot, database_url)
    assert [(r[2], r[3]) for r in rows] == [("action:other", False)]


async def test_a_refused_dialog_shows_the_refusal_in_the_dialog(
    guarded_bot: BotUnderTest, database_url: str
) -> None:
    """Submitting the recovery dialog as an outsider updates the dialog to the refusal."""
    reply = await guarded_bot.sender.submit_view("recover_confirm", user_id=OUTSIDER)
    answer = json.loads(reply.text)
    assert answer["response_action"] == "update"
    assert answer["view"]["title"]["text"] == "Not allowed"
    assert "may start a recovery" in json.dumps(answer["view"]["blocks"], ensure_ascii=False)
    rows = await _audit(guarded_bot, database_url)
    assert [(r[0], r[2], r[3]) for r in rows] == [(OUTSIDER, "view:recover_confirm", False)]
