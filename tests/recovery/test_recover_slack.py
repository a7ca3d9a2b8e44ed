"""/recover end to end over signed HTTP: the dialog, the run's progress and summary, one run at
a time, a resubmission running once, the refusal of an outsider, a dry run changing nothing."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from redis.asyncio import Redis

from local_slack.server import LocalSlack
from tests.harness import BotUnderTest, start_bot_in_process
from tests.recovery.slack_flow import (
    CHANNEL,
    OPERATOR,
    OUTSIDER,
    SECOND,
    WAIT_S,
    RecoverDriver,
    recovery_env,
    texts,
)
from tests.recovery.test_dry_run import database_rows, redis_contents
from tests.recovery.test_sync_and_deploy_steps import seed_vanishing_models
from tests.recovery.vercel_standin import HOOK_SECRET, VercelStandIn
from tests.sync_upstreams import SyncUpstreams

STEP_VALUES = ["cache", "db", "sync", "deploy"]
BOTS_OWN = (b"aisi-bot:", b"aisi:")  # the bot's bookkeeping keys, never the app's cache


@pytest.fixture
async def recover_bot(
    bot_env: dict[str, str], upstreams: SyncUpstreams, vercel: VercelStandIn, tmp_path: Path
) -> AsyncIterator[BotUnderTest]:
    """The bot in this process with every stand-in; deployments READY at the first poll."""
    vercel.list_misses, vercel.states = 0, ["READY"]
    env = recovery_env(bot_env, upstreams, vercel, tmp_path / "cfg")
    async with start_bot_in_process(env) as running:
        yield running


@pytest.fixture
def drive(recover_bot: BotUnderTest, local_slack: LocalSlack) -> RecoverDriver:
    """Sends /recover and submissions, waits for what Slack records."""
    return RecoverDriver(recover_bot, local_slack)


def recovery_rows(url: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "SELECT actor, outcome, dry_run, options, steps, reason FROM chatops.recovery_runs"
            " ORDER BY id"
        ).fetchall()


def audit_rows(url: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT user_id, what, allowed FROM chatops.audit").fetchall()


def _checkboxes(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    block = next(b for b in view["blocks"] if b.get("block_id") == block_id)
    element: dict[str, Any] = block["element"]
    return element


async def test_the_whole_flow_dialog_progress_summary(
    drive: RecoverDriver,
    local_slack: LocalSlack,
    vercel: VercelStandIn,
    redis: Redis,
    database_url: str,
    other_db_keys: Any,
) -> None:
    """/recover → views.open → submission → one message updated per step → the summary;
    only the app's prefixed keys went, the deployment was followed to READY, all recorded."""
    await redis.set("models:list", "stale")
    await redis.set("api:v1:models?page=1", "stale")
    await redis.set("session:keep-me", "keep")
    other_db_keys.set("models:other-db", "keep")

    view = await drive.open_dialog()
    assert view["callback_id"] == "recover_confirm"
    assert view["title"]["text"] == "Emergency recovery"
    steps = _checkboxes(view, "recover_steps")
    assert [o["value"] for o in steps["initial_options"]] == STEP_VALUES
    assert "initial_options" not in _checkboxes(view, "recover_options")
    assert json.loads(view["private_metadata"])["channel"] == CHANNEL

    gate = vercel.gate_hook()
    assert await drive.submit(view) == {"response_action": "clear"}
    await asyncio.wait_for(vercel.hook_arrived.wait(), WAIT_S)
    running = await local_slack.wait_for(
        "chat.update",
        predicate=lambda c: "4. Redeploy the app* — running…" in texts(c.body),
        timeout=WAIT_S,
    )
    shown = texts(running.body)
    assert "✅ *1. Clear the app's cache* — ok" in shown
    assert "✅ *3. Force a sync* — ok" in shown
    gate.set()

    summary = await drive.summary()
    [posted] = local_slack.calls_for("chat.postMessage")
    assert posted.body["channel"] == CHANNEL and summary.body["ts"] == posted.response["ts"]
    final = texts(summary.body)
    assert summary.body["blocks"][0]["text"]["text"] == "✅ Recovery done — every step succeeded"
    for number, label in enumerate(
        ("Clear the app's cache", "Reconnect and check the database", "Force a sync"), 1
    ):
        assert f"✅ *{number}. {label}* — ok · " in final
    assert "`models:*`: deleted 1 key" in final and "`api:v1:*`: deleted 1 key" in final
    assert "deployment dpl_0001 is READY after" in final
    assert f"deploy hook …{HOOK_SECRET[-4:]} answered HTTP 201" in final
    assert HOOK_SECRET not in json.dumps([c.body for c in local_slack.calls])
    assert f"by <@{OPERATOR}>" in final

    assert await redis.get("models:list") is None and await redis.get("session:keep-me") == "keep"
    assert other_db_keys.get("models:other-db") == "keep"
    [row] = recovery_rows(database_url)
    assert row[:3] == (f"user:{OPERATOR}", "ok", False)
    assert [s["state"] for s in row[4]] == ["ok"] * 4
    assert vercel.hook_calls() == 1
    assert drive.bot.runtime is not None
    await drive.bot.runtime.audit.flush()
    assert (OPERATOR, "view:recover_confirm", True) in audit_rows(database_url)


