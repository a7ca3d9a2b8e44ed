"""Fan-out of the full /health check: its wall time against its slowest probe, then a hang.

    .venv/bin/python bench/health_fanout.py [--rounds 5]

One local stand-in server (``tests.upstreams.Upstreams``, 127.0.0.1, ephemeral port) plays
every provider, the app and the vendor status pages. Ten HTTP probes answer after 500 ms:
the five provider keys (OpenAI, Anthropic, Google AI, Replicate, Artificial Analysis, keys
set so each is really called), both app endpoints (App health, App models) and three status
pages (OpenAI, Anthropic, Vercel); Neon and Google Cloud answer at once. The database, the
cache and the ops probes use BENCH_DATABASE_URL / BENCH_REDIS_URL. The bot's probe-cache
keys are deleted (SCAN + DEL of ``aisi-bot:probe-cache:*``) before every round, so no
round is served from cache. Round 0 warms the connection pools and is not counted.

Scenario 1: ``runtime.health.run()`` per round; ratio = wall / slowest probe latency.
Scenario 2: App models never answers; the report must still arrive by the deadline (+0.25 s)
naming that probe as "timeout". Exit 1 when the median ratio > 1.2, the hung run is late,
or a round was not valid (a slow probe not OK or faster than its stand-in).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from time import perf_counter
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # tests/ is not installed; the stand-in server lives there
    sys.path.insert(0, str(REPO))

from bot.app.runtime import Runtime  # noqa: E402
from bot.app.wiring import build_runtime  # noqa: E402
from bot.health.check import HealthReport  # noqa: E402
from bot.health.probes.base import ProbeResult  # noqa: E402
from bot.settings.model import load_settings  # noqa: E402
from bot.sources.provider_table import PROVIDER  # noqa: E402
from bot.stores.result_cache import KEY_PREFIX  # noqa: E402
from tests.upstreams import (  # noqa: E402
    APP_HEALTH,
    APP_MODELS,
    KEY_ENV,
    KEY_PATHS,
    STATUS_PATHS,
    Upstreams,
    all_ok,
    env_for,
    write_config,
)

DELAY_S = 0.5
PROBE_TIMEOUT_S = 2.0
DEADLINE_S = 3.0
SLACK_S = 0.25
RATIO_LIMIT = 1.2
MIGRATE_WAIT_S = 30.0
SLOW_STATUS_PAGES = ("OpenAI", "Anthropic", "Vercel")
# (group, probe name, stand-in path) of the ten slow HTTP probes; names repeat across groups.
SLOW: tuple[tuple[str, str, str], ...] = (
    *(("keys", PROVIDER[p].display_name, path) for p, path in KEY_PATHS.items()),
    ("app", "App health", APP_HEALTH),
    ("app", "App models", APP_MODELS),
    *(("vendors", name, STATUS_PATHS[name]) for name in SLOW_STATUS_PAGES),
)
SLOW_PATHS = frozenset(path for _, _, path in SLOW)
HUNG = ("app", "App models", APP_MODELS)


class SlowStandIns(Upstreams):
    """The stand-ins, with every slow path answering after DELAY_S whatever is scripted."""

    def route(
        self,
        path: str,
        *,
        status: int = 200,
        json: Any = None,
        text: str | None = None,
        headers: dict[str, str] | None = None,
        delay_s: float = 0.0,
        hang: bool = False,
    ) -> None:
        if path in SLOW_PATHS:
            delay_s = max(delay_s, DELAY_S)
        super().route(
            path, status=status, json=json, text=text, headers=headers, delay_s=delay_s, hang=hang
        )


@dataclass(frozen=True)
class Round:
    wall_ms: float
    report_ms: float
    slowest: ProbeResult
    valid: bool

    @property
    def slowest_ms(self) -> float:
        return self.slowest.latency_ms or 0.0

    @property
    def ratio(self) -> float:
        return self.wall_ms / self.slowest_ms if self.slowest_ms else float("inf")


def find(report: HealthReport, group: str, name: str) -> ProbeResult | None:
    return next((r for r in report.results if r.group == group and r.name == name), None)


async def flush_probe_cache(runtime: Runtime) -> int:
    """Delete the bot's probe-cache keys only (never FLUSHDB/FLUSHALL)."""
    deleted = 0
    async for key in runtime.redis.scan_iter(match=KEY_PREFIX + "*", count=500):
        deleted += int(await runtime.redis.delete(key))
    return deleted


async def timed_check(runtime: Runtime) -> tuple[HealthReport, float]:
    await flush_probe_cache(runtime)
    started = perf_counter()
    report = await runtime.health.run()
    return report, (perf_counter() - started) * 1000


def judge(report: HealthReport, wall_ms: float) -> Round:
    timed = [r for r in report.results if r.latency_ms is not None]
    slowest = max(timed, key=lambda r: r.latency_ms or 0.0)
    slow = [find(report, group, name) for group, name, _ in SLOW]
    valid = all(
        r is not None and r.state == "ok" and (r.latency_ms or 0.0) >= DELAY_S * 1000 for r in slow
    )
    return Round(wall_ms, report.duration_ms, slowest, valid)


