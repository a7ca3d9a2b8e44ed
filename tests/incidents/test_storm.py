"""An alert storm against a real `aisi-bot serve`: 1,000 POST /alerts over 20 dedup keys."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import Counter, defaultdict

import aiohttp

from local_slack.server import LocalSlack
from tests.harness import BotUnderTest, start_bot_process
from tests.incidents.slack_side import (
    Timed,
    alert,
    configure,
    post_alert,
    rows,
    thread_posts,
    top_level_posts,
)

KEYS = [f"storm-{i:02d}" for i in range(20)]
ALERTS = 1000
SENDERS = 40






async def storm(bot: BotUnderTest, count: int, senders: int) -> Counter[str]:
    """Send ``count`` firing alerts round-robin over KEYS from ``senders`` concurrent clients;
    a 503 is retried after its Retry-After. Returns the 202s per key."""
    accepted: Counter[str] = Counter()
    queue: asyncio.Queue[str] = asyncio.Queue()
    for i in range(count):
        queue.put_nowait(KEYS[i % len(KEYS)])

    async def sender(session: aiohttp.ClientSession) -> None:
        while not queue.empty():
            key = queue.get_nowait()
            while True:
                status, answer, headers = await post_alert(session, bot.url, alert(key))
                if status != 503:
                    break
                await asyncio.sleep(float(headers.get("Retry-After", "1")))  # as told to
            assert status == 202, answer
            accepted[key] += 1

    connector = aiohttp.TCPConnector(limit=senders)
    async with aiohttp.ClientSession(connector=connector) as session:
        await asyncio.gather(*(sender(session) for _ in range(senders)))
    return accepted


async def test_a_storm_posts_one_message_per_key_with_the_right_counts(
    bot_env: dict[str, str], local_slack: LocalSlack, timed: Timed, database_url: str
) -> None:
    """20 messages; final counts right in PostgreSQL and in Slack; at most one chat.update per
    message per second; then a resolved alert per key resolves each in its thread."""
    async with start_bot_process(configure(bot_env)) as bot:
        started = time.monotonic()
        accepted = await storm(bot, ALERTS, SENDERS)
        took = time.monotonic() - started
        assert sum(accepted.values()) == ALERTS and took < 30, took
        stored = dict(rows(database_url, "SELECT dedup_key, count FROM chatops.incidents"))
        assert stored == {key: accepted[key] for key in KEYS}
        messages = top_level_posts(local_slack)
        await local_slack.wait_for(
            "chat.update",
            predicate=lambda _: all(
                any(
                    u.body.get("ts") == m.response["ts"]
                    and f"seen {stored[m.body['text'].split()[1]]}×" in u.body["text"]
                    for u in local_slack.calls_for("chat.update")
                )
                for m in top_level_posts(local_slack)
            ),
            timeout=20,
        )
        messages = top_level_posts(local_slack)
        assert len(messages) == len(KEYS)
        updates: dict[str, list[float]] = defaultdict(list)
        for call in local_slack.calls_for("chat.update"):
            updates[call.body["ts"]].append(timed.at[call.index])
        gaps = [b - a for times in updates.values() for a, b in itertools.pairwise(times)]
        assert gaps and min(gaps) >= 0.99, min(gaps)  # as Slack received them
        for key in KEYS:
            resolved = alert(key, status="resolved")
            status, answer, _ = await post_alert(bot.session, bot.url, resolved)
            assert (status, answer["action"]) == (202, "resolved")
        for message in messages:
            ts = message.response["ts"]
            await local_slack.wait_for(
                "chat.postMessage",
                predicate=lambda c, ts=ts: c.body.get("thread_ts") == ts
                and "Resolved" in str(c.body.get("text")),
                timeout=15,
            )
            said = [c for c in thread_posts(local_slack, ts) if "Resolved" in str(c.body["text"])]
            assert len(said) == 1
    still_open = "SELECT count(*) FROM chatops.incidents WHERE state <> 'resolved'"
    assert rows(database_url, still_open) == [(0,)]
