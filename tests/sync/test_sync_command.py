"""/sync and `aisi-bot sync` end to end: signed HTTP in, real fixtures upstream, Slack out."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql
from redis import Redis as SyncRedis

from bot.sources.aa_api import cache_key
from bot.stores.result_cache import KEY_PREFIX
from local_slack.recording import RecordedCall
from local_slack.sender import SentResponse
from local_slack.server import LocalSlack
from tests.harness import BotUnderTest, run_cli, start_bot_in_process
from tests.sync_upstreams import (
    AA_API_PATH,
    AA_PAGE_PATH,
    ANTHROPIC_PATH,
    GITHUB_PATH,
    OPENAI_PATH,
    SyncUpstreams,
    aa_api_body,
    github_backup_body,
    sync_env,
)

OPERATOR, OTHER_OPERATOR, VISITOR = "U0ALICE", "U0BOB", "U0MALLORY"
CHANNEL = "C0OPS"
SOURCE_TIMEOUT_S = 2.0
# Sources /sync all asks when the AA API answers (the page is its fallback, not needed then).
RAN_WHEN_AA_API_OK = (
    "openai",
    "anthropic",
    "google",
    "replicate",
    "aa_api",
    "github_backup",
    "defaults",
)
ALL_STEPS = len(RAN_WHEN_AA_API_OK) + 1  # + aa_page, skipped as "not needed"
PAGE_WITHOUT_FLIGHT = (
    "<!DOCTYPE html><html><head><title>LLM Leaderboard | Artificial Analysis</title></head>"
    '<body><main id="leaderboard"><table><tr><th>Model</th><th>Intelligence</th></tr>'
    "<tr><td>GPT-5 (high)</td><td>68</td></tr></table></main></body></html>"
)
SOURCE_LINE = re.compile(r"^(✅|❌|⏭️) \*(\w+)\* — (.*?) · \d+ ms(.*)$")


# ------------------------------------------------------------------ fixtures and helpers


@pytest.fixture
async def upstreams() -> AsyncIterator[SyncUpstreams]:
    """Every source healthy, serving the real fixtures."""
    async with SyncUpstreams() as server:
        server.serve_fixtures()
        yield server


@pytest.fixture
def env(bot_env: dict[str, str], upstreams: SyncUpstreams, tmp_path: Path) -> dict[str, str]:
    """The bot's environment: stand-ins, keys, two operators, a short source timeout."""
    return sync_env(
        bot_env,
        upstreams,
        tmp_path / "cfg",
        operators=(OPERATOR, OTHER_OPERATOR),
        source_timeout_s=SOURCE_TIMEOUT_S,
    )


@pytest.fixture
async def sync_bot(env: dict[str, str]) -> AsyncIterator[BotUnderTest]:
    """The bot, in this process, over real HTTP."""
    async with start_bot_in_process(env) as running:
        yield running


@dataclass(frozen=True)
class SyncSeen:
    """What Slack saw of one /sync: the ack, the progress message and its updates."""

    ack: SentResponse
    ts: str
    posts: list[RecordedCall]
    updates: list[RecordedCall]

    @property
    def summary(self) -> dict[str, Any]:
        return self.updates[-1].body

    @property
    def text(self) -> str:
        return _text(self.summary)


def _is_summary(body: dict[str, Any]) -> bool:
    blocks = body.get("blocks") or [{}]
    return bool(blocks[0].get("type") == "header")


def _text(body: dict[str, Any]) -> str:
    """Every text of a message's blocks, one per line."""
    parts: list[str] = []
    for block in body.get("blocks") or []:
        if isinstance(block.get("text"), dict):
            parts.append(str(block["text"].get("text", "")))
        parts.extend(str(f.get("text", "")) for f in block.get("fields") or [])
        parts.extend(str(e.get("text", "")) for e in block.get("elements") or [])
    return "\n".join(parts)


