"""Ack latency of a signed `/health` slash command: `aisi-bot serve` against a bare Bolt app.

    .venv/bin/python bench/ack_latency.py [--requests N] [--concurrency 1,20]
                                          [--connections 20] [--seconds 5]

Both servers are subprocesses on 127.0.0.1; the bare one (``--serve-bare``) is an AsyncApp
that only acks ``/health``: the framework's floor. The bot's Slack calls go to a local Slack
server in this process; its other URLs (providers, app, status pages) to 127.0.0.1:9.

Two measurements, same run, same machine:
- levels (``--concurrency``): chunks alternate between the servers; after a chunk sent to
  the bot the bench waits for its reports, so its background work never overlaps another
  measurement. Acks that say "busy" (the bot's work queue was full) are counted, not lost.
- sustained: wrk (Debian's package, installed when missing) keeps ``--connections``
  connections sending pre-signed requests back-to-back for ``--seconds``, first at the bare
  app, then at the bot; right after, the bot gets SIGTERM and the seconds to its exit count.

Targets: sustained p99 at most 3x the bare app's, concurrency-1 p99 at most 1.25x, SIGTERM
to exit at most the shutdown grace + 2 s. Exit code 1 when one is missed, an ack took
>= 3 s, a request failed, a report never arrived or the sustained mode could not run.
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
from sustained import BUSY_MARK, WrkResult, ensure_wrk, run_wrk, write_script

from bot.settings.files import load_config_files
from bot.settings.model import SECRET_ENV, URL_DEFAULTS, load_settings
from local_slack.payloads import signed_headers, slash_command_form
from local_slack.server import LocalSlack, RecordedCall

Sample = tuple[float, str | None, bool]  # (ms from send to response, error or None, busy)

SCRIPT = Path(__file__).resolve()
REPO = SCRIPT.parent.parent
LISTENING = re.compile(r"listening on http://[\d.]+:(\d+)")
BARE_SECRET_ENV = "BENCH_BARE_SIGNING_SECRET"
STARTING = ("migrations running", "starting the scheduler")  # /readyz's start-up states
NOWHERE = "http://127.0.0.1:9"  # the discard port: nobody listens, connections are refused
WARMUP, ACK_LIMIT_MS, RESULT_WAIT_S, START_TIMEOUT_S, STOP_TIMEOUT_S = 20, 3000.0, 60.0, 60.0, 60.0
SUSTAINED_MAX_RATIO, C1_MAX_RATIO, EXIT_SLACK_S = 3.0, 1.25, 2.0


async def _until_taking_requests(base: str) -> None:
    """Poll /readyz until start-up is past the migrations and the scheduler (the bot refuses
    /slack/events with 503 before); a server without /readyz (the bare app) takes them now."""
    async with aiohttp.ClientSession() as session:
        for _ in range(int(START_TIMEOUT_S / 0.02)):
            async with session.get(base + "/readyz") as resp:
                if resp.status == 404:
                    return
                body = await resp.json()
            if body.get("checks", {}).get("startup") not in STARTING:
                return
            await asyncio.sleep(0.02)
    raise RuntimeError(f"{base} still starting after {START_TIMEOUT_S:g} s")


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
        await _until_taking_requests(f"http://127.0.0.1:{port}")
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
    busy: int = 0  # acks that said "busy": the bot queued nothing, no report is due
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
            text = await resp.text()
    except (aiohttp.ClientError, TimeoutError) as exc:
        return (perf_counter() - started) * 1000, type(exc).__name__, False
    ms = (perf_counter() - started) * 1000
    return ms, None if resp.status == 200 else f"HTTP {resp.status}", BUSY_MARK in text


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
        out: list[Sample] = [(0.0, None, False)] * len(keys)
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
        acked = [key for key, (_, err, _) in zip(keys, samples, strict=True) if err is None]
        queued = [key for key, (_, err, busy) in zip(keys, samples, strict=True)
                  if err is None and not busy]
        results = await self.results(queued, since) if name == "ours" else 0
        if measured:
            stats = self.stats.setdefault((level, name), Stats())
            stats.acks_ms += [ms for ms, _, _ in samples]
            stats.errors += [err for _, err, _ in samples if err is not None]
            stats.http_200 += len(acked)
            stats.busy += len(acked) - len(queued)
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


@dataclass
class Sustained:
    """The wrk runs and the SIGTERM that followed (None: not measured)."""

    connections: int
    seconds: float
    grace_s: float
    bare: WrkResult | None = None
    ours: WrkResult | None = None
    sigterm_exit_s: float | None = None
    problem: str = ""


def report(bench: Bench, levels: list[int], requests: int, sustained: Sustained) -> int:
    print(f"\n{'level':>5} {'server':<6} {'n':>5} {'p50_ms':>8} {'p99_ms':>8} {'max_ms':>8}"
          " busy errors")
    fields: list[str] = []
    failed, max_ack = False, 0.0
    ratios: dict[int, float] = {}
    for level in levels:
        row: dict[str, tuple[float, float]] = {}
        for name in ("bare", "ours"):
            s = bench.stats[(level, name)]
            row[name] = (pct(s.acks_ms, 50), pct(s.acks_ms, 99))
            kinds = ", ".join(sorted(set(s.errors))) or "-"
            print(f"{'c' + str(level):>5} {name:<6} {len(s.acks_ms):>5} {row[name][0]:>8.2f}"
                  f" {row[name][1]:>8.2f} {max(s.acks_ms):>8.2f} {s.busy:>4}"
                  f" {len(s.errors)} {kinds}")
            failed |= bool(s.errors)
        (o50, o99), (b50, b99) = row["ours"], row["bare"]
        ratios[level] = o99 / b99
        print(f"{'':>5} ratio ours/bare: p50 x{o50 / b50:.2f}, p99 x{o99 / b99:.2f}")
        max_ack = max(max_ack, *bench.stats[(level, "ours")].acks_ms)
        fields += [f"c{level}_p50_ms={o50:.2f}", f"c{level}_p99_ms={o99:.2f}",
                   f"c{level}_bare_p50_ms={b50:.2f}", f"c{level}_bare_p99_ms={b99:.2f}",
                   f"c{level}_ratio={o99 / b99:.2f}"]
    total = requests * len(levels)
    ours = [bench.stats[(level, "ours")] for level in levels]
    results, busy = sum(s.results for s in ours), sum(s.busy for s in ours)
    print(f"\nours: {sum(s.http_200 for s in ours)}/{total} acks were HTTP 200"
          f" ({busy} said busy);"
          f" reports that reached the local Slack server (ok): {results}/{total - busy}")
    if results < total - busy:
        print(f"MISSING: {total - busy - results} report(s) not received"
              f" within {RESULT_WAIT_S:.0f}s")
        failed = True
    if max_ack >= ACK_LIMIT_MS:
        print(f"SLOW: an ack took {max_ack:.0f} ms (Slack's limit is {ACK_LIMIT_MS:.0f} ms)")
        failed = True
    if 1 in ratios and ratios[1] > C1_MAX_RATIO:
        print(f"MISSED: concurrency-1 p99 is x{ratios[1]:.2f} the bare app's"
              f" (target <= x{C1_MAX_RATIO})")
        failed = True
    fields.append(f"max_ack_ms={max_ack:.2f}")
    failed |= report_sustained(sustained, fields)
    print("BENCH ack_latency " + " ".join(fields))
    return 1 if failed else 0


def report_sustained(sustained: Sustained, fields: list[str]) -> bool:
    """Print the sustained figures, add them to ``fields``; True when a target was missed."""
    bare, ours, exit_s = sustained.bare, sustained.ours, sustained.sigterm_exit_s
    grace = sustained.grace_s
    fields.append(f"grace_s={grace:g}")
    if bare is None or ours is None or exit_s is None:
        print(f"\nsustained: NOT MEASURED ({sustained.problem})")
        fields += ["sustained_p99_ms=na", "sustained_bare_p99_ms=na", "sustained_ratio=na",
                   "refused=na", "sigterm_exit_s=na"]
        return True
    ratio = ours.p99_ms / bare.p99_ms
    print(f"\nsustained (wrk, {sustained.connections} connections back-to-back for"
          f" {sustained.seconds:g} s per server):")
    for name, r in (("bare", bare), ("ours", ours)):
        print(f"  {name:<5} requests={r.requests:>6} ({r.requests / sustained.seconds:.0f}/s)"
              f" p50={r.p50_ms:.2f} ms p99={r.p99_ms:.2f} ms max={r.max_ms:.2f} ms"
              f" busy={r.busy} non-200={r.non200} socket errors={r.errors}")
    print(f"  ratio ours/bare: p50 x{ours.p50_ms / bare.p50_ms:.2f}, p99 x{ratio:.2f};"
          f" refused (busy) {ours.busy} of {ours.requests}; SIGTERM to exit {exit_s:.2f} s"
          f" (grace {grace:g} s)")
    fields += [f"sustained_p50_ms={ours.p50_ms:.2f}", f"sustained_p99_ms={ours.p99_ms:.2f}",
               f"sustained_bare_p50_ms={bare.p50_ms:.2f}",
               f"sustained_bare_p99_ms={bare.p99_ms:.2f}",
               f"sustained_ratio={ratio:.2f}", f"sustained_requests={ours.requests}",
               f"sustained_bare_requests={bare.requests}", f"refused={ours.busy}",
               f"sigterm_exit_s={exit_s:.2f}"]
    missed = False
    if ratio > SUSTAINED_MAX_RATIO:
        print(f"MISSED: sustained p99 is x{ratio:.2f} the bare app's"
              f" (target <= x{SUSTAINED_MAX_RATIO})")
        missed = True
    if exit_s > grace + EXIT_SLACK_S:
        print(f"MISSED: SIGTERM to exit took {exit_s:.1f} s (target <= {grace + EXIT_SLACK_S:g} s)")
        missed = True
    if bare.non200 or ours.non200 or bare.errors or ours.errors:
        print("MISSED: sustained requests failed (non-200 answers or socket errors)")
        missed = True
    return missed


async def measure_sustained(
    servers: dict[str, Server], urls: dict[str, str], slack: LocalSlack, secret: str,
    tmp: Path, result: Sustained,
) -> Sustained:
    """wrk at the bare app, then at the bot; then SIGTERM the bot and time its exit."""
    wrk = await asyncio.to_thread(ensure_wrk)
    if wrk is None:
        result.problem = "wrk is not installed and could not be installed"
        return result
    connections, seconds, grace_s = result.connections, result.seconds, result.grace_s
    for name in ("bare", "ours"):
        # Signed now: Slack's signatures are valid for 300 s, far longer than the run.
        script = write_script(tmp, urls[name], secret, slack.response_url_for(f"{name}-wrk"))
        try:
            measured = await run_wrk(wrk, urls[name], script, connections=connections,
                                     seconds=seconds)
        except RuntimeError as exc:
            result.problem = str(exc)
            return result
        setattr(result, name, measured)
    proc = servers["ours"].proc
    started = perf_counter()
    proc.terminate()
    try:
        await asyncio.wait_for(proc.wait(), grace_s + 30)
    except TimeoutError:
        result.problem = f"the bot did not exit within {grace_s + 30:g} s of SIGTERM"
        return result
    result.sigterm_exit_s = perf_counter() - started
    shutdown = [line for line in servers["ours"].tail if "shutdown" in line.lower()]
    for line in shutdown[-2:]:
        print(f"  [ours] {line}")
    return result


async def run(requests: int, levels: list[int], connections: int, seconds: float) -> int:
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
        grace_s = load_settings(bot_env(slack, bot_token, secret, tmp)).shutdown_grace_s
        sustained = await measure_sustained(
            servers, urls, slack, secret, tmp, Sustained(connections, seconds, grace_s))
        return report(bench, levels, requests, sustained)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--requests", type=int, default=300, help="requests per server per level")
    parser.add_argument("--concurrency", default=[1, 20], help="comma-separated levels",
                        type=lambda text: [int(x) for x in text.split(",")])
    parser.add_argument("--connections", type=int, default=20,
                        help="sustained mode: wrk connections (default 20)")
    parser.add_argument("--seconds", type=float, default=5.0,
                        help="sustained mode: seconds per server (default 5)")
    parser.add_argument("--serve-bare", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_bare:
        asyncio.run(serve_bare())
        return 0
    if args.requests < 1 or min(args.concurrency) < 1:
        parser.error("--requests and every concurrency level must be >= 1")
    if args.connections < 1 or args.seconds <= 0:
        parser.error("--connections must be >= 1 and --seconds > 0")
    try:
        return asyncio.run(run(args.requests, args.concurrency, args.connections, args.seconds))
    except (KeyboardInterrupt, asyncio.CancelledError):
        print("interrupted; servers stopped", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
