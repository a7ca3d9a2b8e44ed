"""POST /alerts over real HTTP: the documented answers, and a refused request changes nothing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from local_slack.server import LocalSlack
from tests.harness import BotUnderTest, start_bot_in_process
from tests.incidents.slack_side import (
    ALERTS_TOKEN,
    CHANNEL,
    alert,
    configure,
    post_alert,
    rows,
    thread_posts,
    top_level_posts,
    wait_for_text,
)


@pytest.fixture
async def alerts_bot(bot_env: dict[str, str]) -> AsyncIterator[BotUnderTest]:
    """The bot with ALERTS_TOKEN set and incidents posted to C0ALERTS."""
    async with start_bot_in_process(configure(bot_env)) as running:
        yield running


def _stored(database_url: str) -> int:
    return int(rows(database_url, "SELECT count(*) FROM chatops.incidents")[0][0])


async def test_an_alert_opens_an_incident_with_its_message(
    alerts_bot: BotUnderTest, local_slack: LocalSlack, database_url: str
) -> None:
    """202 created with the incident id; the message lands in slack.channel with four buttons."""
    status, answer, _ = await post_alert(alerts_bot.session, alerts_bot.url, alert("db_down"))
    assert status == 202
    assert answer["action"] == "created" and answer["state"] == "open"
    assert isinstance(answer["incident_id"], int)
    posted = await wait_for_text(local_slack, "chat.postMessage", "db_down is failing")
    assert posted.response["channel"] == CHANNEL
    buttons = [
        e for b in posted.body["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    ids = ("incident_ack", "incident_escalate_l2", "incident_escalate_l3", "incident_resolve")
    assert [(e["action_id"], e["value"]) for e in buttons] == [
        (a, str(answer["incident_id"])) for a in ids
    ]
    changes = await wait_for_text(local_slack, "chat.postMessage", "What changed")
    assert changes.body["thread_ts"] == posted.response["ts"]  # posted once the ts is stored
    stored = rows(database_url, "SELECT channel, message_ts FROM chatops.incidents")
    assert stored == [(CHANNEL, posted.response["ts"])]


async def test_a_repeat_updates_and_a_resolved_alert_resolves_in_the_thread(
    alerts_bot: BotUnderTest, local_slack: LocalSlack
) -> None:
    """updated (count 2, in place), then resolved (said in the thread), then ignored."""
    session, url = alerts_bot.session, alerts_bot.url
    first = await post_alert(session, url, alert("app_down"))
    posted = await wait_for_text(local_slack, "chat.postMessage", "app_down is failing")
    second = await post_alert(session, url, alert("app_down"))
    assert (second[0], second[1]["action"]) == (202, "updated")
    assert second[1]["incident_id"] == first[1]["incident_id"]
    ts = posted.response["ts"]
    await local_slack.wait_for(
        "chat.update", predicate=lambda c: c.body.get("ts") == ts and "seen 2×" in c.body["text"]
    )
    resolved = await post_alert(session, url, alert("app_down", status="resolved"))
    assert resolved[0] == 202
    assert (resolved[1]["action"], resolved[1]["state"]) == ("resolved", "resolved")
    line = await wait_for_text(local_slack, "chat.postMessage", "Resolved")
    assert line.body["thread_ts"] == ts and "reported it resolved" in line.body["text"]
    again = await post_alert(session, url, alert("app_down", status="resolved"))
    assert again[:2] == (202, {"incident_id": None, "state": None, "action": "ignored"})
    assert len(top_level_posts(local_slack)) == 1
    assert len(thread_posts(local_slack, ts)) >= 1


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("no token", 401),
        ("wrong token", 401),
        ("basic auth", 401),
        ("missing title", 400),
        ("bad severity", 400),
        ("1 MB body", 413),
        ("1 MB chunked", 413),
        ("text/plain", 415),
        ("broken JSON", 415),
        ("JSON array", 400),
    ],
)
async def test_a_refused_request_gets_its_status_and_changes_nothing(
    case: str,
    expected: int,
    alerts_bot: BotUnderTest,
    local_slack: LocalSlack,
    database_url: str,
    canary: str,
) -> None:
    """Each bad request: the documented status; no row, no Slack call, no echo of its content."""
    session, url = alerts_bot.session, alerts_bot.url
    good = alert(canary)
    big = '{"dedup_key": "' + canary + '", "details": "' + "x" * 1_048_576 + '"}'

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(big), 65536):
            yield big[start : start + 65536].encode()

    if case == "no token":
        answer = await post_alert(session, url, good, token=None)
    elif case == "wrong token":
        answer = await post_alert(session, url, good, token=ALERTS_TOKEN + "x")
    elif case == "basic auth":
        headers = {"Authorization": f"Basic {ALERTS_TOKEN}", "Content-Type": "application/json"}
        async with session.post(url + "/alerts", json=good, headers=headers) as resp:
            answer = (resp.status, await resp.json(), resp.headers)
    elif case == "missing title":
        answer = await post_alert(session, url, {k: v for k, v in good.items() if k != "title"})
    elif case == "bad severity":
        answer = await post_alert(session, url, {**good, "severity": "fatal"})
    elif case == "1 MB body":
        answer = await post_alert(session, url, big)
    elif case == "1 MB chunked":
        headers = {"Authorization": f"Bearer {ALERTS_TOKEN}", "Content-Type": "application/json"}
        async with session.post(url + "/alerts", data=chunks(), headers=headers) as resp:
            answer = (resp.status, await resp.json(), resp.headers)
    elif case == "text/plain":
        answer = await post_alert(session, url, good, content_type="text/plain")
    elif case == "broken JSON":
        answer = await post_alert(session, url, '{"dedup_key": "' + canary + '",')
    else:
        answer = await post_alert(session, url, "[1, 2]")
    status, body, _ = answer
    assert status == expected
    assert canary not in str(body)
    if expected == 400:
        assert set(body) == {"error", "field"}
        assert body["field"] == {"missing title": "title", "bad severity": "severity"}.get(
            case, "body"
        )
    if expected == 401:
        assert body == {"error": "missing or wrong bearer token"}
    assert _stored(database_url) == 0
    assert local_slack.calls == []
    _, metrics = await alerts_bot.get("/metrics")
    assert canary not in metrics


async def test_without_alerts_token_the_endpoint_is_not_configured(
    bot: BotUnderTest, local_slack: LocalSlack, database_url: str
) -> None:
    """ALERTS_TOKEN unset: 503 "not configured" for everyone, nothing stored."""
    status, body, _ = await post_alert(bot.session, bot.url, alert(), token="anything")
    assert status == 503 and "not configured" in body["error"]
    assert _stored(database_url) == 0 and local_slack.calls == []


async def test_a_full_queue_answers_503_with_retry_after(
    bot_env: dict[str, str], local_slack: LocalSlack, database_url: str
) -> None:
    """With the work queue full, an alert is refused at once (503, Retry-After) and not stored."""
    env = configure(bot_env, extra="\n[work]\nworkers = 1\nqueue_length = 2\n")
    async with start_bot_in_process(env) as running:
        assert running.runtime is not None
        release = asyncio.Event()
        started = asyncio.Event()

        async def hold() -> None:
            started.set()
            await release.wait()

        async def wait_release() -> None:
            await release.wait()

        running.runtime.work.submit("hold", hold)
        await started.wait()
        running.runtime.work.submit("queued", wait_release)
        status, body, headers = await post_alert(running.session, running.url, alert())
        assert status == 503 and headers["Retry-After"] == "1" and "busy" in body["error"]
        assert _stored(database_url) == 0
        release.set()
        status, body, _ = await post_alert(running.session, running.url, alert())
        assert (status, body["action"]) == (202, "created")
        _, metrics = await running.get("/metrics")
        assert 'aisi_alerts_received_total{outcome="busy"} 1.0' in metrics
        assert 'aisi_alerts_received_total{outcome="accepted"} 1.0' in metrics
