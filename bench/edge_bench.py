"""Hostile bodies against `aisi-bot serve` and a bare Bolt app: answer time and loop stall.

    .venv/bin/python bench/edge_bench.py [--rounds N]

Both servers are subprocesses on 127.0.0.1. Each round sends, one at a time, the large
hostile shapes of ``tests/hostile.py`` (1 MB unsigned, 1 MB forged with Content-Length,
1 MB forged chunked, 64 KB of letters and a newline with a non-numeric timestamp and with
a fresh one: the body that froze the bot for seconds when Bolt logged it) to each server.
The bare server is ack_latency.py's (Bolt's own aiohttp adapter, no front verification).
While a server handles them a ticker in this process GETs its /healthz every 5 ms: the
slowest tick minus the quiet baseline is the stall a caller felt. The bot also reports
its own loop lag (``aisi_event_loop_lag_seconds``): the highest histogram bucket that got
an observation during the phase bounds its longest stall from inside. Exit code 1 when a
hostile request got anything but 4xx, or the bot stalled 50 ms or more.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import re
import secrets
import statistics
import sys
import tempfile
from pathlib import Path
from time import perf_counter

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ack_latency import BARE_SECRET_ENV, Server, bot_env, clean_env, serve_bare

from local_slack.server import LocalSlack
from tests.hostile import HostileRequest, hostile_requests, send

SCRIPT = Path(__file__).resolve()
TICK_S = 0.005
STALL_LIMIT_MS = 50.0
BIG = 64 * 1024


async def ticker(session: aiohttp.ClientSession, url: str, stop: asyncio.Event) -> list[float]:
    """GET ``url`` every TICK_S until ``stop``; each answer's time in ms."""
    samples: list[float] = []
    while not stop.is_set():
        started = perf_counter()
        async with session.get(url) as resp:
            await resp.read()
        samples.append((perf_counter() - started) * 1000)
        await asyncio.sleep(TICK_S)
    return samples


def lag_buckets(metrics: str) -> dict[float, float]:
    """The bot's loop-lag histogram: upper bound (s) → cumulative count."""
    pattern = r'^aisi_event_loop_lag_seconds_bucket\{le="([^"]+)"\} (\S+)$'
    return {float(le): float(n) for le, n in re.findall(pattern, metrics, re.M)}


def worst_new_bucket(before: dict[float, float], after: dict[float, float]) -> float:
    """The smallest bound that holds every observation made between the two scrapes (ms);
    NaN when the server does not export the histogram."""
    if float("inf") not in after or float("inf") not in before:
        return float("nan")
    new_total = after[float("inf")] - before[float("inf")]
    for bound in sorted(after):
        if after[bound] - before.get(bound, 0.0) >= new_total:
            return bound * 1000
    return float("inf")


async def phase(
    session: aiohttp.ClientSession, base: str, shapes: list[HostileRequest], rounds: int
) -> tuple[list[float], list[int], float, float]:
    """(answer ms, statuses, quiet tick p50 ms, slowest tick ms) for ``rounds`` of ``shapes``."""
    stop = asyncio.Event()
    quiet = asyncio.create_task(ticker(session, base + "/healthz", stop))
    await asyncio.sleep(0.3)  # a quiet baseline of the ticker itself
    stop.set()
    baseline = statistics.median(await quiet)
    stop = asyncio.Event()
    busy = asyncio.create_task(ticker(session, base + "/healthz", stop))
    answers, statuses = [], []
    for _ in range(rounds):
        for shape in shapes:
            started = perf_counter()
            status, _ = await send(session, base + "/slack/events", shape)
            answers.append((perf_counter() - started) * 1000)
            statuses.append(status)
    stop.set()
    return answers, statuses, baseline, max(await busy)