async def test_a_second_recover_while_one_runs_is_told_who_and_when(
    drive: RecoverDriver, local_slack: LocalSlack, vercel: VercelStandIn, database_url: str
) -> None:
    """While one runs: /recover answers who started it and when (no dialog), and a dialog
    opened before it started is refused on submission with the same words."""
    second_view = await drive.open_dialog(user=SECOND)
    first_view = await drive.open_dialog()
    gate = vercel.gate_hook()
    await drive.submit(first_view, choices={"steps": ["deploy"], "options": []})
    await asyncio.wait_for(vercel.hook_arrived.wait(), WAIT_S)

    opened = len(local_slack.calls_for("views.open"))
    reply, key = await drive.command(user=SECOND)
    assert (reply.status, reply.text) == (200, "")
    told = await drive.reply_to(key)
    assert told.body["response_type"] == "ephemeral"
    words = texts(told.body)
    assert f"A recovery is already running: started by <@{OPERATOR}> at " in words
    assert " UTC. Nothing was done." in words
    assert len(local_slack.calls_for("views.open")) == opened

    assert await drive.submit(second_view, user=SECOND) == {"response_action": "clear"}
    refused = await drive.reply_to("recover-1")  # the second operator's first /recover
    assert f"started by <@{OPERATOR}> at " in texts(refused.body)
    assert refused.body["response_type"] == "ephemeral"

    gate.set()
    await drive.summary()
    assert vercel.hook_calls() == 1
    rows = recovery_rows(database_url)
    assert [(r[0], r[1]) for r in rows] == [
        (f"user:{OPERATOR}", "ok"),
        (f"user:{SECOND}", "refused"),
        (f"user:{SECOND}", "refused"),
    ]
    assert len(local_slack.calls_for("chat.postMessage")) == 1


async def test_the_same_dialog_submitted_twice_runs_once(
    drive: RecoverDriver,
    recover_bot: BotUnderTest,
    local_slack: LocalSlack,
    vercel: VercelStandIn,
    database_url: str,
) -> None:
    """Two submissions of one dialog at the same time, then a third later: one run, one
    progress message, one hook call, one row."""
    view = await drive.open_dialog()
    choices = {"steps": ["cache", "deploy"], "options": []}
    answers = await asyncio.gather(
        drive.submit(view, choices=choices), drive.submit(view, choices=choices)
    )
    assert answers == [{"response_action": "clear"}] * 2
    await drive.summary()
    assert recover_bot.runtime is not None
    assert await recover_bot.runtime.wait_idle(WAIT_S)
    assert await drive.submit(view, choices=choices) == {"response_action": "clear"}
    assert await recover_bot.runtime.wait_idle(WAIT_S)

    assert vercel.hook_calls() == 1
    assert len(local_slack.calls_for("chat.postMessage")) == 1
    assert [r[1] for r in recovery_rows(database_url)] == ["ok"]


async def test_an_outsider_is_refused_and_audited(
    drive: RecoverDriver,
    local_slack: LocalSlack,
    vercel: VercelStandIn,
    database_url: str,
    recover_bot: BotUnderTest,
) -> None:
    """A non-operator's /recover is refused in the ack (no dialog); their submission of an
    operator's dialog is refused in the dialog; both audited, nothing run."""
    reply, _ = await drive.command(user=OUTSIDER)
    body = json.loads(reply.text)
    assert body["response_type"] == "ephemeral"
    assert "Only configured operators may run /recover" in body["text"]
    view = await drive.open_dialog()
    answer = await drive.submit(view, user=OUTSIDER)
    assert answer["response_action"] == "update"
    assert "may start a recovery" in json.dumps(answer["view"]["blocks"])
    assert recover_bot.runtime is not None
    await recover_bot.runtime.audit.flush()
    assert sorted(audit_rows(database_url)) == [
        (OPERATOR, "command:/recover", True),
        (OUTSIDER, "command:/recover", False),
        (OUTSIDER, "view:recover_confirm", False),
    ]
    assert len(local_slack.calls_for("views.open")) == 1
    assert vercel.requests == [] and recovery_rows(database_url) == []


