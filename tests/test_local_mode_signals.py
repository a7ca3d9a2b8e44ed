"""Local mode with the embedded stores: every way of stopping it stops them, and nothing lingers."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import pytest

from tests.conftest import LOOPBACK_CLOSED, write_test_config
from tests.harness import REPO, clean_env, run_cli

PROMPT = "aisi> "
STOPPED_WITHIN_S = 20.0  # the embedded PostgreSQL takes a few seconds to shut down


@dataclass
class LocalRun:
    """`aisi-bot serve` in local mode, its own process group (as a terminal's job), stdin open."""

    proc: asyncio.subprocess.Process
    output: list[str] = field(default_factory=list)

    def signal_group(self, sig: signal.Signals) -> None:
        """What the terminal does on Ctrl-C: signal the whole foreground process group."""
        os.killpg(self.proc.pid, sig)


def _env(data_dir: Path) -> dict[str, str]:
    """No Slack credentials, no DATABASE_URL/REDIS_URL: local mode with embedded stores."""
    return {
        "BOT_DATA_DIR": str(data_dir),
        "APP_BASE_URL": LOOPBACK_CLOSED,
        "BOT_CONFIG_DIR": str(write_test_config(data_dir.parent / "config")),
    }


async def _read(proc: asyncio.subprocess.Process, sink: list[str], prompt: asyncio.Event) -> None:
    assert proc.stdout is not None
    while line := await proc.stdout.readline():
        sink.append(line.decode(errors="replace"))
        if sink[-1].startswith(PROMPT):
            prompt.set()


@asynccontextmanager
async def _local(data_dir: Path) -> AsyncIterator[LocalRun]:
    """Start local mode and yield once it shows its prompt; kill it if a test left it running."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "serve",
        cwd=REPO,
        env=clean_env(_env(data_dir)),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        start_new_session=True,
    )
    run = LocalRun(proc)
    prompt = asyncio.Event()
    reader = asyncio.create_task(_read(proc, run.output, prompt))
    try:
        try:
            await asyncio.wait_for(prompt.wait(), 120)
        except TimeoutError:
            raise AssertionError("no prompt; output:\n" + "".join(run.output)) from None
        yield run
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        await reader


def _embedded_pids(data_dir: Path) -> dict[str, int]:
    """The PostgreSQL postmaster and redis-server running for ``data_dir``, from their files."""
    postmaster = (data_dir / "postgres" / "postmaster.pid").read_text().splitlines()
    registry = json.loads((data_dir / "redis" / "bot.rdb.settings").read_text())
    return {"postgres": int(postmaster[0]), "redis": int(Path(registry["pidfile"]).read_text())}


def _lingering(data_dir: Path, pids: dict[str, int]) -> list[str]:
    """Processes still running for ``data_dir``: the recorded pids, or any naming the dir."""
    found = []
    for process in psutil.process_iter(["pid", "cmdline", "status"]):
        if process.info["status"] == psutil.STATUS_ZOMBIE:
            continue
        cmdline = " ".join(process.info["cmdline"] or [])
        if process.info["pid"] in pids.values() or str(data_dir) in cmdline:
            found.append(f"{process.info['pid']}: {cmdline}")
    return found


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    """This test's BOT_DATA_DIR; whatever a failing test left running for it is stopped."""
    folder = tmp_path / "data"
    yield folder
    pids: dict[str, int] = {}
    with suppress(OSError, ValueError, KeyError, IndexError):
        pids = _embedded_pids(folder)
    for line in _lingering(folder, pids):
        with suppress(psutil.Error):
            process = psutil.Process(int(line.split(":", 1)[0]))
            process.terminate()
            process.wait(10)


async def _stops_cleanly(run: LocalRun, sig: signal.Signals, *, group: bool) -> float:
    started = time.monotonic()
    if group:
        run.signal_group(sig)
    else:
        run.proc.send_signal(sig)
    code = await asyncio.wait_for(run.proc.wait(), 60)
    took = time.monotonic() - started
    assert code == 0, "".join(run.output)
    return took


async def _next_start_is_clean(data_dir: Path) -> None:
    """A later session starts, answers and quits with exit 0, leaving nothing running."""
    code, out, err = await run_cli(
        _env(data_dir), "serve", stdin="/health db\nquit\n", timeout_s=180
    )
    assert code == 0, out + err
    assert "✅ *Database* — " in out, out + err
    assert _lingering(data_dir, {}) == []


async def test_sigterm_stops_the_embedded_stores_and_the_next_start_is_clean(
    data_dir: Path,
) -> None:
    """SIGTERM at the prompt: exit 0 promptly, no PostgreSQL or Redis left, next run clean."""
    async with _local(data_dir) as run:
        pids = _embedded_pids(data_dir)
        assert all(psutil.pid_exists(pid) for pid in pids.values())
        took = await _stops_cleanly(run, signal.SIGTERM, group=False)
    assert took < STOPPED_WITHIN_S
    assert _lingering(data_dir, pids) == []
    await _next_start_is_clean(data_dir)


async def test_ctrl_c_at_the_prompt_stops_at_once_with_exit_0(data_dir: Path) -> None:
    """Ctrl-C (SIGINT to the job) while the prompt waits for input: no extra Enter needed."""
    async with _local(data_dir) as run:
        pids = _embedded_pids(data_dir)
        took = await _stops_cleanly(run, signal.SIGINT, group=True)
    assert took < STOPPED_WITHIN_S
    assert "Stopping (signal received)" in "".join(run.output)
    assert _lingering(data_dir, pids) == []
    await _next_start_is_clean(data_dir)


async def test_a_killed_run_does_not_stop_the_next_one_from_shutting_down(
    data_dir: Path,
) -> None:
    """After SIGKILL the servers linger; the next run reuses them and still stops them."""
    async with _local(data_dir) as run:
        pids = _embedded_pids(data_dir)
        run.proc.kill()
        await run.proc.wait()
    assert _lingering(data_dir, pids) != []  # what a killed run leaves behind
    handles = json.loads((data_dir / "postgres" / ".handle_pids.json").read_text())
    assert run.proc.pid in handles  # ...including its stale entry in pgserver's user list
    await _next_start_is_clean(data_dir)
    assert _lingering(data_dir, pids) == []
