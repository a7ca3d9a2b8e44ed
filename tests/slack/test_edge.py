"""/slack/events verifies in front of Bolt: every unverified request gets 401 and causes nothing."""

from __future__ import annotations

import psycopg
import pytest

from local_slack.server import LocalSlack
from tests.conftest import SIGNING_SECRET
from tests.harness import BotUnderTest
from tests.hostile import CANARY, FORM, HostileRequest, hostile_requests, send

SHAPES = {r.name: r for r in hostile_requests(SIGNING_SECRET, "http://127.0.0.1:9/response/x")}


def _bot_errors(database_url: str) -> int:
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT count(*) FROM chatops.bot_errors").fetchone()
    return int(row[0]) if row else 0


@pytest.mark.parametrize("name", sorted(SHAPES))
async def test_each_hostile_shape_gets_a_fixed_4xx(
    name: str, bot: BotUnderTest, local_slack: LocalSlack, database_url: str
) -> None:
    """Each shape gets its 401/400 with a fixed body echoing nothing; no call, no error row."""
    shape = SHAPES[name]
    # Re-create the shape now, with a response_url on the local server that would record a post.
    fresh = {r.name: r for r in hostile_requests(SIGNING_SECRET, local_slack.response_url_for("h"))}
    request: HostileRequest = fresh[name]
    status, text = await send(bot.session, bot.url + "/slack/events", request)
    assert status == shape.expect
    assert text in ('{"error":"invalid request"}', '{"error":"bad request"}')
    assert CANARY not in text
    assert local_slack.calls == []
    assert _bot_errors(database_url) == 0


async def test_rejections_are_counted_by_fixed_reason(bot: BotUnderTest) -> None:
    """A refused request increments its reason's series; the series existed before."""
    _, before = await bot.get("/metrics")
    assert 'aisi_edge_rejections_total{reason="bad_timestamp"} 0.0' in before
    form = "command=%2Fhealth"
    headers = {"Content-Type": FORM, "X-Slack-Request-Timestamp": "NaN", "X-Slack-Signature": "x"}
    reply = await bot.sender.post_raw(form, headers)
    assert reply.status == 401
    _, after = await bot.get("/metrics")
    assert 'aisi_edge_rejections_total{reason="bad_timestamp"} 1.0' in after


async def test_bolt_internal_headers_are_not_taken_from_outside(
    bot: BotUnderTest, local_slack: LocalSlack
) -> None:
    """A signed command carrying Bolt's lazy-listener header is handled as a normal command."""
    from urllib.parse import urlencode

    from local_slack.payloads import signed_headers, slash_command_form

    body = urlencode(
        slash_command_form("/health", "db", response_url=local_slack.response_url_for("lazy"))
    )
    headers = {**signed_headers(SIGNING_SECRET, body), "X-Slack-Bolt-Lazy-Only": "1"}
    reply = await bot.sender.post_raw(body, headers)
    assert reply.status == 200
    await local_slack.wait_for("response_url", timeout=10)
