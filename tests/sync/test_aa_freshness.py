"""AA freshness: a person's sync gets fresh data; the cache only collapses calls in a short window.

And the AA quota headers, when AA sends them, are shown in /keys and the sync summary.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from redis import Redis as SyncRedis

from bot.sources.aa_api import cache_key
from bot.stores.result_cache import KEY_PREFIX
from bot.sync.service import SyncRequest
from local_slack.server import LocalSlack
from tests.harness import BotUnderTest, start_bot_in_process
from tests.sync.test_sync_command import OPERATOR, _fields, _slash_sync, _text
from tests.sync_upstreams import AA_API_PATH, SyncUpstreams, aa_api_body, sync_env

SIX_HOURS_S = 6 * 3600
RESET_AT = datetime(2026, 11, 27, 0, 0, tzinfo=UTC)
QUOTA_HEADERS = {
    "X-RateLimit-Limit": "1000",
    "X-RateLimit-Remaining": "812",
    "X-RateLimit-Reset": str(int(RESET_AT.timestamp())),
}


@pytest.fixture
async def upstreams() -> AsyncIterator[SyncUpstreams]:
    """Every source healthy, serving the real fixtures."""
    async with SyncUpstreams() as server:
        server.serve_fixtures()
        yield server


@pytest.fixture
def env(bot_env: dict[str, str], upstreams: SyncUpstreams, tmp_path: Path) -> dict[str, str]:
    """The bot against the stand-ins with one operator (default 10-minute AA window)."""
    return sync_env(bot_env, upstreams, tmp_path / "cfg", operators=(OPERATOR,), source_timeout_s=5)


@pytest.fixture
async def bot(env: dict[str, str]) -> AsyncIterator[BotUnderTest]:
    """The bot, in this process, over real HTTP."""
    async with start_bot_in_process(env) as running:
        yield running


def _age_cached_aa_answer(env: dict[str, str], seconds: int) -> None:
    """Make the cached AA body look ``seconds`` older (as if fetched that long ago)."""
    client = SyncRedis.from_url(env["REDIS_URL"])
    try:
        key = KEY_PREFIX + cache_key(env["ARTIFICIAL_ANALYSIS_BASE_URL"])
        raw = client.get(key)
        assert raw is not None, "no cached AA answer"
        head, _, body = raw.decode().partition("\n")
        meta = json.loads(head)
        meta["fetched"] -= seconds
        client.set(key, json.dumps(meta) + "\n" + body, keepttl=True)
    finally:
        client.close()


def _changed_aa_body() -> dict[str, Any]:
    """The real AA answer after AA re-scored one model (gpt-4o-mini: 21.2 → 23)."""
    body = aa_api_body()
    assert body["data"][0]["slug"] == "gpt-4o-mini"
    body["data"][0]["evaluations"]["artificial_analysis_intelligence_index"] = 23.0
    return body


def _intelligence_changes(url: str) -> list[list[Any]]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT change_data FROM public.change_logs WHERE change_type = 'updated'"
        ).fetchall()
    return [
        r[0]["changes"]["intelligence_score"]
        for r in rows
        if "intelligence_score" in r[0]["changes"]
    ]


async def test_operator_sync_after_aa_changed_shows_the_new_data_not_a_6_hour_old_cache(
    bot: BotUnderTest,
    local_slack: LocalSlack,
    upstreams: SyncUpstreams,
    env: dict[str, str],
    database_url: str,
) -> None:
    """AA changes; with a 6-hour-old cached answer an operator's /sync still fetches the new one."""
    first = await _slash_sync(bot, local_slack, "all")
    assert "✅ Sync applied (all)" in first.text
    assert upstreams.count(AA_API_PATH) == 1
    upstreams.route(AA_API_PATH, json=_changed_aa_body())
    _age_cached_aa_answer(env, SIX_HOURS_S - 60)  # still inside the cache's 6 h TTL

    second = await _slash_sync(bot, local_slack, "all")
    assert upstreams.count(AA_API_PATH) == 2
    assert "✅ Sync applied (all)" in second.text
    assert _fields(second.summary)["Updated"] == "1"
    assert _intelligence_changes(database_url) == [[21, 23]]


async def test_two_person_syncs_inside_the_window_make_one_aa_request(
    bot: BotUnderTest, local_slack: LocalSlack, upstreams: SyncUpstreams, env: dict[str, str]
) -> None:
    """Two /sync within aa_fresh_window: one AA request; past the window: a new one."""
    await _slash_sync(bot, local_slack, "aa")
    again = await _slash_sync(bot, local_slack, "aa")
    assert upstreams.count(AA_API_PATH) == 1
    assert "already up to date" in again.text
    _age_cached_aa_answer(env, 10 * 60 + 5)  # just past the default 10-minute window
    await _slash_sync(bot, local_slack, "aa")
    assert upstreams.count(AA_API_PATH) == 2


async def test_scheduled_sync_accepts_the_6_hour_cache_a_person_does_not(
    bot: BotUnderTest, local_slack: LocalSlack, upstreams: SyncUpstreams, env: dict[str, str]
) -> None:
    """A one-hour-old answer serves a scheduled run; the same answer is too old for a person."""
    assert bot.runtime is not None
    await _slash_sync(bot, local_slack, "aa")
    _age_cached_aa_answer(env, 3600)

    def request(trigger: str) -> SyncRequest:
        return SyncRequest(scope="aa", dry_run=True, force=False, trigger=trigger)

    scheduled = await bot.runtime.sync.run(request("schedule:source-check"))
    aa = dict(scheduled.sources)["aa_api"]
    assert (aa.status, aa.facts["cached"], upstreams.count(AA_API_PATH)) == ("ok", "yes", 1)
    by_person = await bot.runtime.sync.run(request("cli:alice"))
    assert dict(by_person.sources)["aa_api"].facts["cached"] == "no"
    assert upstreams.count(AA_API_PATH) == 2


async def test_aa_quota_headers_show_in_the_sync_summary_and_in_keys(
    bot: BotUnderTest, local_slack: LocalSlack, upstreams: SyncUpstreams
) -> None:
    """AA's X-RateLimit-* headers: 'AA quota: 812 of 1,000 left (resets …)' in both answers."""
    upstreams.route(AA_API_PATH, json=aa_api_body(), headers=QUOTA_HEADERS)
    seen = await _slash_sync(bot, local_slack, "aa")
    expected = "AA quota: 812 of 1,000 left (resets 2026-11-27 00:00 UTC)"
    assert expected in seen.text
    await bot.sender.command("/keys", "", response_url=local_slack.response_url_for("keys"))
    call = await local_slack.wait_for("response_url", predicate=lambda c: c.key == "keys")
    assert expected in _text(call.body)
    assert call.body["response_type"] == "ephemeral"


async def test_without_quota_headers_nothing_is_said_about_a_quota(
    bot: BotUnderTest, local_slack: LocalSlack, upstreams: SyncUpstreams
) -> None:
    """No rate-limit headers from AA: neither answer guesses a quota."""
    seen = await _slash_sync(bot, local_slack, "aa")
    await bot.sender.command("/keys", "", response_url=local_slack.response_url_for("keys"))
    call = await local_slack.wait_for("response_url", predicate=lambda c: c.key == "keys")
    assert "quota:" not in seen.text and "quota:" not in _text(call.body)