async def _slash_sync(
    bot: BotUnderTest,
    slack: LocalSlack,
    text: str,
    *,
    user: str = OPERATOR,
    channel: str = CHANNEL,
) -> SyncSeen:
    """Send /sync, wait for its summary (the update carrying a header), collect the rest."""
    since = len(slack.calls)
    ack = await bot.sender.command(
        "/sync",
        text,
        response_url=slack.response_url_for(f"sync-{since}"),
        user_id=user,
        channel_id=channel,
    )
    assert ack.status == 200
    assert "not available" not in ack.text, f"/sync is not wired to its handler: {ack.text}"
    posted = await slack.wait_for(
        "chat.postMessage",
        predicate=lambda c: c.body.get("channel") == channel,
        since=since,
        timeout=10,
    )
    ts = str(posted.response["ts"])
    await slack.wait_for(
        "chat.update",
        predicate=lambda c: c.body.get("ts") == ts and _is_summary(c.body),
        since=since,
        timeout=30,
    )
    calls = slack.calls[since:]
    posts = [
        c for c in calls if c.method == "chat.postMessage" and c.body.get("channel") == channel
    ]
    updates = [c for c in calls if c.method == "chat.update" and c.body.get("ts") == ts]
    return SyncSeen(ack, ts, posts, updates)


def _sources(text: str) -> dict[str, tuple[str, str]]:
    """{source: (icon, what)} from a summary's Sources section; placeholder notes kept."""
    found: dict[str, tuple[str, str]] = {}
    for line in text.splitlines():
        match = SOURCE_LINE.match(line)
        if match:
            icon, name, what, flag = match.groups()
            found[name] = (icon, what + flag)
    return found


def _fields(body: dict[str, Any]) -> dict[str, str]:
    """{label: value} of the summary's counts ("*Added*\\n414" → {"Added": "414"})."""
    out: dict[str, str] = {}
    for block in body.get("blocks") or []:
        for field in block.get("fields") or []:
            label, _, value = str(field.get("text", "")).partition("\n")
            out[label.strip("*")] = value
    return out


def _from_source(text: str) -> dict[str, int]:
    line = next(x for x in text.splitlines() if x.startswith("*Where models came from:*"))
    pairs = line.removeprefix("*Where models came from:*").split(",")
    return {name.strip(): int(count) for name, _, count in (p.partition(":") for p in pairs)}


def _query(url: str, query: str | sql.Composed) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as conn:
        return conn.execute(query).fetchall()


def _models(url: str) -> dict[str, tuple[Any, ...]]:
    """Every row of public.models: slug → (is_active, data_source, values...)."""
    rows = _query(
        url,
        "SELECT slug, is_active, data_source, name, intelligence_score, output_speed,"
        " input_price, output_price, context_window, updated_at FROM public.models",
    )
    return {row[0]: row[1:] for row in rows}


def _count(url: str, table: str) -> int:
    schema, name = table.split(".")
    query = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(schema, name))
    return int(_query(url, query)[0][0])


def _runs(url: str) -> list[tuple[str, list[dict[str, Any]], dict[str, Any]]]:
    return [
        (row[0], row[1], row[2])
        for row in _query(url, "SELECT outcome, sources, diff FROM chatops.sync_runs ORDER BY id")
    ]


def _forget_aa_cache(env: dict[str, str]) -> None:
    """Drop the cached AA API body so the next sync really asks the (scripted) API."""
    client = SyncRedis.from_url(env["REDIS_URL"])
    try:
        assert client.delete(KEY_PREFIX + cache_key(env["ARTIFICIAL_ANALYSIS_BASE_URL"])) == 1
    finally:
        client.close()


