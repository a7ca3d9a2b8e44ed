from __future__ import annotations

import json
import time
from pathlib import Path

import psycopg

from bot.local_slack.server import LocalSlack
from tests.harness import start_bot_in_process
from tests.sync_upstreams import SyncUpstreams, sync_env


async def test_explore(bot_env: dict[str, str], local_slack: LocalSlack, tmp_path: Path, database_url: str) -> None:
    async with SyncUpstreams() as up:
        up.serve_fixtures()
        env = sync_env(bot_env, up, tmp_path / "cfg", operators=("U0ALICE",), source_timeout_s=2)
        t = time.perf_counter()
        async with start_bot_in_process(env) as bot:
            print("start", time.perf_counter() - t)
            t = time.perf_counter()
            r = await bot.sender.command("/sync", "all", response_url=local_slack.response_url_for("k"))
            print(r)
            call = await local_slack.wait_for("chat.update", predicate=lambda c: c.body.get("blocks", [{}])[0].get("type") == "header", timeout=30)
            print("sync", time.perf_counter() - t)
            print(json.dumps(call.body, indent=1, ensure_ascii=False))
            for c in local_slack.calls:
                print(c.summary(), c.body.get("text"))
        with psycopg.connect(database_url) as conn:
            print(conn.execute("select data_source, count(*), count(intelligence_score), sum(is_active::int) from public.models group by 1").fetchall())
            print(conn.execute("select * from chatops.sync_runs").fetchall())
