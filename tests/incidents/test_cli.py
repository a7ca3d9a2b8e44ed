"""`aisi-bot alert raise|resolve` and `aisi-bot incidents` as real processes."""

from __future__ import annotations

import asyncio
import json

from local_slack.server import LocalSlack
from tests.harness import run_cli, start_bot_in_process
from tests.incidents.slack_side import CHANNEL, configure, rows, top_level_posts, wait_for_text


async def test_raise_list_and_resolve_from_the_command_line(
    bot_env: dict[str, str], local_slack: LocalSlack, database_url: str
) -> None:
    """raise opens (and posts, with a Slack token), a repeat counts, incidents --json lists,
    resolve resolves; exit codes 0/1 as documented."""
    env = configure(bot_env)
    code, out, err = await run_cli(
        env, "alert", "raise", "cli-key", "--title", "Backup file stale", "--severity", "warning"
    )
    assert code == 0, err
    assert out.startswith("opened incident #") and "Backup file stale" in out
    posted = await wait_for_text(local_slack, "chat.postMessage", "Backup file stale")
    assert posted.response["channel"] == CHANNEL
    code, out, _ = await run_cli(
        env, "alert", "raise", "cli-key", "--title", "Backup file stale", "--json"
    )
    assert code == 0 and json.loads(out)["action"] == "updated"
    code, out, _ = await run_cli(env, "incidents", "--json")
    assert code == 1  # an incident is open
    listed = json.loads(out)
    assert [(i["dedup_key"], i["state"], i["level"], i["count"]) for i in listed] == [
        ("cli-key", "open", 1, 2)
    ]
    assert isinstance(listed[0]["id"], int)
    code, out, _ = await run_cli(env, "alert", "resolve", "cli-key")
    assert code == 0 and out.startswith("resolved incident #")
    code, out, _ = await run_cli(env, "incidents")
    assert (code, out.strip()) == (0, "no open incidents")
    code, out, _ = await run_cli(env, "incidents", "--all")
    assert code == 0 and "resolved" in out and "cli-key" in out
    actors = rows(
        database_url,
        "SELECT DISTINCT actor FROM chatops.incident_events WHERE kind <> 'what_changed'",
    )
    assert all(str(a[0]).startswith("cli:") for a in actors)  # what changed is the bot's


async def test_bad_input_is_a_usage_error_naming_the_field(
    bot_env: dict[str, str], database_url: str
) -> None:
    """A title past 200 characters: exit 2, the field named, nothing stored."""
    code, _, err = await run_cli(bot_env, "alert", "raise", "k", "--title", "x" * 201)
    assert code == 2 and "title: must be at most 200 characters" in err
    code, _, err = await run_cli(bot_env, "alert", "raise", "k")
    assert code == 2 and "--title" in err
    assert rows(database_url, "SELECT count(*) FROM chatops.incidents") == [(0,)]


async def test_without_a_slack_token_the_serving_bot_posts_it(
    bot_env: dict[str, str], local_slack: LocalSlack, database_url: str
) -> None:
    """The CLI on a machine without SLACK_BOT_TOKEN stores the incident; the serving bot's
    catch-up posts its message."""
    env = configure(bot_env)
    quiet = {k: v for k, v in env.items() if k != "SLACK_BOT_TOKEN"}
    code, out, err = await run_cli(quiet, "alert", "raise", "offline-key", "--title", "Cache down")
    assert code == 0 and out.startswith("opened incident #"), err
    assert "the serving bot posts it" in err
    assert local_slack.calls == []
    async with start_bot_in_process(env) as bot:
        assert bot.runtime is not None
        delivered = 0
        for _ in range(100):  # the bot's own catch-up may hold the delivery lock a moment
            delivered = await bot.runtime.incidents.deliver_pending(older_than_s=0)
            if delivered:
                break
            await asyncio.sleep(0.05)
        assert delivered == 1
        await wait_for_text(local_slack, "chat.postMessage", "What changed")
    assert [c.body["text"].split(" — ")[0] for c in top_level_posts(local_slack)] == [
        "[critical] Cache down"
    ]
    assert rows(database_url, "SELECT message_ts IS NOT NULL FROM chatops.incidents") == [(True,)]