async def _cli(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    """Run `aisi-bot ARGS` as a real process: (exit code, stdout, stderr)."""
    return await run_cli(env, *args)


def _without_ms(lines: list[str]) -> list[str]:
    return [re.sub(r" · \d+ ms", "", line) for line in lines]


# ------------------------------------------------------------------ who may run it, usage


async def test_non_operator_is_denied_ephemerally_and_nothing_runs(
    sync_bot: BotUnderTest,
    local_slack: LocalSlack,
    upstreams: SyncUpstreams,
    database_url: str,
) -> None:
    """A non-operator's /sync all is denied in an ephemeral ack; no message, fetch or row."""
    reply = await sync_bot.sender.command(
        "/sync", "all --force", response_url=local_slack.response_url_for("v"), user_id=VISITOR
    )
    assert reply.status == 200
    body = json.loads(reply.text)
    assert body["response_type"] == "ephemeral"
    assert "Only configured operators may run /sync" in body["text"]
    assert local_slack.calls_for("chat.postMessage") == []
    assert local_slack.calls_for("response_url") == []
    assert upstreams.requests == []
    assert _count(database_url, "chatops.sync_runs") == 0
    assert _count(database_url, "public.models") == 0


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("help", None),
        ("nonsense", "Unknown argument `nonsense`."),
        ("all --dryrun", "Unknown argument `--dryrun`."),
        ("<!channel>", "Unknown argument `&lt;!channel&gt;`."),
    ],
)
async def test_help_and_bad_arguments_get_the_usage(
    sync_bot: BotUnderTest,
    local_slack: LocalSlack,
    upstreams: SyncUpstreams,
    text: str,
    problem: str | None,
) -> None:
    """help and unknown arguments get the usage in an ephemeral ack (text escaped), nothing runs."""
    reply = await sync_bot.sender.command(
        "/sync", text, response_url=local_slack.response_url_for("u"), user_id=OPERATOR
    )
    body = json.loads(reply.text)
    assert body["response_type"] == "ephemeral"
    shown = _text(body)
    assert "Usage: `/sync [all|providers|" in shown and "--dry-run" in shown and "--force" in shown
    if problem is None:
        assert "Unknown argument" not in shown
    else:
        assert problem in shown
    assert "<!channel>" not in reply.text
    assert local_slack.calls_for("chat.postMessage") == []
    assert upstreams.requests == []


# ------------------------------------------------------------------ a full sync


async def test_operator_sync_all_updates_one_message_per_source_then_summary(
    sync_bot: BotUnderTest, local_slack: LocalSlack, upstreams: SyncUpstreams, database_url: str
) -> None:
    """One progress message, updated in place as sources finish (coalesced), then the summary."""
    seen = await _slash_sync(sync_bot, local_slack, "all")
    assert seen.ack.text == ""  # a bare ack: the work is in the background
    assert len(seen.posts) == 1
    assert seen.posts[0].body["text"] == f"Sync all running: 0 of {ALL_STEPS} sources done"
    ts = seen.posts[0].response["ts"]
    assert all(u.body["ts"] == ts for u in seen.updates)
    progress = [u for u in seen.updates if not _is_summary(u.body)]
    # Sources finishing within a second of each other share one update (the newest state).
    assert 1 <= len(progress) <= ALL_STEPS
    done = [int(re.findall(r"(\d+) of", u.body["text"])[0]) for u in progress]
    assert done == sorted(set(done)) and done[0] >= 1
    assert seen.updates[-1] is not progress[-1] and _is_summary(seen.updates[-1].body)
    assert upstreams.count(AA_API_PATH) == 1 and upstreams.count(AA_PAGE_PATH) == 0


