"""An alert storm through the incident service: 1,000 alerts over 20 dedup keys, at once.

    .venv/bin/python bench/incident_storm.py [--alerts 1000] [--keys 20] [--interval 1.0]
                                             [--spread SECONDS]

Runs against a fresh database on BENCH_DATABASE_URL (default the local test server). The
notifier posts one message per new incident and sends updates through the coalescer (one
per message per interval, latest state wins), as the Slack side will. Baseline, measured
in the same run: the same number of ``SELECT 1`` round trips through the same pool at the
same concurrency. Exit code 1 when a message count, a final count or the update rate is
wrong.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections import defaultdict
from collections.abc import Sequence

from scratch import scratch_database

from bot.incidents import (
    AlertInput,
    EscalationPolicy,
    Incident,
    IncidentEvent,
    IncidentService,
    MessageRef,
    Severity,
)
from bot.incidents.changes import ChangeLine
from bot.incidents.machine import EscalationStep
from bot.incidents.support import SupportRequest
from bot.slack.coalesce import Coalescer
from bot.stores.db import Database


class CoalescingNotifier:
    """Posts once per incident; updates go through a coalescer (what chat.update would get)."""

    def __init__(self, interval_s: float) -> None:
        self.posts = 0
        self.updates: dict[int, list[tuple[float, int]]] = defaultdict(list)
        self.coalescer: Coalescer[int, int] = Coalescer(self._update, interval_s=interval_s)

    async def _update(self, incident_id: int, count: int) -> None:
        self.updates[incident_id].append((time.monotonic(), count))

    async def incident_changed(
        self, incident: Incident, event: IncidentEvent | None
    ) -> MessageRef | None:
        if event is not None and event.kind.value == "opened":
            self.posts += 1
            return MessageRef("C-BENCH", f"{incident.id}.000100")
        self.coalescer.submit(incident.id, incident.count)
        return None

    async def thread_line(self, incident: Incident, event: IncidentEvent) -> None:
        return None

    async def page_level2(
        self, incident: Incident, user_ids: tuple[str, ...], step: EscalationStep
    ) -> None:
        return None

    async def level3_request(self, incident: Incident, request: SupportRequest) -> None:
        return None

    async def what_changed(self, incident: Incident, lines: Sequence[ChangeLine]) -> None:
        return None


def max_per_window(times: list[float], window_s: float) -> int:
    """The most sends that fell inside any window of ``window_s`` (just under it)."""
    best, start = 0, 0
    for end, t in enumerate(times):
        while t - times[start] >= window_s:
            start += 1
        best = max(best, end - start + 1)
    return best


async def run(url: str, alerts: int, keys: int, interval_s: float, spread_s: float) -> int:
    db = Database(url, max_size=10, connect_timeout_s=60)
    await db.open()
    await db.migrate()
    try:
        notifier = CoalescingNotifier(interval_s)
        service = IncidentService(db, policy=EscalationPolicy(), notifier=notifier)

        async def select_one() -> None:
            async with db.connection(60) as conn:
                await conn.execute("SELECT 1")

        started = time.perf_counter()
        await asyncio.gather(*(select_one() for _ in range(alerts)))
        baseline_s = time.perf_counter() - started

        names = [f"storm-{k:03d}" for k in range(keys)]

        async def one(n: int) -> None:
            await asyncio.sleep(spread_s * n / alerts)  # the storm's pace (0: all at once)
            alert = AlertInput(names[n % keys], "storm", Severity.WARNING, "bench")
            await service.raise_alert(alert, actor="alert:bench")

        started = time.perf_counter()
        await asyncio.gather(*(one(n) for n in range(alerts)))
        storm_s = time.perf_counter() - started
        await notifier.coalescer.aclose(timeout_s=interval_s * 5)
        incidents = await service.list_open(limit=keys * 2)
    finally:
        await db.close()

    expected = {names[k]: alerts // keys + (1 if k < alerts % keys else 0) for k in range(keys)}
    counts = {i.dedup_key: i.count for i in incidents}
    shown = {
        i.dedup_key: notifier.updates[i.id][-1][1] for i in incidents if notifier.updates[i.id]
    }
    sent = sum(len(v) for v in notifier.updates.values())
    worst = max(
        (max_per_window([t for t, _ in v], interval_s * 0.999) for v in notifier.updates.values()),
        default=0,
    )
    ok = (
        notifier.posts == keys
        and counts == expected
        and all(shown.get(k, 1) == c for k, c in counts.items())
        and worst <= 1
    )
    print(
        f"{alerts} alerts over {keys} keys in {storm_s:.2f} s ({alerts / storm_s:.0f}/s);"
        f" baseline {alerts} SELECT 1 in {baseline_s:.2f} s;"
        f" {notifier.posts} messages, {sent} coalesced updates (naive: {alerts - keys}),"
        f" at most {worst} update per message per {interval_s:g} s"
    )
    fields = {
        "alerts": alerts,
        "keys": keys,
        "spread_s": spread_s,
        "messages": notifier.posts,
        "updates": sent,
        "naive_updates": alerts - keys,
        "max_updates_per_msg_per_interval": worst,
        "counts_exact": counts == expected,
        "storm_s": round(storm_s, 3),
        "baseline_s": round(baseline_s, 3),
        # Against the baseline only when the storm is not paced (--spread 0).
        "ratio": round(storm_s / baseline_s, 2) if baseline_s and not spread_s else "n/a",
    }
    print("BENCH incident_storm " + " ".join(f"{k}={v}" for k, v in fields.items()))
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=1000)
    parser.add_argument("--keys", type=int, default=20)
    parser.add_argument("--interval", type=float, default=1.0)
    parser.add_argument("--spread", type=float, default=0.0, help="seconds the storm lasts")
    args = parser.parse_args()
    with scratch_database() as url:
        return asyncio.run(run(url, args.alerts, args.keys, args.interval, args.spread))


if __name__ == "__main__":
    sys.exit(main())
