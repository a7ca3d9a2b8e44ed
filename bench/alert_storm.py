"""An alert storm over real HTTP: `aisi-bot serve` takes 1,000 POST /alerts over 20 dedup keys.

    .venv/bin/python bench/alert_storm.py [--alerts 1000] [--keys 20] [--senders 50]

The bot is a subprocess with ALERTS_TOKEN set, on a fresh database on BENCH_DATABASE_URL
(default the local test server; dropped at the end) and Redis BENCH_REDIS_URL; its Slack is
a local Slack server in this process (every call recorded with its arrival time), its other
URLs go to 127.0.0.1:9. ``--senders`` clients send the alerts round-robin over the keys as
fast as they are answered; a 503 is retried after its Retry-After (counted).

During the storm a signed /health goes to the bot and one to a bare Bolt app
(bench/ack_latency.py --serve-bare, started in the same run) in turn, a pair every
``--health-every`` seconds (default 0.05): the bot's ack p99 under the storm against the
framework's floor.

Printed: alerts per second accepted, p50/p99 of the 202, 503s, Slack calls per incident
(posts, updates, thread lines), the shortest time between two chat.update of one message,
/health ack p50/p99 of both servers. Targets: one message per key with the final count
right, at most one chat.update per message per second, every alert answered 202 in the
end, /health ack p99 at most 3x the bare app's. Exit code 1 when one is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import secrets
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import aiohttp
import psycopg
from ack_latency import Server, bot_env, clean_env, pct, send_one
from scratch import scratch_database

from local_slack.recording import RecordedCall
from local_slack.server import LocalSlack

SCRIPT_DIR = Path(__file__).resolve().parent
HEALTH_MAX_RATIO = 3.0
MIN_GAP_S = 0.99  # between two chat.update of one message as Slack receives them
SETTLE_S = 20.0  # the last coalesced updates land within a second or two


class Arrivals:
    """When each call reached the local Slack server, by its index in the call log."""

    def __init__(self) -> None:
        self.at: list[float] = []

    def __call__(self, _: RecordedCall) -> None:
        self.at.append(time.monotonic())


async def send_alerts(
    url: str, token: str, total: int, keys: list[str], senders: int
) -> tuple[list[float], Counter[str], int]:
    """(202 latencies in ms, 202s per key, 503s retried)."""
    pending: asyncio.Queue[str] = asyncio.Queue()
    for i in range(total):
        pending.put_nowait(keys[i % len(keys)])
    latencies: list[float] = []
    accepted: Counter[str] = Counter()
    refused = 0
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    async def sender(session: aiohttp.ClientSession) -> None:
        nonlocal refused
        while not pending.empty():
            key = pending.get_nowait()
            body = json.dumps({"dedup_key": key, "title": f"{key} failing", "severity": "critical",
                               "source": "bench", "status": "firing"})
            while True:
                started = time.perf_counter()
                async with session.post(url + "/alerts", data=body, headers=headers) as resp:
                    await resp.read()
                    status, retry = resp.status, resp.headers.get("Retry-After", "1")
                if status == 202:
                    latencies.append((time.perf_counter() - started) * 1000)
                    accepted[key] += 1
                    break
                if status != 503:
                    raise RuntimeError(f"POST /alerts answered HTTP {status}")
                refused += 1
                await asyncio.sleep(float(retry))  # as the bot asked

    connector = aiohttp.TCPConnector(limit=senders)
    async with aiohttp.ClientSession(connector=connector) as session:
        await asyncio.gather(*(sender(session) for _ in range(senders)))
    return latencies, accepted, refused


async def health_during(
    session: aiohttp.ClientSession, urls: dict[str, str], secret: str, slack: LocalSlack,
    storm: asyncio.Task[object], interval_s: float,
) -> dict[str, list[float]]:
    """Signed /health to the bot and to the bare app in turn, every ``interval_s``, until the
    storm is over."""
    acks: dict[str, list[float]] = {"ours": [], "bare": []}
    n = 0
    while not storm.done():
        for name in ("ours", "bare"):
            ms, error, _ = await send_one(session, urls[name], secret,
                                          slack.response_url_for(f"h-{name}-{n}"))
            if error is None:
                acks[name].append(ms)
        n += 1
        with contextlib.suppress(TimeoutError):  # a person's pace, not a second storm
            await asyncio.wait_for(asyncio.shield(storm), interval_s)
    return acks


def slack_figures(slack: LocalSlack, arrivals: Arrivals, channel: str) -> dict[str, float]:
    """Calls per incident and the most chat.update calls one message got in one second."""
    posts = slack.calls_for("chat.postMessage")
    messages = {c.response["ts"] for c in posts
                if c.ok and c.response.get("channel") == channel and not c.body.get("thread_ts")}
    threaded = [c for c in posts if c.body.get("thread_ts") in messages]
    updates = [c for c in slack.calls_for("chat.update") if c.body.get("ts") in messages]
    times: dict[str, list[float]] = defaultdict(list)
    for call in updates:
        times[call.body["ts"]].append(arrivals.at[call.index])
    gaps = [b - a for seen in times.values() for a, b in itertools.pairwise(seen)]
    count = max(len(messages), 1)
    return {
        "messages": len(messages),
        "posts": len(messages) / count,
        "updates": len(updates) / count,
        "thread": len(threaded) / count,
        "calls": (len(messages) + len(updates) + len(threaded)) / count,
        "min_update_gap_s": min(gaps, default=float("inf")),
    }


def configure(tmp: Path, channel: str) -> None:
    """Alerts to ``channel``; escalation far away (this bench measures the storm only)."""
    local = tmp / "local.toml"
    local.write_text(local.read_text() + f'\n[slack]\nchannel = "{channel}"\n'
                     '\n[escalation]\nauto_escalate_after = "1h"\n')


async def run(
    database_url: str, total: int, keys_n: int, senders: int, health_interval_s: float
) -> int:
    secret, bot_token = secrets.token_urlsafe(32), "xoxb-bench-" + secrets.token_hex(16)
    alerts_token, channel = secrets.token_urlsafe(24), "C0STORM"
    keys = [f"storm-{i:02d}" for i in range(keys_n)]
    arrivals = Arrivals()
    async with contextlib.AsyncExitStack() as stack:
        slack = LocalSlack(bot_token=bot_token, on_call=arrivals)
        await slack.start()
        stack.push_async_callback(slack.stop)
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="aisi-bench-")))
        env = bot_env(slack, bot_token, secret, tmp)
        configure(tmp, channel)
        env.update({"DATABASE_URL": database_url, "ALERTS_TOKEN": alerts_token})
        servers = {
            "bare": await Server.start(
                "bare", [sys.executable, str(SCRIPT_DIR / "ack_latency.py"), "--serve-bare"],
                {**clean_env(), "BENCH_BARE_SIGNING_SECRET": secret}),
            "ours": await Server.start("ours", [sys.executable, "-m", "bot.cli", "serve"], env),
        }
        for server in servers.values():
            stack.push_async_callback(server.stop)
        urls = {name: await server.url() for name, server in servers.items()}
        base = urls["ours"].removesuffix("/slack/events")
        session = await stack.enter_async_context(aiohttp.ClientSession())
        for name in ("ours", "bare"):  # warm up both
            for i in range(10):
                await send_one(session, urls[name], secret, slack.response_url_for(f"w{name}{i}"))
        load = "/".join(f"{x:.2f}" for x in os.getloadavg())
        print(f"storm: {total} alerts over {keys_n} keys from {senders} senders; load {load}")
        started = time.monotonic()
        storm = asyncio.create_task(send_alerts(base, alerts_token, total, keys, senders))
        acks = await health_during(session, urls, secret, slack, storm, health_interval_s)
        latencies, accepted, refused = await storm
        took = time.monotonic() - started
        with psycopg.connect(database_url) as conn:
            stored = dict(conn.execute("SELECT dedup_key, count FROM chatops.incidents").fetchall())

        def settled(_: RecordedCall) -> bool:
            last: dict[str, str] = {}
            for c in slack.calls_for("chat.update"):
                last[c.body["ts"]] = c.body["text"]
            return sum(f"seen {stored.get(t.split()[1], -1)}×" in t for t in last.values()) >= len(
                keys)

        with contextlib.suppress(TimeoutError):
            await slack.wait_for("*", predicate=settled, timeout=SETTLE_S)
        figures = slack_figures(slack, arrivals, channel)
        return report(total, took, latencies, accepted, refused, stored, figures, acks, keys)


def report(
    total: int, took: float, latencies: list[float], accepted: Counter[str], refused: int,
    stored: dict[str, int], figures: dict[str, float], acks: dict[str, list[float]],
    keys: list[str],
) -> int:
    ours99, bare99 = pct(acks["ours"], 99), pct(acks["bare"], 99)
    ratio = ours99 / bare99
    print(f"accepted {sum(accepted.values())}/{total} in {took:.2f} s"
          f" = {sum(accepted.values()) / took:.0f} alerts/s; 202 p50 {pct(latencies, 50):.2f} ms,"
          f" p99 {pct(latencies, 99):.2f} ms; 503 (retried) {refused}")
    print(f"slack: {figures['messages']:.0f} messages; per incident {figures['calls']:.1f} calls"
          f" ({figures['posts']:.0f} post, {figures['updates']:.1f} updates,"
          f" {figures['thread']:.1f} thread lines); shortest time between two updates of one"
          f" message: {figures['min_update_gap_s']:.3f} s")
    print(f"/health during the storm: ours n={len(acks['ours'])} p50 {pct(acks['ours'], 50):.2f}"
          f" ms p99 {ours99:.2f} ms; bare n={len(acks['bare'])} p50 {pct(acks['bare'], 50):.2f}"
          f" ms p99 {bare99:.2f} ms; ratio x{ratio:.2f}")
    failed = False
    checks = [
        (sum(accepted.values()) == total, "not every alert was accepted"),
        (figures["messages"] == len(keys), f"{figures['messages']:.0f} messages, not {len(keys)}"),
        (stored == {k: accepted[k] for k in keys}, "a stored count differs from the 202s"),
        (figures["min_update_gap_s"] >= MIN_GAP_S, "a message got two chat.update in a second"),
        (ratio <= HEALTH_MAX_RATIO, f"/health ack p99 above x{HEALTH_MAX_RATIO} the bare app's"),
    ]
    for ok, problem in checks:
        if not ok:
            print(f"MISSED: {problem}")
            failed = True
    print(f"BENCH alert_storm alerts={total} keys={len(keys)} seconds={took:.2f}"
          f" accepted_per_s={sum(accepted.values()) / took:.0f}"
          f" p50_202_ms={pct(latencies, 50):.2f} p99_202_ms={pct(latencies, 99):.2f}"
          f" retried_503={refused} messages={figures['messages']:.0f}"
          f" slack_calls_per_incident={figures['calls']:.1f}"
          f" updates_per_incident={figures['updates']:.1f}"
          f" min_update_gap_s={figures['min_update_gap_s']:.3f}"
          f" health_p99_ms={ours99:.2f} health_bare_p99_ms={bare99:.2f}"
          f" health_ratio={ratio:.2f}")
    return 1 if failed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--alerts", type=int, default=1000)
    parser.add_argument("--keys", type=int, default=20)
    parser.add_argument("--senders", type=int, default=50)
    parser.add_argument("--health-every", type=float, default=0.05,
                        help="seconds between /health pairs during the storm")
    args = parser.parse_args()
    if min(args.alerts, args.keys, args.senders) < 1:
        parser.error("--alerts, --keys and --senders must be >= 1")
    with scratch_database() as url:
        try:
            return asyncio.run(run(url, args.alerts, args.keys, args.senders, args.health_every))
        except (KeyboardInterrupt, asyncio.CancelledError):
            print("interrupted; servers stopped", file=sys.stderr)
            return 130


if __name__ == "__main__":
    raise SystemExit(main())