async def test_operator_sync_all_summary_and_table_from_the_fixtures(
    sync_bot: BotUnderTest, local_slack: LocalSlack, database_url: str
) -> None:
    """Applied: 276 AA models, backup flagged placeholder, counts and origins match the table."""
    seen = await _slash_sync(sync_bot, local_slack, "all")
    text = seen.text
    assert "✅ Sync applied (all)" in text
    sources = _sources(text)
    assert set(sources) == {*RAN_WHEN_AA_API_OK, "aa_page"}
    assert sources["aa_api"] == ("✅", "276 models")
    assert sources["aa_page"] == ("⏭️", "not needed: aa_api succeeded")
    icon, what = sources["github_backup"]
    assert icon == "✅" and what.startswith("275 models ⚠️ placeholder data: 275 of 275 models")
    assert "speed 100 and prices 5/10" in what
    assert all(icon == "✅" for name, (icon, _) in sources.items() if name != "aa_page")
    models = _models(database_url)
    active = sum(1 for row in models.values() if row[0])
    assert active >= 270 and active == len(models)
    fields = _fields(seen.summary)
    assert fields["Added"] == str(len(models)) and fields["Deactivated"] == "0"
    assert fields["Active models"] == f"0 → {active}"
    assert fields["Rows written"] == str(len(models))
    by_source = dict(
        _query(database_url, "SELECT data_source, count(*) FROM public.models GROUP BY 1")
    )
    assert _from_source(text) == by_source
    assert by_source["aa_api"] >= 270 - by_source.get("provider_api", 0)
    assert "Data-quality violations" in text


async def test_sync_run_is_recorded_with_per_source_statuses(
    sync_bot: BotUnderTest, local_slack: LocalSlack, database_url: str
) -> None:
    """chatops.sync_runs holds one applied run with each source's status, reason and count."""
    await _slash_sync(sync_bot, local_slack, "all")
    runs = _runs(database_url)
    assert [outcome for outcome, _, _ in runs] == ["applied"]
    _, sources, diff = runs[0]
    status = {s["name"]: s["status"] for s in sources}
    assert status == {**dict.fromkeys(RAN_WHEN_AA_API_OK, "ok"), "aa_page": "skipped"}
    by_name = {s["name"]: s for s in sources}
    assert by_name["aa_api"]["reason"] == "276 models (272 with an intelligence index)"
    assert by_name["aa_api"]["count"] == 276
    assert by_name["github_backup"]["placeholder"] is True
    assert diff["added"] == diff["rows_written"] == _count(database_url, "public.models")


async def test_second_identical_sync_is_already_up_to_date_and_writes_nothing(
    sync_bot: BotUnderTest, local_slack: LocalSlack, upstreams: SyncUpstreams, database_url: str
) -> None:
    """A resync with the same data reports 'already up to date', 0 rows, no AA quota spent."""
    await _slash_sync(sync_bot, local_slack, "all")
    before = _models(database_url)
    logs = _count(database_url, "public.change_logs")
    seen = await _slash_sync(sync_bot, local_slack, "all")
    assert "✅ Sync: already up to date (all)" in seen.text
    fields = _fields(seen.summary)
    assert fields["Rows written"] == "0" and fields["Added"] == "0" and fields["Updated"] == "0"
    assert fields["Unchanged"] == str(len(before))
    assert _models(database_url) == before
    assert _count(database_url, "public.change_logs") == logs
    assert [outcome for outcome, _, _ in _runs(database_url)] == ["applied", "nothing_to_do"]
    assert upstreams.count(AA_API_PATH) == 1  # the second sync read the cached body


async def test_dry_run_on_empty_table_shows_diff_and_writes_nothing(
    sync_bot: BotUnderTest, local_slack: LocalSlack, database_url: str
) -> None:
    """--dry-run shows what would be added and where from; public.* stays empty."""
    seen = await _slash_sync(sync_bot, local_slack, "all --dry-run")
    assert "(dry run)" in _text(seen.posts[0].body)
    text = seen.text
    assert "🔍 Sync dry run — nothing written (all)" in text
    fields = _fields(seen.summary)
    assert int(fields["Added"]) >= 270 and fields["Rows written"] == "0"
    assert sum(_from_source(text).values()) == int(fields["Added"])
    for table in ("public.models", "public.providers", "public.change_logs"):
        assert _count(database_url, table) == 0
    assert [outcome for outcome, _, _ in _runs(database_url)] == ["dry_run"]


