"""SIGTERM on a real `aisi-bot serve`: work finishes within the grace period or says it stopped."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from local_slack.recording import RecordedCall
from local_slack.server import LocalSlack
from tests.harness import start_bot_process
from tests.sync_upstreams import OPENAI_PATH, SYNC_KEYS, SyncUpstreams, sync_env
from tests.upstreams import KEY_PATHS, all_ok, env_for, write_config

GRACE_S = 1.0
OPERATOR = "U0ALICE"
# After the grace: cancelled work gets 2 s to say so, then the clients close and Python exits.
EXIT_WITHIN_S = GRACE_S + 2.0 + 2.0


@pytest.fixture
async def upstreams() -> AsyncIterator[SyncUpstreams]:
    """Every upstream healthy; single paths can be held until released."""
    async with SyncUpstreams() as server:
        all_ok(server)
        server.serve_fixtures()
        yield server


def _with_work(folder: Path, *, workers: int, queue: int) -> None:
    with (folder / "local.toml").open("a") as handle:
        handle.write(
            f"\n[work]\nworkers = {workers}\nqueue_length = {queue}\n"
            f"shutdown_grace_seconds = {GRACE_S}\n"
        )


def _text(call: RecordedCall) -> str:
    blocks = call.body.get("blocks") or []
    parts = [str((b.get("text") or {}).get("text", "")) for b in blocks]
    parts += [str(e.get("text", "")) for b in blocks for e in b.get("elements") or []]
    return "\n".join(parts)


async def test_work_past_the_grace_is_cancelled_counted_and_the_people_told(
    bot_env: dict[str, str], upstreams: SyncUpstreams, local_slack: LocalSlack, tmp_path: Path
) -> None:
    """SIGTERM with one command held and two queued: exit in time, counts logged, each told."""
    folder = write_config(tmp_path / "cfg", upstreams, probe_timeout_s=30, deadline_s=30)
    _with_work(folder, workers=1, queue=2)
    env = {**bot_env, **env_for(upstreams), **SYNC_KEYS, "BOT_CONFIG_DIR": str(folder)}
    upstreams.gate(KEY_PATHS["openai"])  # /keys never gets its answer
    async with start_bot_process(env) as served:
        send = served.sender.command
        reply = await send("/keys", "", response_url=local_slack.response_url_for("k"))
        assert reply.status == 200 and not reply.text
        await upstreams.arrived(KEY_PATHS["openai"])
        for key in ("h1", "h2"):
            reply = await send("/health", "", response_url=local_slack.response_url_for(key))
            assert reply.status == 200 and not reply.text  # accepted and queued
        started = time.monotonic()
        served.terminate()
        assert await served.wait_exit(30) == 0
        took = time.monotonic() - started
    assert took < EXIT_WITHIN_S, f"exit took {took:.1f} s"
    log = "".join(served.output)
    assert "abandoned 2 queued, never started (/health: 2); 1 running, cancelled (/keys: 1)" in log
    told = {call.key: _text(call) for call in local_slack.calls_for("response_url")}
    assert Counter(c.key for c in local_slack.calls_for("response_url")) == {
        "k": 1,
        "h1": 1,
        "h2": 1,
    }
    assert "`/keys` was cut off: the bot shut down before it finished" in told["k"]
    assert "`/health` did not run: the bot shut down" in told["h1"]


def _run_rows(url: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "SELECT outcome, reason, finished_at IS NOT NULL, sources FROM chatops.sync_runs"
        ).fetchall()


async def test_sync_cut_off_by_shutdown_is_recorded_interrupted_and_its_message_says_so(
    bot_env: dict[str, str],
    upstreams: SyncUpstreams,
    local_slack: LocalSlack,
    tmp_path: Path,
    database_url: str,
) -> None:
    """A sync waiting on a source when the grace ends: row interrupted, its message says so."""
    env = sync_env(bot_env, upstreams, tmp_path / "cfg", operators=(OPERATOR,), source_timeout_s=30)
    _with_work(tmp_path / "cfg", workers=2, queue=4)
    upstreams.gate(OPENAI_PATH)  # the OpenAI listing never answers
    async with start_bot_process(env) as served:
        reply = await served.sender.command(
            "/sync", "all", user_id=OPERATOR, response_url=local_slack.response_url_for("s")
        )
        assert reply.status == 200 and not reply.text
        await local_slack.wait_for(
            "chat.update", predicate=lambda c: "6 of 8 sources done" in c.body["text"], timeout=30
        )
        served.terminate()
        assert await served.wait_exit(30) == 0
    posted = local_slack.calls_for("chat.postMessage")
    assert len(posted) == 1
    last = local_slack.calls_for("chat.update")[-1]
    assert last.body["ts"] == posted[0].response["ts"]
    shown = _text(last)
    assert "🛑 Sync stopped — the bot shut down (all)" in shown
    assert "the bot shut down before the sync finished; nothing was written" in shown
    assert "✅ *anthropic* — 2 models" in shown
    assert "🛑 *openai* — not finished" in shown and "🛑 *aa_page* — not finished" in shown
    assert local_slack.calls_for("response_url") == []  # said once, in the progress message
    [(outcome, reason, finished, sources)] = _run_rows(database_url)
    assert (outcome, finished) == ("interrupted", True)
    assert "nothing was written" in reason
    assert {s["name"] for s in sources} == {
        "anthropic",
        "google",
        "replicate",
        "aa_api",
        "github_backup",
        "defaults",
    }
    with psycopg.connect(database_url) as conn:
        assert conn.execute("SELECT count(*) FROM public.models").fetchone() == (0,)
    assert "1 running, cancelled (/sync: 1)" in "".join(served.output)