async def test_a_dry_run_end_to_end_changes_nothing(
    drive: RecoverDriver,
    recover_bot: BotUnderTest,
    vercel: VercelStandIn,
    redis: Redis,
    redis_url: str,
    database_url: str,
) -> None:
    """/recover --dry-run: dry run ticked; the summary says what each step would do (even
    past the drop guard); the app's rows and keys are unchanged, no deployment started."""
    seed_vanishing_models(database_url, 12)
    for i in range(5):
        await redis.set(f"models:{i}", "cached")
    await redis.set("session:abc", "keep", ex=3600)
    rows_before = database_rows(database_url)
    keys_before = redis_contents(redis_url)

    view = await drive.open_dialog("--dry-run")
    options = _checkboxes(view, "recover_options")
    assert [o["value"] for o in options["initial_options"]] == ["dry_run"]
    choices = {"options": ["dry_run", "force_sync"]}  # the guard would refuse 12 of 12
    assert await drive.submit(view, choices=choices) == {"response_action": "clear"}
    summary = texts((await drive.summary()).body)

    assert "🔍 Recovery dry run — nothing was changed" in summary
    assert "`models:*`: would delete 5 keys" in summary
    assert "would add " in summary and "would deactivate 12 (xcorp-gone-" in summary
    assert f"would POST the deploy hook …{HOOK_SECRET[-4:]}" in summary
    assert vercel.requests == []
    rows_after = database_rows(database_url)
    for table, rows in rows_before.items():
        if table not in ("chatops.recovery_runs", "chatops.sync_runs", "chatops.audit"):
            assert rows_after[table] == rows, table
    after = redis_contents(redis_url)
    assert {k: v[0] for k, v in after.items() if not k.startswith(BOTS_OWN)} == {
        k: v[0] for k, v in keys_before.items() if not k.startswith(BOTS_OWN)
    }
    [row] = recovery_rows(database_url)
    assert row[1:3] == ("ok", True)


async def test_no_step_ticked_keeps_the_dialog_open_with_an_error(
    drive: RecoverDriver, local_slack: LocalSlack, database_url: str
) -> None:
    """Submitting with every step unticked answers an error on the steps; nothing runs."""
    view = await drive.open_dialog()
    answer = await drive.submit(view, choices={"steps": []})
    assert answer == {
        "response_action": "errors",
        "errors": {"recover_steps": "Choose at least one step."},
    }
    assert recovery_rows(database_url) == []
    assert local_slack.calls_for("chat.postMessage") == []


async def test_a_forged_or_malformed_submission_runs_nothing(
    drive: RecoverDriver, local_slack: LocalSlack, vercel: VercelStandIn, database_url: str
) -> None:
    """Signed submissions naming a step that does not exist, or with a state of the wrong
    shape: answered with the error on the steps, nothing run, nothing posted."""
    forged = {"steps": {"type": "checkboxes", "selected_options": [{"value": "flushall"}]}}
    for values in ({"recover_steps": forged}, {"recover_steps": ["x"]}, {"recover_steps": 7}):
        reply = await drive.bot.sender.submit_view(
            "recover_confirm", user_id=OPERATOR, values=values
        )
        assert json.loads(reply.text)["response_action"] == "errors", reply.text
    assert recovery_rows(database_url) == [] and vercel.requests == []
    assert local_slack.calls_for("chat.postMessage") == []


async def test_a_hook_answering_500_fails_the_run_and_says_so(
    drive: RecoverDriver, vercel: VercelStandIn, database_url: str
) -> None:
    """The deploy hook answers 500: the summary names the failed step and the status."""
    vercel.hook_status = 500
    view = await drive.open_dialog()
    await drive.submit(view, choices={"steps": ["deploy"], "options": []})
    summary = (await drive.summary()).body
    assert summary["blocks"][0]["text"]["text"] == (
        "❌ Recovery failed at step 1: Redeploy the app"
    )
    assert f"the deploy hook …{HOOK_SECRET[-4:]} failed: HTTP 500" in texts(summary)
    assert [r[1] for r in recovery_rows(database_url)] == ["failed"]


@pytest.mark.parametrize("text", ["--force", "now please"])
async def test_unknown_arguments_get_the_usage(drive: RecoverDriver, text: str) -> None:
    """/recover takes --dry-run only: anything else is named with the usage, nothing opens."""
    reply, _ = await drive.command(text)
    body = json.loads(reply.text)
    assert f"Unknown argument `{text.split()[0]}`" in body["text"]
    assert "/recover [--dry-run]" in body["text"]
    assert drive.slack.calls_for("views.open") == []


async def test_a_korean_operator_gets_the_dialog_in_korean(
    drive: RecoverDriver, local_slack: LocalSlack, database_url: str
) -> None:
    """The dialog is the operator's own: in their Slack language once the bot knows it (here
    learned from the /keys they ran first), its buttons and its errors too."""
    local_slack.workspace.add_user(OPERATOR, locale="ko-KR")
    reply = await drive.bot.sender.command(
        "/keys",
        "",
        response_url=local_slack.response_url_for("keys"),
        user_id=OPERATOR,
        channel_id=CHANNEL,
    )
    assert reply.status == 200
    await drive.reply_to("keys")  # answered in the operator's language: now known
    view = await drive.open_dialog()
    assert view["title"]["text"] == "긴급 복구"
    assert (view["submit"]["text"], view["close"]["text"]) == ("시작", "취소")
    answer = await drive.submit(view, choices={"steps": []})
    assert answer["errors"] == {"recover_steps": "단계를 하나 이상 고르세요."}
    assert recovery_rows(database_url) == []
