"""Running the bot for tests: in this process (real aiohttp server) or as a real subprocess."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from bot.app.runtime import Runtime
from bot.app.wiring import running_bot
from bot.settings.model import LEGACY_AA_ENV, SECRET_ENV, URL_DEFAULTS, load_settings
from local_slack.sender import SlackRequestSender

REPO = Path(__file__).resolve().parent.parent
LISTENING = re.compile(r"listening on http://[\d.]+:(\d+)")


@dataclass
class BotUnderTest:
    """A running bot: its base URL, its runtime (in-process only) and a signed sender."""

    url: str
    sender: SlackRequestSender
    session: aiohttp.ClientSession
    runtime: Runtime | None = None
    output: list[str] = field(default_factory=list)
    process: asyncio.subprocess.Process | None = None

    def terminate(self) -> None:
        """SIGTERM the bot process (subprocess bots only)."""
        assert self.process is not None
        self.process.terminate()

    async def wait_exit(self, timeout_s: float) -> int:
        """The bot process's exit code once it has exited."""
        assert self.process is not None
        return await asyncio.wait_for(self.process.wait(), timeout_s)

    async def get(self, path: str) -> tuple[int, str]:
        """GET a path of the bot's HTTP server."""
        async with self.session.get(self.url + path) as resp:
            return resp.status, await resp.text()


@asynccontextmanager
async def start_bot_in_process(
    env: Mapping[str, str], *, wait_migrated: bool = True, wait_accepting: bool = True
) -> AsyncIterator[BotUnderTest]:
    """Start the bot as `serve` does (HTTP mode, ``bot.app.wiring``) on an ephemeral port;
    yields once it is ready (``wait_migrated``), or once it takes requests (the database
    found down, ``wait_accepting``), or at once."""
    settings = load_settings(env)
    async with running_bot(settings, host="127.0.0.1", port=0) as running:
        runtime = running.runtime
        if wait_migrated:
            await asyncio.wait_for(runtime.ready.wait(), 30)
        elif wait_accepting:
            await asyncio.wait_for(runtime.accepting.wait(), 30)
        url = f"http://127.0.0.1:{running.port}"
        async with aiohttp.ClientSession() as session:
            sender = SlackRequestSender(session, url + "/slack/events", env["SLACK_SIGNING_SECRET"])
            yield BotUnderTest(url=url, sender=sender, session=session, runtime=runtime)


async def _read_lines(
    stream: asyncio.StreamReader, sink: list[str], seen: asyncio.Queue[str]
) -> None:
    while line := await stream.readline():
        text = line.decode(errors="replace")
        sink.append(text)
        await seen.put(text)


@asynccontextmanager
async def start_bot_process(
    env: Mapping[str, str], *args: str, timeout_s: float = 60.0, wait_accepting: bool = True
) -> AsyncIterator[BotUnderTest]:
    """Run `aisi-bot serve` as a real process; yields once it logs its listening port and
    (``wait_accepting``) /readyz says start-up is past the migrations and the scheduler."""
    full_env = clean_env(env)
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "serve",
        *args,
        cwd=REPO,
        env=full_env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    assert proc.stdout is not None
    output: list[str] = []
    seen: asyncio.Queue[str] = asyncio.Queue()
    reader = asyncio.create_task(_read_lines(proc.stdout, output, seen))
    try:
        try:
            port = await asyncio.wait_for(_wait_for_port(seen), timeout_s)
        except TimeoutError:
            raise AssertionError("bot did not start; output:\n" + "".join(output)) from None
        url = f"http://127.0.0.1:{port}"
        async with aiohttp.ClientSession() as session:
            if wait_accepting:
                await _wait_accepting(session, url, timeout_s, output)
            secret = env.get("SLACK_SIGNING_SECRET", "")
            sender = SlackRequestSender(session, url + "/slack/events", secret)
            yield BotUnderTest(url=url, sender=sender, session=session, output=output, process=proc)
    finally:
        if proc.returncode is None:
            proc.terminate()
            try:
                await asyncio.wait_for(proc.wait(), 20)
            except TimeoutError:
                proc.kill()
                await proc.wait()
        await reader


# /readyz's start-up states in which the bot still refuses events and alerts with 503.
STARTING = ("migrations running", "starting the scheduler")


async def _wait_accepting(
    session: aiohttp.ClientSession, url: str, timeout_s: float, output: list[str]
) -> None:
    """Poll /readyz (every 20 ms) until start-up is past migrations and the scheduler."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        async with session.get(url + "/readyz") as resp:
            state = (await resp.json()).get("checks", {}).get("startup")
        if state not in STARTING:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"bot still {state}; output:\n" + "".join(output))
        await asyncio.sleep(0.02)


async def _wait_for_port(seen: asyncio.Queue[str]) -> int:
    while True:
        line = await seen.get()
        match = LISTENING.search(line)
        if match:
            return int(match.group(1))


def clean_env(env: Mapping[str, str]) -> dict[str, str]:
    """This process's environment without any Slack, store or provider secret, every base URL
    on loopback (a closed port), plus ``env``."""
    dropped = ("SLACK_", "DATABASE_", "REDIS_", LEGACY_AA_ENV, *SECRET_ENV)
    kept = {k: v for k, v in os.environ.items() if not k.startswith(dropped)}
    return {**kept, **dict.fromkeys(URL_DEFAULTS, "http://127.0.0.1:9"), **env}


async def run_cli(
    env: Mapping[str, str], *args: str, stdin: str | None = None, timeout_s: float = 60
) -> tuple[int, str, str]:
    """Run `aisi-bot ARGS` as a real process: (exit code, stdout, stderr)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        *args,
        cwd=REPO,
        env=clean_env(env),
        stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    data = stdin.encode() if stdin is not None else None
    out, err = await asyncio.wait_for(proc.communicate(data), timeout_s)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()
