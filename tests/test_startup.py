"""Ready means ready: while migrations run, /readyz says so and nothing that changes state is
taken; the moment /readyz says 200, an alert is stored. Deeply nested JSON is a 400."""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Iterator
from urllib.parse import quote, urlsplit, urlunsplit

import httpx
import psycopg
import pytest

from bot.stores.db import _MIGRATION_LOCK_KEY
from bot.upstream import bounded_json
from bot.upstream.http import read_json
from local_slack.payloads import signed_headers
from local_slack.server import LocalSlack
from tests.harness import BotUnderTest, start_bot_in_process
from tests.incidents.slack_side import alert, configure, post_alert

RACE_RUNS = 100
POLL_S = 0.02  # the load balancer's poll: every 20 ms


def _database(admin_url: str, name: str) -> str:
    return urlunsplit(urlsplit(admin_url)._replace(path="/" + name))


@pytest.fixture
def fresh_databases(pg_admin_url: str) -> Iterator[list[str]]:
    """Names of databases created by the test (dropped afterwards)."""
    names: list[str] = []
    yield names
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        for name in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _create(pg_admin_url: str, names: list[str]) -> str:
    name = f"aisi_start_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    names.append(name)
    return _database(pg_admin_url, name)


async def _readyz(bot: BotUnderTest) -> tuple[int, dict[str, object]]:
    status, text = await bot.get("/readyz")
    return status, json.loads(text)


async def _poll_until_ready(bot: BotUnderTest, timeout_s: float = 30) -> None:
    """GET /readyz every 20 ms until it says 200 (as a load balancer does)."""
    for _ in range(int(timeout_s / POLL_S)):
        if (await bot.get("/readyz"))[0] == 200:
            return
        await asyncio.sleep(POLL_S)
    raise AssertionError(f"/readyz not 200 within {timeout_s:g} s")


async def test_readyz_names_the_migrations_while_they_run_and_nothing_is_taken(
    bot_env: dict[str, str], local_slack: LocalSlack, empty_database: str
) -> None:
    """The migration lock held by someone else: /readyz 503 naming the migrations, /alerts
    and /slack/events 503 with Retry-After 1 and nothing stored; released: 200 and 202."""
    env = configure({**bot_env, "DATABASE_URL": empty_database})
    async with await psycopg.AsyncConnection.connect(empty_database, autocommit=True) as holder:
        await holder.execute("SELECT pg_advisory_lock(%s)", (_MIGRATION_LOCK_KEY,))
        async with start_bot_in_process(env, wait_migrated=False, wait_accepting=False) as bot:
            status, body = await _readyz(bot)
            assert status == 503 and body["checks"]["startup"] == "migrations running"  # type: ignore[index]
            code, answer, headers = await post_alert(bot.session, bot.url, alert("db_down"))
            assert code == 503 and headers["Retry-After"] == "1", answer
            assert "migrations running" in str(answer["error"])
            command = await bot.sender.command(
                "/health", "", response_url=local_slack.response_url_for("early")
            )
            assert command.status == 503
            assert (await bot.get("/healthz"))[0] == 200
            assert bot.runtime is not None and not bot.runtime.ready.is_set()
            await holder.execute("SELECT pg_advisory_unlock(%s)", (_MIGRATION_LOCK_KEY,))
            await asyncio.wait_for(bot.runtime.ready.wait(), 30)
            status, body = await _readyz(bot)
            assert status == 200, body
            code, answer, _ = await post_alert(bot.session, bot.url, alert("db_down"))
            assert code == 202, answer
    assert local_slack.calls_for("response_url") == []
    async with await psycopg.AsyncConnection.connect(empty_database) as conn:
        cur = await conn.execute("SELECT count(*) FROM chatops.incidents")
        assert await cur.fetchone() == (1,)


