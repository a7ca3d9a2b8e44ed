"""Escalation with real timers in real `aisi-bot serve` processes (auto_escalate_after 2 s,
max_repeats 0): the order, a replica SIGKILLed with a timer pending, two replicas at once."""

from __future__ import annotations

import itertools
import signal
from collections import Counter
from contextlib import AsyncExitStack

import pytest

from local_slack.recording import RecordedCall
from local_slack.server import LocalSlack
from tests.harness import BotUnderTest, start_bot_process
from tests.incidents.slack_side import (
    BACKUP,
    PRIMARY,
    alert,
    configure,
    post_alert,
    rows,
    thread_posts,
    wait_for_text,
)

TARGETS = ["primary", "backup", "level3"]


def _dms(slack: LocalSlack) -> list[str]:
    """Who got a page by DM, in order (the user each DM channel was opened for)."""
    opened = {
        c.response["channel"]["id"]: c.body["users"]
        for c in slack.calls_for("conversations.open")
        if c.ok
    }
    return [
        opened.get(c.response["channel"], "?")
        for c in slack.calls_for("chat.postMessage")
        if c.ok and "You are paged" in str(c.body.get("text"))
    ]


def _escalations(database_url: str) -> list[tuple[int, str, str]]:
    """(incident, target, actor) of every escalation in the timeline, in order."""
    found = rows(
        database_url,
        "SELECT incident_id, detail->>'target', actor FROM chatops.incident_events"
        " WHERE kind = 'escalated' ORDER BY id",
    )
    return [(int(r[0]), str(r[1]), str(r[2])) for r in found]


def _fired(database_url: str) -> list[tuple[int, int, str]]:
    """(incident, step, replica) of every fired timer."""
    found = rows(
        database_url,
        "SELECT incident_id, step, fired_by FROM chatops.incident_timers"
        " WHERE fired_at IS NOT NULL ORDER BY id",
    )
    return [(int(r[0]), int(r[1]), str(r[2])) for r in found]


def _pending(database_url: str) -> int:
    return int(
        rows(
            database_url,
            "SELECT count(*) FROM chatops.incident_timers"
            " WHERE fired_at IS NULL AND cancelled_at IS NULL",
        )[0][0]
    )


async def _level3(slack: LocalSlack, count: int = 1) -> list[RecordedCall]:
    """Wait until ``count`` Level 3 requests were posted; return them."""
    await slack.wait_for(
        "chat.postMessage",
        predicate=lambda _: sum(
            "vendor support request" in str(c.body.get("text"))
            for c in slack.calls_for("chat.postMessage")
        )
        >= count,
        timeout=30,
    )
    return [c for c in slack.calls_for("chat.postMessage") if "vendor support" in str(c.body)]


@pytest.fixture
def timer_env(bot_env: dict[str, str]) -> dict[str, str]:
    """Level 2: U0PRIMARY then U0BACKUP; 2 s between steps; one round."""
    return configure(bot_env, after="2s", max_repeats=0)


async def _raise(bot: BotUnderTest, slack: LocalSlack, key: str) -> tuple[int, str]:
    status, answer, _ = await post_alert(bot.session, bot.url, alert(key))
    assert status == 202 and answer["action"] == "created"
    posted = await wait_for_text(slack, "chat.postMessage", f"{key} is failing", within=15)
    return int(answer["incident_id"]), str(posted.response["ts"])


async def test_nobody_acknowledges_primary_then_backup_then_level3_then_nothing(
    timer_env: dict[str, str], local_slack: LocalSlack, database_url: str
) -> None:
    """One incident, nobody acknowledges: DM primary, DM backup, Level 3 request, in order,
    each about 2 s apart; then no timer is left and nothing more is posted."""
    async with start_bot_process(timer_env) as bot:
        incident_id, ts = await _raise(bot, local_slack, "db_down")
        await _level3(local_slack)
        assert _dms(local_slack) == [PRIMARY, BACKUP]
        assert _escalations(database_url) == [(incident_id, t, "system") for t in TARGETS]
        at = [
            r[0]
            for r in rows(
                database_url,
                "SELECT at FROM chatops.incident_events WHERE kind IN ('opened', 'escalated')"
                " ORDER BY id",
            )
        ]
        gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(at)]
        assert all(1.9 <= gap < 4.0 for gap in gaps), gaps
        assert _pending(database_url) == 0
        lines = [str(c.body["text"]) for c in thread_posts(local_slack, ts)]
        assert "last automatic escalation" in lines[-2]  # the Level 3 line, then the request
        seen = len(local_slack.calls)
        with pytest.raises(TimeoutError):  # one more step's wait: no page, no line
            await local_slack.wait_for("chat.postMessage", since=seen, timeout=3)


async def test_a_timer_pending_when_a_replica_is_killed_fires_once_in_the_next(
    timer_env: dict[str, str], local_slack: LocalSlack, database_url: str
) -> None:
    """SIGKILL the replica that opened the incident (its first timer pending), start another
    over the same database: every step fires once, from the new replica."""
    async with start_bot_process(timer_env) as doomed:
        incident_id, _ = await _raise(doomed, local_slack, "app_down")
        assert _pending(database_url) == 1 and _fired(database_url) == []
        assert doomed.process is not None
        doomed.process.send_signal(signal.SIGKILL)
        assert await doomed.wait_exit(10) == -signal.SIGKILL
    async with start_bot_process(timer_env) as successor:
        await _level3(local_slack)
        assert successor.process is not None
    assert _dms(local_slack) == [PRIMARY, BACKUP]
    assert _escalations(database_url) == [(incident_id, t, "system") for t in TARGETS]
    fired = _fired(database_url)
    assert [step for _, step, _ in fired] == [0, 1, 2]
    assert len({replica for _, _, replica in fired}) == 1  # all by the successor
    assert _pending(database_url) == 0


async def test_two_replicas_fire_each_timer_once(
    timer_env: dict[str, str], local_slack: LocalSlack, database_url: str
) -> None:
    """Two replicas over one database, three incidents: each step of each fires once."""
    async with AsyncExitStack() as stack:
        first = await stack.enter_async_context(start_bot_process(timer_env))
        second = await stack.enter_async_context(start_bot_process(timer_env))
        opened = [
            await _raise(first, local_slack, "one"),
            await _raise(second, local_slack, "two"),
            await _raise(first, local_slack, "three"),
        ]
        await _level3(local_slack, count=3)
    per_incident = Counter(incident for incident, _, _ in _escalations(database_url))
    assert per_incident == Counter({incident_id: 3 for incident_id, _ in opened})
    fired = _fired(database_url)
    assert len(fired) == 9 and len({(i, s) for i, s, _ in fired}) == 9
    assert Counter(_dms(local_slack)) == Counter({PRIMARY: 3, BACKUP: 3})
    assert _pending(database_url) == 0
