"""A replica process for kill tests: fires due escalation timers through the real service,
then hangs at a chosen point so the test can SIGKILL it there.

    python -m tests.incidents.replica_process DATABASE_URL NOW_ISO in-transaction|after-commit

``in-transaction`` hangs while the timer's transaction is open (claimed, not committed);
``after-commit`` hangs while paging, after the escalation was committed. It prints
``HANGING`` once it got there.
"""

from __future__ import annotations

import asyncio
import sys
import time
from datetime import datetime

from bot.incidents import EscalationPolicy, EscalationTarget, IncidentService, RecordingNotifier
from bot.incidents.machine import EscalationStep
from bot.incidents.model import Incident
from bot.stores.db import Database


def hang() -> None:
    print("HANGING", flush=True)
    time.sleep(3600)  # blocks the whole process, as a stuck replica would; the test kills it


class HangInTransaction(EscalationPolicy):
    """A policy whose people lookup (done inside the firing transaction) never returns."""

    def users_for(self, target: EscalationTarget) -> tuple[str, ...]:
        hang()
        return ()


class HangWhilePaging(RecordingNotifier):
    """A notifier that never finishes paging (the escalation is already committed)."""

    async def page_level2(
        self, incident: Incident, user_ids: tuple[str, ...], step: EscalationStep
    ) -> None:
        hang()


async def main(url: str, now: datetime, mode: str) -> None:
    db = Database(url, max_size=2)
    await db.open()
    people = {"primary": ("UPRIMARY",), "backup": ("UBACKUP",), "after_s": 60, "max_repeats": 0}
    if mode == "in-transaction":
        service = IncidentService(
            db, policy=HangInTransaction(**people), notifier=RecordingNotifier(), clock=lambda: now
        )
    else:
        service = IncidentService(
            db, policy=EscalationPolicy(**people), notifier=HangWhilePaging(), clock=lambda: now
        )
    await service.fire_due_timers(replica="doomed")
    print("FINISHED", flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], datetime.fromisoformat(sys.argv[2]), sys.argv[3]))