def bench_env(up: Upstreams, folder: Path) -> dict[str, str]:
    config = write_config(
        folder / "config", up, probe_timeout_s=PROBE_TIMEOUT_S, deadline_s=DEADLINE_S
    )
    return {
        **env_for(up),
        **{name: f"bench-{provider}-key-1234" for provider, name in KEY_ENV.items()},
        "DATABASE_URL": os.environ.get(
            "BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"
        ),
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
        "BOT_CONFIG_DIR": str(config),
        "BOT_DATA_DIR": str(folder / "data"),
        "LOG_LEVEL": "WARNING",
    }


async def run(rounds: int) -> int:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY"):
        os.environ.pop(name, None)  # loopback traffic only; a proxy must not capture it
    up = SlowStandIns()
    runtime: Runtime | None = None
    with tempfile.TemporaryDirectory(prefix="health-fanout-") as tmp:
        try:
            await up.start()
            all_ok(up)  # SlowStandIns adds the delay to the ten slow paths
            runtime = await build_runtime(load_settings(bench_env(up, Path(tmp))))
            await asyncio.wait_for(runtime.migrated.wait(), MIGRATE_WAIT_S)
            return await scenarios(runtime, up, rounds)
        finally:
            if runtime is not None:
                await flush_probe_cache(runtime)
                await runtime.close()
            await up.stop()


async def scenarios(runtime: Runtime, up: Upstreams, rounds: int) -> int:
    names = ", ".join(f"{g}:{n}" for g, n, _ in SLOW)
    print(f"health fan-out: 10 slow HTTP probes ({names})")
    print(
        f"stand-in delay {DELAY_S * 1000:.0f} ms, probe timeout {PROBE_TIMEOUT_S:g} s, "
        f"deadline {DEADLINE_S:g} s"
    )
    print(
        f"{'round':>5} {'wall_ms':>8} {'report_ms':>9} {'slowest_ms':>10} "
        f"{'ratio':>6} valid  slowest probe"
    )
    measured: list[Round] = []
    for index in range(rounds + 1):
        report, wall_ms = await timed_check(runtime)
        rnd = judge(report, wall_ms)
        label = "warm" if index == 0 else str(index)
        print(
            f"{label:>5} {rnd.wall_ms:8.1f} {rnd.report_ms:9.1f} {rnd.slowest_ms:10.1f} "
            f"{rnd.ratio:6.3f} {str(rnd.valid).lower():5}  "
            f"{rnd.slowest.group}:{rnd.slowest.name}"
        )
        if index:
            measured.append(rnd)
    wall = statistics.median(r.wall_ms for r in measured)
    slowest = statistics.median(r.slowest_ms for r in measured)
    ratio = statistics.median(r.ratio for r in measured)
    worst_ratio = max(r.ratio for r in measured)
    valid = all(r.valid for r in measured)
    print(f"probes per report: {len(report.results)}")
    print(
        f"median wall {wall:.1f} ms, median slowest probe {slowest:.1f} ms, "
        f"median ratio {ratio:.3f} (limit {RATIO_LIMIT}), worst {worst_ratio:.3f}"
    )

    group, name, path = HUNG
    up.route(path, hang=True)
    report, hung_ms = await timed_check(runtime)
    hung = find(report, group, name)
    others_ok = all(
        (r := find(report, g, n)) is not None and r.state == "ok" for g, n, _ in SLOW if n != name
    )
    timed_out = hung is not None and hung.status == "timeout"
    within = hung_ms <= (DEADLINE_S + SLACK_S) * 1000 and timed_out
    print(
        f"hung run ({group}:{name} never answers): report after {hung_ms:.1f} ms "
        f"(report says {report.duration_ms:.1f} ms), deadline {DEADLINE_S * 1000:.0f} ms "
        f"+ {SLACK_S * 1000:.0f} ms slack"
    )
    print(
        f"  hung probe: status={hung.status if hung else 'missing'} "
        f"detail={hung.detail if hung else '-'!r}; other slow probes ok: {others_ok}; "
        f"unknown: {', '.join(report.unknown) or '-'}"
    )

    passed = valid and ratio <= RATIO_LIMIT and within
    if not valid:
        print("FAIL: a slow probe was not OK or answered faster than its stand-in (cached?)")
    if ratio > RATIO_LIMIT:
        print(f"FAIL: median ratio {ratio:.3f} > {RATIO_LIMIT}")
    if not within:
        print("FAIL: the hung-probe run missed its deadline or did not report a timeout")
    print(
        f"BENCH health_fanout probes=10 wall_ms={wall:.1f} slowest_probe_ms={slowest:.1f} "
        f"ratio={ratio:.3f} worst_ratio={worst_ratio:.3f} hung_wall_ms={hung_ms:.1f} "
        f"deadline_ms={DEADLINE_S * 1000:.0f} hung_within_deadline={str(within).lower()}"
    )
    return 0 if passed else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=5, help="measured rounds (default 5)")
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    sys.exit(asyncio.run(run(args.rounds)))


if __name__ == "__main__":
    main()