async def test_summary_goes_by_response_url_when_the_bot_cannot_post(
    sync_bot: BotUnderTest, local_slack: LocalSlack, database_url: str
) -> None:
    """Not in the channel: no progress message, the summary arrives in channel by response_url."""
    local_slack.fail_next("chat.postMessage", error="not_in_channel")
    reply = await sync_bot.sender.command(
        "/sync", "all", response_url=local_slack.response_url_for("fallback"), user_id=OPERATOR
    )
    assert reply.status == 200 and reply.text == ""
    call = await local_slack.wait_for(
        "response_url", predicate=lambda c: c.key == "fallback", timeout=30
    )
    assert call.body["response_type"] == "in_channel"
    assert "✅ Sync applied (all)" in _text(call.body)
    assert [c.error for c in local_slack.calls_for("chat.postMessage")] == ["not_in_channel"]
    assert local_slack.calls_for("chat.update") == []
    assert _count(database_url, "public.models") >= 270


# ------------------------------------------------------------------ failing sources


@dataclass(frozen=True)
class Failure:
    """One way a source fails: the scripted answers and what the summary must say."""

    routes: dict[str, dict[str, Any]]
    said: dict[str, str]  # source → words in its summary line
    supplied: str  # the data_source of the rows the failed source had supplied


FAILURES: dict[str, Failure] = {
    "aa_api_500": Failure(
        {AA_API_PATH: {"status": 500, "json": {"error": "Internal Server Error"}}},
        {"aa_api": "HTTP 500"},
        "aa_api",
    ),
    "aa_api_429": Failure(
        {
            AA_API_PATH: {
                "status": 429,
                "json": {"error": "Too Many Requests", "message": "Daily limit of 1000 reached"},
                "headers": {"Retry-After": "30"},
            }
        },
        {"aa_api": "rate limited (retry after 30 s)"},
        "aa_api",
    ),
    "github_garbage": Failure(
        {
            GITHUB_PATH: {
                "text": '{"models": [{"rank": 1, "name": "GPT-5 (high)", "slug": "gpt-5',
                "headers": {"Content-Type": "application/json; charset=utf-8"},
            }
        },
        {"github_backup": "unparseable: not JSON"},
        "github_backup",
    ),
    "page_layout_changed": Failure(
        {
            AA_API_PATH: {"status": 503, "json": {"error": "Service Unavailable"}},
            AA_PAGE_PATH: {"text": PAGE_WITHOUT_FLIGHT},
        },
        {"aa_api": "HTTP 503", "aa_page": "page layout changed: no Next.js Flight chunks"},
        "aa_api",
    ),
    "anthropic_hangs": Failure(
        {ANTHROPIC_PATH: {"hang": True}},
        {"anthropic": f"timeout after {SOURCE_TIMEOUT_S:g} s"},
        "provider_api",
    ),
}


@pytest.mark.parametrize("case", list(FAILURES))
async def test_failing_source_is_named_and_loses_no_rows(
    sync_bot: BotUnderTest,
    local_slack: LocalSlack,
    upstreams: SyncUpstreams,
    env: dict[str, str],
    database_url: str,
    case: str,
) -> None:
    """After a full sync, one source fails: the others run, it is named, none of its rows go."""
    failure = FAILURES[case]
    await _slash_sync(sync_bot, local_slack, "all")
    before = _models(database_url)
    supplied = {slug: row for slug, row in before.items() if row[1] == failure.supplied}
    # The placeholder backup supplies no row of its own (its values always lose); every other
    # failing source must have supplied some, or the test would prove nothing.
    assert supplied or failure.supplied == "github_backup"
    _forget_aa_cache(env)
    for path, answer in failure.routes.items():
        upstreams.route(path, **answer)
    seen = await _slash_sync(sync_bot, local_slack, "all")
    sources = _sources(seen.text)
    for name, words in failure.said.items():
        assert sources[name][0] == "❌" and words in sources[name][1], sources[name]
    others = {n for n in RAN_WHEN_AA_API_OK if n not in failure.said}
    assert all(sources[n][0] == "✅" for n in others), sources
    assert _fields(seen.summary)["Deactivated"].startswith("0")
    after = _models(database_url)
    assert set(after) >= set(before)
    assert all(row[0] for row in after.values())
    assert {slug: after[slug] for slug in supplied} == supplied


