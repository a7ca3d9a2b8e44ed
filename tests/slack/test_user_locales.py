"""Each person's language from their Slack locale: asked with users.info (include_locale) over
real HTTP to the local Slack, cached in memory and in Redis, and any failure means the
configured language."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from redis.asyncio import Redis
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.client import build_web_client
from bot.slack.locale import KEY_PREFIX, UserLocales, slack_locale_lookup
from local_slack.server import LocalSlack
from tests.clocks import HandClock
from tests.conftest import BOT_TOKEN, LOOPBACK_CLOSED


@pytest.fixture
def client(local_slack: LocalSlack) -> AsyncWebClient:
    """The bot's Web API client, pointed at the local Slack."""
    local_slack.workspace.add_user("U0KIM", locale="ko-KR")
    local_slack.workspace.add_user("U0ALICE", locale="en-US")
    return build_web_client(token=BOT_TOKEN, base_url=local_slack.api_url)


def _locales(client: AsyncWebClient, redis: Redis | None, **kw: Any) -> UserLocales:
    return UserLocales(slack_locale_lookup(client), default="en", redis=redis, **kw)


async def test_users_info_gives_the_locale_only_when_asked(
    local_slack: LocalSlack, client: AsyncWebClient
) -> None:
    """Like Slack, users.info carries ``locale`` with include_locale and not without it."""
    plain = (await client.users_info(user="U0KIM"))["user"]
    asked = (await client.users_info(user="U0KIM", include_locale=True))["user"]
    assert "locale" not in plain and asked["locale"] == "ko-KR"


async def test_a_korean_slack_user_reads_korean_and_the_rest_the_configured_language(
    local_slack: LocalSlack, client: AsyncWebClient, redis: Redis
) -> None:
    """ko-KR → ko, en-US → en; the question sent is users.info with include_locale."""
    locales = _locales(client, redis)
    assert await locales.language("U0KIM") == "ko"
    assert await locales.language("U0ALICE") == "en"
    korean = UserLocales(slack_locale_lookup(client), default="ko", redis=redis)
    assert await korean.language("U0ALICE") == "en"  # a known locale beats the default
    calls = local_slack.calls_for("users.info")
    assert [c.body["user"] for c in calls] == ["U0KIM", "U0ALICE"]
    assert all(str(c.body["include_locale"]).lower() in ("1", "true") for c in calls)


async def test_a_locale_is_asked_once_then_cached_in_memory_and_in_redis(
    local_slack: LocalSlack, client: AsyncWebClient, redis: Redis
) -> None:
    """Repeated and concurrent lookups, and another replica sharing Redis, ask Slack once."""
    first = _locales(client, redis)
    answers = await asyncio.gather(*(first.language("U0KIM") for _ in range(5)))
    assert answers == ["ko"] * 5
    assert await first.language("U0KIM") == "ko"
    assert await redis.get(KEY_PREFIX + "U0KIM") == b"ko-KR"
    assert 0 < await redis.ttl(KEY_PREFIX + "U0KIM") <= 24 * 3600
    other_replica = _locales(client, redis)
    assert await other_replica.language("U0KIM") == "ko"
    assert len(local_slack.calls_for("users.info")) == 1


async def test_a_slack_failure_means_the_configured_language_until_retried(
    local_slack: LocalSlack, client: AsyncWebClient, redis: Redis
) -> None:
    """Slack refusing gives the default, not cached for the day: asked again after retry_s."""
    clock = HandClock()
    locales = _locales(client, redis, clock=clock, retry_s=300)
    local_slack.fail_next("users.info", error="internal_error")
    assert await locales.language("U0KIM") == "en"
    assert await redis.get(KEY_PREFIX + "U0KIM") is None
    assert await locales.language("U0KIM") == "en"  # within the retry wait: not asked again
    assert len(local_slack.calls_for("users.info")) == 1
    clock.now += 301
    assert await locales.language("U0KIM") == "ko"
    assert len(local_slack.calls_for("users.info")) == 2


async def test_unreachable_slack_and_redis_mean_the_configured_language() -> None:
    """Neither Slack nor Redis answering: the default language, at once and without error."""
    down_slack = build_web_client(token=BOT_TOKEN, base_url=LOOPBACK_CLOSED + "/api/")
    down_redis = Redis.from_url("redis://127.0.0.1:9/0", socket_connect_timeout=1)
    try:
        locales = UserLocales(
            slack_locale_lookup(down_slack), default="ko", redis=down_redis, timeout_s=5
        )
        assert await locales.language("U0KIM") == "ko"
    finally:
        await down_redis.aclose()


async def test_redis_down_still_asks_slack(local_slack: LocalSlack, client: AsyncWebClient) -> None:
    """Without Redis the locale still comes from Slack (and is kept in memory)."""
    down_redis = Redis.from_url("redis://127.0.0.1:9/0", socket_connect_timeout=1)
    try:
        locales = _locales(client, down_redis)
        assert await locales.language("U0KIM") == "ko"
        assert await locales.language("U0KIM") == "ko"
    finally:
        await down_redis.aclose()
    assert len(local_slack.calls_for("users.info")) == 1


@pytest.mark.parametrize("user_id", [None, "", "not a user", "U0KIM\r\nFLUSHALL", "B0BOT"])
async def test_anything_but_a_user_id_asks_nobody(
    local_slack: LocalSlack, client: AsyncWebClient, redis: Redis, user_id: str | None
) -> None:
    """A missing or malformed user id is the default language: no Slack call, no Redis key."""
    assert await _locales(client, redis).language(user_id) == "en"
    assert local_slack.calls_for("users.info") == []
    assert await redis.dbsize() == 0


async def test_the_memory_cache_keeps_only_the_most_recent_people(
    local_slack: LocalSlack, client: AsyncWebClient
) -> None:
    """The in-memory LRU holds ``memory_size`` people; an evicted one is asked again."""
    locales = _locales(client, None, memory_size=1)
    await locales.language("U0KIM")
    await locales.language("U0ALICE")
    await locales.language("U0KIM")
    assert [c.body["user"] for c in local_slack.calls_for("users.info")] == [
        "U0KIM",
        "U0ALICE",
        "U0KIM",
    ]
