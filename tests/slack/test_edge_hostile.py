"""A real `aisi-bot serve` under 1,000 hostile requests: each one 4xx, and nothing happens."""

from __future__ import annotations

import asyncio
import re
import time

import psycopg

from local_slack.server import LocalSlack
from tests.conftest import SIGNING_SECRET
from tests.harness import BotUnderTest, start_bot_process
from tests.hostile import CANARY, MEGABYTE, HostileRequest, hostile_requests, send

TOTAL = 1000
CONCURRENCY = 16


def _row_counts(database_url: str) -> dict[str, int]:
    """Rows in every table of the app's and the bot's schemas."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        tables = conn.execute(
            "SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) FROM pg_tables"
            " WHERE schemaname IN ('public', 'chatops') ORDER BY 1"
        ).fetchall()
        counts = {}
        for (table,) in tables:
            row = conn.execute(f"SELECT count(*) FROM {table}").fetchone()  # noqa: S608
            counts[table] = int(row[0]) if row else 0
    return counts


def _series(metrics_text: str) -> set[str]:
    """The series (name and labels) in a Prometheus text exposition."""
    return {
        line.rsplit(" ", 1)[0]
        for line in metrics_text.splitlines()
        if line and not line.startswith("#")
    }


def _slow_ticks(metrics_text: str, over_s: str = "0.05") -> float:
    """How many loop-lag observations were above ``over_s`` seconds."""
    count = re.search(r"^aisi_event_loop_lag_seconds_count (\S+)$", metrics_text, re.M)
    within = re.search(
        rf'^aisi_event_loop_lag_seconds_bucket{{le="{over_s}"}} (\S+)$', metrics_text, re.M
    )
    assert count and within, "the loop-lag histogram is missing from /metrics"
    return float(count.group(1)) - float(within.group(1))


def _mix(shapes: list[HostileRequest]) -> list[HostileRequest]:
    """Every shape once (the 1 MB ones only there), then the small shapes up to TOTAL."""
    small = [s for s in shapes if len(s.body) < MEGABYTE]
    mixed = list(shapes)
    while len(mixed) < TOTAL:
        mixed.append(small[len(mixed) % len(small)])
    return mixed


async def test_thousand_hostile_requests_cause_nothing(
    bot_env: dict[str, str], local_slack: LocalSlack, database_url: str
) -> None:
    """1,000 unsigned/forged/unparseable requests: all 401/400; no call, no row, no new series."""
    async with start_bot_process(bot_env) as served:
        rows_before = _row_counts(database_url)
        _, metrics_before = await served.get("/metrics")
        requests = _mix(hostile_requests(SIGNING_SECRET, local_slack.response_url_for("hostile")))
        statuses = await _send_all(served, requests)
        _, metrics_after = await served.get("/metrics")
        rows_after = _row_counts(database_url)
    assert len(statuses) == TOTAL
    wrong = [(r.name, got) for r, got in zip(requests, statuses, strict=True) if got != r.expect]
    assert wrong == []
    assert local_slack.calls == []
    assert rows_after == rows_before
    assert _series(metrics_after) == _series(metrics_before)
    refused = re.findall(
        r'^aisi_edge_rejections_total\{reason="[a-z0-9_]+"\} (\S+)$', metrics_after, re.M
    )
    assert sum(float(v) for v in refused) == TOTAL
    output = "".join(served.output)
    assert CANARY not in output and "\x00" not in output
    assert not any(line.startswith("FORGED") for line in output.splitlines())


async def _send_all(served: BotUnderTest, requests: list[HostileRequest]) -> list[int]:
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(request: HostileRequest) -> int:
        async with gate:
            status, _ = await send(served.session, served.url + "/slack/events", request)
            return status

    return list(await asyncio.gather(*(one(r) for r in requests)))


async def test_a_megabyte_unsigned_body_is_answered_at_once_without_stalling(
    bot_env: dict[str, str], local_slack: LocalSlack
) -> None:
    """1 MB (and 64 KB letter-run) bodies are answered in under 100 ms; no 50 ms loop stall."""
    async with start_bot_process(bot_env) as served:
        big = [
            r
            for r in hostile_requests(SIGNING_SECRET, "http://127.0.0.1:9/r")
            if len(r.body) >= 64 * 1024
        ]
        await send(served.session, served.url + "/slack/events", big[0])  # warm the connection
        _, before = await served.get("/metrics")
        elapsed = []
        for request in big * 3:
            started = time.perf_counter()
            status, _ = await send(served.session, served.url + "/slack/events", request)
            elapsed.append(time.perf_counter() - started)
            assert status == 401
        _, after = await served.get("/metrics")
    assert sorted(elapsed)[len(elapsed) // 2] < 0.1, elapsed
    assert _slow_ticks(after) == _slow_ticks(before)