async def test_an_alert_posted_the_moment_readyz_says_200_is_stored(
    bot_env: dict[str, str], pg_admin_url: str, fresh_databases: list[str]
) -> None:
    """100 starts on a fresh database each; a client polls /readyz every 20 ms and posts an
    alert at the first 200: every one is answered 202, none fails."""
    failures: list[str] = []
    configured = configure(bot_env)
    for run in range(RACE_RUNS):
        env = {**configured, "DATABASE_URL": _create(pg_admin_url, fresh_databases)}
        async with start_bot_in_process(env, wait_migrated=False, wait_accepting=False) as bot:
            await _poll_until_ready(bot)
            code, answer, _ = await post_alert(bot.session, bot.url, alert("db_down"))
            if code != 202:
                failures.append(f"run {run}: {code} {answer}")
    assert failures == []


async def test_signed_bodies_nested_5000_deep_are_400_and_cause_nothing(
    bot: BotUnderTest, local_slack: LocalSlack, caplog: pytest.LogCaptureFixture
) -> None:
    """payload= and an event body 5,000 deep, correctly signed: 400, no Slack call, no log
    of the body, and the bot answers the next command."""
    caplog.set_level(logging.DEBUG)
    deep = "[" * 5000 + "]" * 5000
    before = len(local_slack.calls)
    secret = bot.sender._secret
    form = "payload=" + quote(deep)
    for body, content_type in (
        (form, "application/x-www-form-urlencoded"),
        ('{"type": "event_callback", "event": ' + deep + "}", "application/json"),
    ):
        answer = await bot.sender.post_raw(
            body, signed_headers(secret, body, content_type=content_type)
        )
        assert answer.status == 400, answer
        assert answer.text == '{"error":"bad request"}'
    assert local_slack.calls[before:] == []
    assert "[[[[" not in caplog.text and "%5B%5B" not in caplog.text
    assert "RecursionError" not in caplog.text
    reply = await bot.sender.command(
        "/health", "app", response_url=local_slack.response_url_for("after")
    )
    assert reply.status == 200


async def test_alerts_nested_5000_deep_are_400_and_store_nothing(
    bot_env: dict[str, str], database_url: str
) -> None:
    """/alerts with a 5,000-deep ``details``: 400 naming the depth, no row."""
    async with start_bot_in_process(configure(bot_env)) as bot:
        body = '{"title": "x", "severity": "critical", "details": ' + "[" * 5000 + "]" * 5000 + "}"
        code, answer, _ = await post_alert(bot.session, bot.url, body)
    assert code == 400 and "64 levels" in str(answer["error"]), answer
    async with await psycopg.AsyncConnection.connect(database_url) as conn:
        cur = await conn.execute("SELECT count(*) FROM chatops.incidents WHERE title = 'x'")
        assert await cur.fetchone() == (0,)


async def test_an_upstream_answer_nested_too_deep_is_a_named_bad_answer() -> None:
    """read_json refuses it with a ValueError naming the depth (never RecursionError)."""
    deep = b"{\"a\": " * 5000 + b"1" + b"}" * 5000

    def serve(_: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=deep, headers={"content-type": "application/json"})

    async with httpx.AsyncClient(transport=httpx.MockTransport(serve)) as client:
        response = await client.get("http://127.0.0.1:9/deep")
    with pytest.raises(ValueError, match="nested deeper than 64 levels"):
        await read_json(response)


@pytest.mark.parametrize(
    ("text", "deep"),
    [
        ("[" * 64 + "]" * 64, False),
        ("[" * 65 + "]" * 65, True),
        ('["' + "[" * 100 + '"]', False),  # brackets inside a string do not count
        ('["\\"' + "{" * 100 + '"]', False),  # nor after an escaped quote
        ('{"a": {"b": [1, {"c": 2}]}}', False),
    ],
)
def test_nesting_depth_counts_only_structure(text: str, deep: bool) -> None:
    """Only brackets outside strings count toward the limit."""
    assert (bounded_json.nesting_depth_exceeds(text) is not None) is deep
    if not deep:
        assert bounded_json.loads(text) == json.loads(text)