async def test_page_is_the_fallback_when_the_api_fails(
    sync_bot: BotUnderTest, local_slack: LocalSlack, upstreams: SyncUpstreams, database_url: str
) -> None:
    """/sync aa with the API down: the leaderboard page gives ≥ 250 models with intelligence."""
    upstreams.route(AA_API_PATH, status=500, json={"error": "Internal Server Error"})
    seen = await _slash_sync(sync_bot, local_slack, "aa")
    sources = _sources(seen.text)
    assert set(sources) == {"aa_api", "aa_page"}
    assert sources["aa_api"] == ("❌", "HTTP 500")
    icon, what = sources["aa_page"]
    assert icon == "✅" and int(what.split()[0]) >= 250
    assert "✅ Sync applied (aa)" in seen.text
    rows = _query(
        database_url,
        "SELECT count(*) FROM public.models WHERE data_source = 'aa_page'"
        " AND slug <> '' AND name <> '' AND intelligence_score IS NOT NULL",
    )
    assert rows[0][0] >= 250


async def test_database_failure_mid_apply_is_reported_and_nothing_half_written(
    sync_bot: BotUnderTest, local_slack: LocalSlack, database_url: str
) -> None:
    """A row failing mid-apply rolls everything back; the summary says 'Sync failed'."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            "CREATE OR REPLACE FUNCTION chatops.test_sync_fail() RETURNS trigger"
            " LANGUAGE plpgsql AS $$ BEGIN IF NEW.slug = 'gpt-4o' THEN"
            " RAISE EXCEPTION 'could not extend file (test)'; END IF; RETURN NEW; END $$"
        )
        conn.execute(
            "CREATE TRIGGER test_sync_fail BEFORE INSERT ON public.models"
            " FOR EACH ROW EXECUTE FUNCTION chatops.test_sync_fail()"
        )
    try:
        seen = await _slash_sync(sync_bot, local_slack, "all")
    finally:
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute("DROP TRIGGER test_sync_fail ON public.models")
            conn.execute("DROP FUNCTION chatops.test_sync_fail()")
    assert "❌ Sync failed — nothing written (all)" in seen.text
    assert "rolled back" in seen.text and "could not extend file (test)" in seen.text
    for table in ("public.models", "public.providers", "public.change_logs"):
        assert _count(database_url, table) == 0
    assert [outcome for outcome, _, _ in _runs(database_url)] == ["failed"]


# ------------------------------------------------------------------ the drop guard


async def _full_then_sources_shrink(
    bot: BotUnderTest,
    slack: LocalSlack,
    upstreams: SyncUpstreams,
    env: dict[str, str],
    count: int = 15,
) -> None:
    """A full sync from the fixtures, then the AA API and the backup list only ``count``."""
    await _slash_sync(bot, slack, "all")
    _forget_aa_cache(env)
    upstreams.route(AA_API_PATH, json=aa_api_body(count))
    upstreams.route(GITHUB_PATH, json=github_backup_body(count))


async def test_source_shrinking_to_15_of_275_is_refused_and_table_unchanged(
    sync_bot: BotUnderTest,
    local_slack: LocalSlack,
    upstreams: SyncUpstreams,
    env: dict[str, str],
    database_url: str,
) -> None:
    """AA and the backup suddenly list 15 models each: 'Sync refused', nothing written."""
    await _full_then_sources_shrink(sync_bot, local_slack, upstreams, env)
    before = _models(database_url)
    logs = _count(database_url, "public.change_logs")
    seen = await _slash_sync(sync_bot, local_slack, "all")
    assert "🛑 Sync refused — nothing written (all)" in seen.text
    assert re.search(rf"would deactivate \d+ of {len(before)} active models", seen.text)
    assert "--force" in seen.text
    sources = _sources(seen.text)
    assert sources["aa_api"] == ("✅", "15 models")
    assert sources["github_backup"][1].startswith("15 models")
    assert _models(database_url) == before
    assert _count(database_url, "public.change_logs") == logs
    assert [outcome for outcome, _, _ in _runs(database_url)] == ["applied", "refused"]


async def test_forced_shrink_deactivates_and_never_deletes(
    sync_bot: BotUnderTest,
    local_slack: LocalSlack,
    upstreams: SyncUpstreams,
    env: dict[str, str],
    database_url: str,
) -> None:
    """--force applies the shrink: the vanished models are deactivated, every row stays."""
    await _full_then_sources_shrink(sync_bot, local_slack, upstreams, env)
    before = _models(database_url)
    seen = await _slash_sync(sync_bot, local_slack, "all --force")
    assert "✅ Sync applied (all)" in seen.text and "would deactivate" in seen.text
    after = _models(database_url)
    assert set(after) == set(before)
    gone = {slug for slug, row in after.items() if not row[0]}
    assert len(gone) > 0.5 * len(before)
    assert {before[slug][1] for slug in gone} <= {"aa_api", "github_backup"}
    fields = _fields(seen.summary)
    assert fields["Deactivated"] == str(len(gone))
    assert fields["Active models"] == f"{len(before)} → {len(before) - len(gone)}"
    removed = _query(
        database_url, "SELECT count(*) FROM public.change_logs WHERE change_type = 'removed'"
    )
    assert removed[0][0] == len(gone)


# ------------------------------------------------------------------ two app instances


async def test_concurrent_sync_from_two_instances_one_runs_the_other_is_told(
    bot_env: dict[str, str],
    local_slack: LocalSlack,
    upstreams: SyncUpstreams,
    tmp_path: Path,
    database_url: str,
) -> None:
    """Instance B's /sync while A's runs: B says who is syncing, A applies, one run recorded."""
    env = sync_env(  # a long source timeout: A waits at the gate, not on a clock
        bot_env,
        upstreams,
        tmp_path / "cfg2",
        operators=(OPERATOR, OTHER_OPERATOR),
        source_timeout_s=20,
    )
    release = upstreams.gate(OPENAI_PATH)
    async with start_bot_in_process(env) as first, start_bot_in_process(env) as second:
        running = asyncio.create_task(_slash_sync(first, local_slack, "all", channel="C0OPSA"))
        await upstreams.arrived(OPENAI_PATH)  # A holds the lock and is fetching
        told = await _slash_sync(second, local_slack, "all", user=OTHER_OPERATOR, channel="C0OPSB")
        release.set()
        applied = await asyncio.wait_for(running, 30)
    assert "⏳ Sync not started — another sync is running (all)" in told.text
    assert f"user:{OPERATOR}" in told.text
    assert "✅ Sync applied (all)" in applied.text
    assert [outcome for outcome, _, _ in _runs(database_url)] == ["applied"]
    assert upstreams.count(OPENAI_PATH) == 1


# ------------------------------------------------------------------ the CLI


async def test_cli_dry_run_prints_what_slack_shows_and_exits_0(
    sync_bot: BotUnderTest, local_slack: LocalSlack, env: dict[str, str], database_url: str
) -> None:
    """`aisi-bot sync --dry-run` prints the same sources and origins as /sync all --dry-run."""
    seen = await _slash_sync(sync_bot, local_slack, "all --dry-run")
    code, out, err = await _cli(env, "sync", "--dry-run")
    assert code == 0, err
    assert "Sync dry run — nothing written (all)" in out
    slack_lines = [line for line in seen.text.splitlines() if SOURCE_LINE.match(line)]
    cli_lines = [line.strip() for line in out.splitlines() if SOURCE_LINE.match(line.strip())]
    assert len(slack_lines) == ALL_STEPS
    # Sources are listed in the order they finished, which differs between two runs.
    assert sorted(_without_ms(cli_lines)) == sorted(_without_ms(slack_lines))
    assert _from_source(out) == _from_source(seen.text)
    for name in RAN_WHEN_AA_API_OK:
        assert re.search(rf"^\s+ok\s+{name}: \d+ models", err, re.M), err
    assert _count(database_url, "public.models") == 0


async def test_cli_json_applies_and_exits_0(env: dict[str, str], database_url: str) -> None:
    """`aisi-bot sync --json` applies and prints outcome, per-source results and the diff."""
    code, out, err = await _cli(env, "sync", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["outcome"] == "applied"
    by_name = {s["name"]: s for s in report["sources"]}
    assert by_name["aa_api"]["reason"] == "276 models (272 with an intelligence index)"
    assert by_name["github_backup"]["placeholder"] is True
    assert by_name["github_backup"]["placeholder_reason"].startswith("275 of 275 models")
    assert by_name["aa_page"]["status"] == "skipped"
    stored = _count(database_url, "public.models")
    assert report["diff"]["added"] == report["rows_written"] == stored >= 270
    assert sum(report["diff"]["from_source"].values()) == stored


async def test_cli_refused_sync_exits_1(
    sync_bot: BotUnderTest,
    local_slack: LocalSlack,
    upstreams: SyncUpstreams,
    env: dict[str, str],
    database_url: str,
) -> None:
    """After a full sync, `aisi-bot sync` facing sources of 15 models refuses and exits 1."""
    await _full_then_sources_shrink(sync_bot, local_slack, upstreams, env)
    before = _models(database_url)
    code, out, err = await _cli(env, "sync")
    assert code == 1, err
    assert "Sync refused — nothing written (all)" in out and "--force" in out
    assert _models(database_url) == before


async def test_sigterm_during_a_sync_lets_it_finish_and_post(
    env: dict[str, str], local_slack: LocalSlack, upstreams: SyncUpstreams, database_url: str
) -> None:
    """A real `aisi-bot serve` told to stop mid-sync finishes the sync and posts the summary."""
    from tests.harness import start_bot_process

    release = upstreams.gate(OPENAI_PATH)
    async with start_bot_process(env) as served:
        reply = await served.sender.command(
            "/sync", "all", user_id=OPERATOR, response_url=local_slack.response_url_for("term")
        )
        assert reply.status == 200
        await upstreams.arrived(OPENAI_PATH)
        served.terminate()
        release.set()
        summary = await local_slack.wait_for(
            "chat.update", predicate=lambda c: _is_summary(c.body), timeout=30
        )
        assert "Sync applied" in _text(summary.body)
        assert await served.wait_exit(30) == 0
    assert any("waiting for work in progress" in line for line in served.output)
    assert [outcome for outcome, _, _ in _runs(database_url)] == ["applied"]


async def test_a_korean_operator_reads_the_sync_in_korean(
    sync_bot: BotUnderTest, local_slack: LocalSlack
) -> None:
    """/sync's progress message and summary are rendered in the reader's language (ko-KR
    from users.info), like /health and /keys; an English operator's stay English."""
    local_slack.workspace.add_user(OTHER_OPERATOR, locale="ko-KR")
    local_slack.workspace.add_user(OPERATOR, locale="en-US")
    hangul = re.compile(r"[\uac00-\ud7a3]")

    korean = await _slash_sync(sync_bot, local_slack, "--dry-run", user=OTHER_OPERATOR)
    progress = json.dumps(korean.posts[0].body, ensure_ascii=False)
    summary = json.dumps(korean.summary, ensure_ascii=False)
    assert hangul.search(progress), progress
    assert hangul.search(summary), summary
    assert "*Sources*" not in summary

    english = await _slash_sync(sync_bot, local_slack, "--dry-run", user=OPERATOR)
    assert not hangul.search(json.dumps(english.posts[0].body, ensure_ascii=False))
    assert not hangul.search(json.dumps(english.summary, ensure_ascii=False))
