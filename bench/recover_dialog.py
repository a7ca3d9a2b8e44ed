"""/recover's dialog opens within Slack's 3 s trigger window even when the bot is saturated.

    .venv/bin/python bench/recover_dialog.py [--rounds N] [--workers 2]

The bot runs in this process (``bot.app.wiring.running_bot``, HTTP mode) against a local Slack
server; signed ``/recover`` commands go over real HTTP. For each command the bench times
the ack and the moment ``views.open`` reaches the Slack server (the trigger id is used).

Two phases, same run: *idle* (the baseline: every worker free) and *saturated* (every
worker busy and the work queue full with held work). The dialog is opened by
``WorkExecutor.start_now``, never queued, so the saturated figures should stay at the
baseline's; a dialog queued behind the held work would never open (the bench would report
it as missed). Exit code 1 when a dialog missed the 3 s window or took over 3x the
baseline's p50 (and over 100 ms).

Stores: ``BENCH_DATABASE_URL`` / ``BENCH_REDIS_URL`` (defaults: the test PostgreSQL and Redis
database 14 on this machine).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
from pathlib import Path
from time import perf_counter

import aiohttp

from bot.app.wiring import running_bot
from bot.settings.model import URL_DEFAULTS, load_settings
from local_slack.sender import SlackRequestSender
from local_slack.server import LocalSlack

NOWHERE = "http://127.0.0.1:9"
OPERATOR = "U0BENCH"
TRIGGER_WINDOW_MS = 3000.0
MAX_RATIO, FLOOR_MS = 3.0, 100.0


def _env(slack: LocalSlack, token: str, secret: str, folder: Path, workers: int) -> dict[str, str]:
    (folder / "local.toml").write_text(
        f'[auth]\noperators = ["{OPERATOR}"]\n'
        f"[work]\nworkers = {workers}\nqueue_length = {workers * 2}\n"
        "shutdown_grace_seconds = 0\n"
    )
    return {
        **{name: NOWHERE for name in URL_DEFAULTS},
        "SLACK_API_URL": slack.api_url,
        "SLACK_BOT_TOKEN": token,
        "SLACK_SIGNING_SECRET": secret,
        "BOT_CONFIG_DIR": str(folder),
        "BOT_DATA_DIR": str(folder / "data"),
        "DATABASE_URL": os.environ.get(
            "BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"
        ),
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
        "LOG_LEVEL": "WARNING",
    }


async def _round(sender: SlackRequestSender, slack: LocalSlack) -> tuple[float, float | None]:
    """One /recover: (ms to the ack, ms to views.open or None when it never came)."""
    since = len(slack.calls)
    started = perf_counter()
    reply = await sender.command(
        "/recover", "", response_url=slack.response_url_for("bench"), user_id=OPERATOR
    )
    ack_ms = (perf_counter() - started) * 1000
    if reply.status != 200 or reply.text:
        raise RuntimeError(f"unexpected ack: HTTP {reply.status} {reply.text[:200]}")
    try:
        await slack.wait_for("views.open", since=since, timeout=TRIGGER_WINDOW_MS / 1000)
    except TimeoutError:
        return ack_ms, None
    return ack_ms, (perf_counter() - started) * 1000


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def main(rounds: int, workers: int) -> int:
    token, secret = "xoxb-bench-" + "0" * 20, "bench-signing-secret"
    slack = LocalSlack(bot_token=token)
    await slack.start()
    try:
        with tempfile.TemporaryDirectory(prefix="aisi-bench-") as tmp:
            settings = load_settings(_env(slack, token, secret, Path(tmp), workers))
            async with running_bot(settings, host="127.0.0.1", port=0) as bot:
                await asyncio.wait_for(bot.runtime.ready.wait(), 30)
                url = f"http://127.0.0.1:{bot.port}/slack/events"
                async with aiohttp.ClientSession() as session:
                    sender = SlackRequestSender(session, url, secret)
                    for _ in range(3):  # warm-up: connections, template cache
                        await _round(sender, slack)
                    idle = [await _round(sender, slack) for _ in range(rounds)]
                    release, all_busy, started = asyncio.Event(), asyncio.Event(), [0]

                    async def hold() -> None:
                        started[0] += 1
                        if started[0] == workers:
                            all_busy.set()
                        await release.wait()

                    for _ in range(workers):  # every worker busy…
                        bot.runtime.work.submit("bench-hold", hold)
                    await asyncio.wait_for(all_busy.wait(), 10)
                    for _ in range(workers * 2):  # …and the queue full
                        bot.runtime.work.submit("bench-hold", hold)
                    assert bot.runtime.work.queued == workers * 2
                    busy = [await _round(sender, slack) for _ in range(rounds)]
                    release.set()
    finally:
        await slack.stop()
    return report(idle, busy, workers)


def report(
    idle: list[tuple[float, float | None]], busy: list[tuple[float, float | None]], workers: int
) -> int:
    """Print the figures and the BENCH line; 1 when a target was missed."""
    idle_open = [o for _, o in idle if o is not None]
    busy_open = [o for _, o in busy if o is not None]
    missed = sum(o is None for _, o in idle + busy)
    base, loaded = statistics.median(idle_open), statistics.median(busy_open or [float("inf")])
    ratio = loaded / base if base else float("inf")
    print(f"idle: ack p50 {_p([a for a, _ in idle], 0.5):.1f} ms, dialog p50 {base:.1f} ms,"
          f" p99 {_p(idle_open, 0.99):.1f} ms")
    if busy_open:
        print(f"saturated ({workers} workers busy, queue full): ack p50"
              f" {_p([a for a, _ in busy], 0.5):.1f} ms, dialog p50 {loaded:.1f} ms,"
              f" p99 {_p(busy_open, 0.99):.1f} ms")
    print(f"dialogs that missed the 3 s trigger window: {missed}")
    print(
        f"BENCH recover_dialog rounds={len(idle)} workers={workers} idle_p50_ms={base:.1f}"
        f" saturated_p50_ms={loaded:.1f} saturated_p99_ms="
        f"{_p(busy_open, 0.99) if busy_open else float('inf'):.1f} ratio={ratio:.2f}"
        f" missed={missed}"
    )
    too_slow = ratio > MAX_RATIO and loaded > FLOOR_MS
    return 1 if missed or too_slow else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    options = parser.parse_args()
    sys.exit(asyncio.run(main(options.rounds, options.workers)))
