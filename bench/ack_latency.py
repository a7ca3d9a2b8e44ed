"""Ack latency of a signed `/health` slash command: `aisi-bot serve` against a bare Bolt app.

    .venv/bin/python bench/ack_latency.py [--requests N] [--concurrency 1,20]

Both servers are subprocesses on 127.0.0.1; the bare one (``--serve-bare``) is an AsyncApp
that only acks ``/health``: the framework's floor. The bot's Slack calls go to a local Slack
server in this process; its other URLs (providers, app, status pages) to 127.0.0.1:9. Chunks
alternate between the servers; after a chunk sent to the bot the bench waits for its reports,
so its background work never overlaps another measurement. Exit code 1 when an ack took
>= 3 s, a request failed or a report never arrived.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import re
import secrets
import signal
import sys
import tempfile
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from time import perf_counter
from urllib.parse import urlencode

import aiohttp
from aiohttp import web

from bot.config_files import load_config_files
from bot.local_slack.payloads import signed_headers, slash_command_form
from bot.local_slack.server import LocalSlack, RecordedCall
from bot.settings import SECRET_ENV, URL_DEFAULTS

Sample = tuple[float, str | None]  # (ms from send to response, error or None)

SCRIPT = Path(__file__).resolve()
REPO = SCRIPT.parent.parent
LISTENING = re.compile(r"listening on http://[\d.]+:(\d+)")
BARE_SECRET_ENV = "BENCH_BARE_SIGNING_SECRET"
NOWHERE = "http://127.0.0.1:9"  # the discard port: nobody listens, connections are refused
WARMUP, ACK_LIMIT_MS, RESULT_WAIT_S, START_TIMEOUT_S, STOP_TIMEOUT_S = 20, 3000.0, 60.0, 60.0, 15.0


async def serve_bare() -> None:
    """A Bolt AsyncApp that only acks /health (and answers GET /healthz); prints its port,
    serves until SIGTERM/SIGINT."""
    from slack_bolt.async_app import AsyncAck, AsyncApp
    from slack_bolt.authorization import AuthorizeResult

    async def authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
        return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id, bot_user_id="U0BARE",
                               bot_id="B0BARE", bot_token="xoxb-bare-never-used")

    app = AsyncApp(signing_secret=os.environ.pop(BARE_SECRET_ENV), authorize=authorize)

    @app.command("/health")
    async def health(ack: AsyncAck) -> None:
        await ack()

    async def healthz(_: web.Request) -> web.Response:  # for benches that time the loop
        return web.json_response({"status": "alive"})

    web_app = app.web_app()
    web_app.router.add_get("/healthz", healthz)
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    print(f"listening on http://127.0.0.1:{runner.addresses[0][1]}", flush=True)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


@dataclass
class Server:
    """A server subprocess whose output is drained continuously (the pipe never fills)."""

    name: str
    proc: asyncio.subprocess.Process
    port: asyncio.Future[int]
    tail: deque[str] = field(default_factory=lambda: deque(maxlen=40))
    reader: asyncio.Task[None] | None = None

    @classmethod
    async def start(cls, name: str, argv: list[str], env: dict[str, str]) -> Server:
        proc = await asyncio.create_subprocess_exec(
            *argv, cwd=REPO, env=env, stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )
        server = cls(name, proc, asyncio.get_running_loop().create_future())
        server.reader = asyncio.create_task(server._drain())
        return server

    async def _drain(self) -> None:
        assert self.proc.stdout is not None
        while line := await self.proc.stdout.readline():
            self.tail.append(text := line.decode(errors="replace").rstrip())
            if not self.port.done() and (match := LISTENING.search(text)):
                self.port.set_result(int(match.group(1)))
        if not self.port.done():
            self.port.set_exception(RuntimeError(f"{self.name} exited before listening"))

    async def url(self) -> str:
        try:
            port = await asyncio.wait_for(asyncio.shield(self.port), START_TIMEOUT_S)
        except (TimeoutError, RuntimeError) as exc:
            output = "\n".join(f"  [{self.name}] {line}" for line in self.tail)
            raise RuntimeError(f"{self.name} did not start ({exc}); output:\n{output}") from None
        return f"http://127.0.0.1:{port}/slack/events"

    async def stop(self) -> None:
        if self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.terminate()
            try:
                await asyncio.wait_for(self.proc.wait(), STOP_TIMEOUT_S)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    self.proc.kill()
                await self.proc.wait()
        if self.reader is not None:
            await self.reader
        if not self.port.done():
            self.port.cancel()


def clean_env() -> dict[str, str]:
    """This environment without anything that configures the bot."""
    drop = {*SECRET_ENV, *URL_DEFAULTS, "artificialanalysis_API_TOKEN", "PORT", "HOST"}
    prefixes = ("SLACK_", "DATABASE_", "REDIS_", "BOT_", "AISI_", "LOG_", BARE_SECRET_ENV)
    return {k: v for k, v in os.environ.items() if k not in drop and not k.startswith(prefixes)}


def write_config(config_dir: Path) -> None:
    """A local.toml over the package defaults sending every URL and status page to NOWHERE."""
    lines = ["[urls]", *(f'{name} = "{NOWHERE}/"' for name in URL_DEFAULTS)]
    for page in load_config_files().get("status_pages", []):
        kept = {k: v for k, v in page.items() if k not in ("url", "page_url")}
        lines += ["[[status_pages]]", *(f"{k} = {json.dumps(v)}" for k, v in kept.items()),
                  f'url = "{NOWHERE}/status"', f'page_url = "{NOWHERE}/"']
    (config_dir / "local.toml").write_text("\n".join(lines) + "\n")


def bot_env(slack: LocalSlack, bot_token: str, secret: str, tmp: Path) -> dict[str, str]:
    write_config(tmp)
    return {**clean_env(), **{name: NOWHERE for name in URL_DEFAULTS}, **{
        "SLACK_BOT_TOKEN": bot_token, "SLACK_SIGNING_SECRET": secret,
        "SLACK_API_URL": slack.api_url, "BOT_CONFIG_DIR": str(tmp),
        "BOT_DATA_DIR": str(tmp / "data"),
        "DATABASE_URL": os.environ.get(
            "BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"),
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
        "PORT": "0", "HOST": "127.0.0.1", "LOG_LEVEL": "INFO", "LOG_FORMAT": "text",
    }}


@dataclass
class Stats:
    acks_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    http_200: int = 0
    results: int = 0  # ok response_url posts that arrived (the bot only)


async def send_one(
    session: aiohttp.ClientSession, url: str, secret: str, response_url: str
) -> Sample:
    """One signed /health (fresh timestamp and signature): (ms from send to response, error)."""
    body = urlencode(slash_command_form("/health", "", response_url=response_url))
    headers = signed_headers(secret, body)
    started = perf_counter()
    try:
        async with session.post(url, data=body.encode(), headers=headers) as resp:
            await resp.read()
    except (aiohttp.ClientError, TimeoutError) as exc:
        return (perf_counter() - started) * 1000, type(exc).__name__
    return (perf_counter() - started) * 1000, None if resp.status == 200 else f"HTTP {resp.status}"


def has_key(key: str) -> Callable[[RecordedCall], bool]:
    return lambda call: call.key == key


@dataclass
class Bench:
    session: aiohttp.ClientSession
    slack: LocalSlack
    secret: str
    urls: dict[str, str]
    stats: dict[tuple[int, str], Stats] = field(default_factory=dict)

    async def send(self, name: str, keys: list[str], concurrency: int) -> list[Sample]:
        """One request per key, ``concurrency`` worker tasks."""
        out: list[Sample] = [(0.0, None)] * len(keys)
        pending = iter(enumerate(keys))

        async def worker() -> None:
            for i, key in pending:
                response_url = self.slack.response_url_for(key)
                out[i] = await send_one(self.session, self.urls[name], self.secret, response_url)

        await asyncio.gather(*(worker() for _ in range(min(concurrency, len(keys)))))
        return out

    async def results(self, keys: list[str], since: int) -> int:
        """How many keys got an ok response_url post; waits on the server, up to a deadline."""
        loop = asyncio.get_running_loop()
        deadline, ok = loop.time() + RESULT_WAIT_S, 0
        for key in keys:
            with contextlib.suppress(TimeoutError):
                remaining = max(deadline - loop.time(), 0.01)
                call = await self.slack.wait_for(
                    "response_url", predicate=has_key(key), timeout=remaining, since=since)
                ok += call.ok
        return ok

    async def chunk(self, name: str, level: int, keys: list[str], measured: bool = True) -> None:
        since = len(self.slack.calls)
        samples = await self.send(name, keys, level)
        acked = [key for key, (_, err) in zip(keys, samples, strict=True) if err is None]
        results = await self.results(acked, since) if name == "ours" else 0
        if measured:
            stats = self.stats.setdefault((level, name), Stats())
            stats.acks_ms += [ms for ms, _ in samples]
            stats.errors += [err for _, err in samples if err is not None]
            stats.http_200 += len(acked)
            stats.results += results

    async def level(self, level: int, requests: int) -> None:
        size = max(100, 5 * level)
        for start in range(0, requests, size):
            order = ("bare", "ours") if (start // size) % 2 == 0 else ("ours", "bare")
            for name in order:
                keys = [f"{name}-c{level}-{i}" for i in range(start, min(start + size, requests))]
                await self.chunk(name, level, keys)


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(math.ceil(p / 100 * len(ordered)) - 1, 0)]


def report(bench: Bench, levels: list[int], requests: int) -> int:
    print(f"\n{'level':>5} {'server':<6} {'n':>5} {'p50_ms':>8} {'p99_ms':>8} {'max_ms':>8} errors")
    fields: list[str] = []
    failed, max_ack = False, 0.0
    for level in levels:
        row: dict[str, tuple[float, float]] = {}
        for name in ("bare", "ours"):
            s = bench.stats[(level, name)]
            row[name] = (pct(s.acks_ms, 50), pct(s.acks_ms, 99))
            kinds = ", ".join(sorted(set(s.errors))) or "-"
            print(f"{'c' + str(level):>5} {name:<6} {len(s.acks_ms):>5} {row[name][0]:>8.2f}"
                  f" {row[name][1]:>8.2f} {max(s.acks_ms):>8.2f} {len(s.errors)} {kinds}")
            failed |= bool(s.errors)
        (o50, o99), (b50, b99) = row["ours"], row["bare"]
        print(f"{'':>5} ratio ours/bare: p50 x{o50 / b50:.2f}, p99 x{o99 / b99:.2f}")
        max_ack = max(max_ack, *bench.stats[(level, "ours")].acks_ms)
        fields += [f"c{level}_p50_ms={o50:.2f}", f"c{level}_p99_ms={o99:.2f}",
                   f"c{level}_bare_p50_ms={b50:.2f}", f"c{level}_bare_p99_ms={b99:.2f}",
                   f"c{level}_ratio_p99={o99 / b99:.2f}"]
    total = requests * len(levels)
    ours = [bench.stats[(level, "ours")] for level in levels]
    results = sum(s.results for s in ours)
    print(f"\nours: {sum(s.http_200 for s in ours)}/{total} acks were HTTP 200;"
          f" reports that reached the local Slack server (ok): {results}/{total}")
    if results < total:
        print(f"MISSING: {total - results} report(s) not received within {RESULT_WAIT_S:.0f}s")
        failed = True
    if max_ack >= ACK_LIMIT_MS:
        print(f"SLOW: an ack took {max_ack:.0f} ms (Slack's limit is {ACK_LIMIT_MS:.0f} ms)")
        failed = True
    print("BENCH ack_latency " + " ".join([*fields, f"max_ack_ms={max_ack:.2f}"]))
    return 1 if failed else 0


async def run(requests: int, levels: list[int]) -> int:
    secret, bot_token = secrets.token_urlsafe(32), "xoxb-bench-" + secrets.token_hex(16)
    task = asyncio.current_task()
    assert task is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)  # cleanup runs
    async with contextlib.AsyncExitStack() as stack:
        slack = LocalSlack(bot_token=bot_token)
        await slack.start()
        stack.push_async_callback(slack.stop)
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="aisi-bench-")))
        servers: dict[str, Server] = {}
        for name, argv, env in (
            ("bare", [sys.executable, str(SCRIPT), "--serve-bare"],
             {**clean_env(), BARE_SECRET_ENV: secret}),
            ("ours", [sys.executable, "-m", "bot.cli", "serve"],
             bot_env(slack, bot_token, secret, tmp)),
        ):
            servers[name] = await Server.start(name, argv, env)
            stack.push_async_callback(servers[name].stop)
        try:
            urls = {name: await server.url() for name, server in servers.items()}
        except RuntimeError as exc:
            print(exc, file=sys.stderr)
            return 1
        session = await stack.enter_async_context(
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)))
        bench = Bench(session, slack, secret, urls)
        for name in ("bare", "ours"):
            await bench.chunk(name, 1, [f"{name}-warmup-{i}" for i in range(WARMUP)], False)
        load = "/".join(f"{x:.2f}" for x in os.getloadavg())
        print(f"warmed up; {requests} requests per server per level {levels}; load {load}")
        for level in levels:
            await bench.level(level, requests)
        return report(bench, levels, requests)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--requests", type=int, default=300, help="requests per server per level")
    parser.add_argument("--concurrency", default=[1, 20], help="comma-separated levels",
                        type=lambda text: [int(x) for x in text.split(",")])
    parser.add_argument("--serve-bare", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_bare:
        asyncio.run(serve_bare())
        return 0
    if args.requests < 1 or min(args.concurrency) < 1:
        parser.error("--requests and every concurrency level must be >= 1")
    try:
        return asyncio.run(run(args.requests, args.concurrency))
    except (KeyboardInterrupt, asyncio.CancelledError):
        print("interrupted; servers stopped", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