async def run(rounds: int) -> int:
    secret, bot_token = secrets.token_urlsafe(32), "xoxb-bench-" + secrets.token_hex(16)
    async with contextlib.AsyncExitStack() as stack:
        slack = LocalSlack(bot_token=bot_token)
        await slack.start()
        stack.push_async_callback(slack.stop)
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="aisi-bench-")))
        servers = {
            "bare": await Server.start(
                "bare",
                [sys.executable, str(SCRIPT), "--serve-bare"],
                {**clean_env(), BARE_SECRET_ENV: secret},
            ),
            "ours": await Server.start(
                "ours",
                [sys.executable, "-m", "bot.cli", "serve"],
                bot_env(slack, bot_token, secret, tmp),
            ),
        }
        for server in servers.values():
            stack.push_async_callback(server.stop)
        bases = {n: (await s.url()).removesuffix("/slack/events") for n, s in servers.items()}
        session = await stack.enter_async_context(
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60))
        )
        every = hostile_requests(secret, slack.response_url_for("edge"))
        shapes = [s for s in every if len(s.body) >= BIG]
        names = ", ".join(s.name for s in shapes)
        print(f"{len(shapes)} shapes x {rounds} rounds per server: {names}")
        header = (
            f"{'server':<6} {'n':>4} {'1mb_p50':>8} {'max_ms':>8} {'tick_p50':>9} {'tick_max':>9}"
        )
        print(f"\n{header} non_4xx")
        figures: dict[str, tuple[float, float, float, int]] = {}
        lag_bound = float("nan")
        for name in ("bare", "ours"):
            async with session.get(bases[name] + "/metrics") as resp:
                before = lag_buckets(await resp.text()) if resp.status == 200 else {}
            answers, statuses, quiet, slowest = await phase(session, bases[name], shapes, rounds)
            non_4xx = sum(1 for s in statuses if not 400 <= s < 500)
            codes = ", ".join(
                f"{shape.name}: {sorted(set(statuses[i :: len(shapes)]))}"
                for i, shape in enumerate(shapes)
            )
            stall = max(0.0, slowest - quiet)
            at = next(i for i, shape in enumerate(shapes) if shape.name == "1 MB unsigned")
            one_mb = statistics.median(answers[at :: len(shapes)])
            figures[name] = (one_mb, max(answers), stall, non_4xx)
            print(
                f"{name:<6} {len(answers):>4} {figures[name][0]:>8.2f} {max(answers):>8.2f}"
                f" {quiet:>9.2f} {slowest:>9.2f} {non_4xx}  ({codes})"
            )
            if name == "ours":
                async with session.get(bases[name] + "/metrics") as resp:
                    lag_bound = worst_new_bucket(before, lag_buckets(await resp.text()))
        ours, bare = figures["ours"], figures["bare"]
        print(
            f"\nours: longest stall felt by /healthz {ours[2]:.1f} ms"
            f" (bare Bolt: {bare[2]:.1f} ms); the bot's own loop-lag ticker saw every stall"
            f" within <= {lag_bound:.1f} ms"
        )
        failed = ours[3] > 0 or ours[2] >= STALL_LIMIT_MS or not lag_bound < STALL_LIMIT_MS
        print(
            f"BENCH edge unsigned_1mb_ms={ours[0]:.2f} max_answer_ms={ours[1]:.2f}"
            f" max_stall_ms={ours[2]:.1f} loop_lag_bound_ms={lag_bound:.1f}"
            f" bare_unsigned_1mb_ms={bare[0]:.2f} bare_max_stall_ms={bare[2]:.1f}"
            f" requests={rounds * len(shapes)} non_4xx={ours[3]}"
        )
        return 1 if failed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10, help="rounds of the large shapes")
    parser.add_argument("--serve-bare", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_bare:
        asyncio.run(serve_bare())
        return 0
    if args.rounds < 1:
        parser.error("--rounds must be >= 1")
    return asyncio.run(run(args.rounds))


if __name__ == "__main__":
    raise SystemExit(main())
