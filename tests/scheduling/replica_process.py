"""A scheduler replica in its own process, for the multi-process exactly-once test.

    python -m tests.scheduling.replica_process DATABASE_URL REPLICA

Runs job ``source_checks`` every second; its body records (scheduled time, replica) in
``test_job_bodies``. Prints ``STARTED`` once scheduling; stops cleanly on SIGTERM.
"""

from __future__ import annotations

import asyncio
import signal
import sys

from bot.scheduling import Firing, JobResult, ScheduleConfig, Scheduler, TriggerKind, TriggerSpec
from bot.stores.db import Database


async def main(url: str, replica: str) -> None:
    db = Database(url, max_size=3)
    await db.open()
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)

    async def body(firing: Firing) -> JobResult:
        async with db.connection() as conn:
            await conn.execute(
                "INSERT INTO test_job_bodies (scheduled_for, replica) VALUES (%s, %s)",
                (firing.scheduled_for, replica),
            )
        return JobResult(True, f"ran in {replica}")

    scheduler = Scheduler(db, config=ScheduleConfig(misfire_grace_s=60), replica=replica)
    scheduler.add_job("source_checks", body, trigger=TriggerSpec(TriggerKind.INTERVAL, "1s", 1.0))
    await scheduler.start()
    print("STARTED", flush=True)
    await stop.wait()
    await scheduler.shutdown(wait_s=5)
    await db.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
