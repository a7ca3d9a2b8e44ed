"""What changed in the last 24 h: the lines an on-call engineer would otherwise dig for.

Each line names where it came from: the bot's sync runs (``chatops.sync_runs``) and hooks
passed in (key-state changes, vendor status incidents, Vercel deployments). A hook that
fails becomes a line saying so; it never hides the others.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import psycopg
from psycopg_pool import PoolTimeout

from bot.errors import BotError
from bot.incidents.support import VendorStatus
from bot.stores.db import Database

log = logging.getLogger(__name__)

SYNC_SOURCE = "sync runs"


@dataclass(frozen=True)
class ChangeLine:
    """One change: when, where the bot learned it, and what."""

    at: datetime
    source: str
    text: str


ChangeHook = Callable[[datetime, datetime], Awaitable[Sequence[ChangeLine]]]


def change_json(line: ChangeLine) -> dict[str, str]:
    """A line as stored in an incident's timeline (``what_changed`` detail)."""
    return {"at": line.at.isoformat(), "source": line.source, "text": line.text}


def change_from_json(item: Mapping[str, Any]) -> ChangeLine:
    """A line back from the timeline; raises ValueError on a malformed one."""
    return ChangeLine(
        datetime.fromisoformat(str(item["at"])), str(item["source"]), str(item["text"])
    )


def sync_run_line(
    run_id: int,
    started_at: datetime,
    trigger: str,
    scope: str,
    dry_run: bool,
    outcome: str,
    reason: str,
    diff: Mapping[str, Any],
) -> ChangeLine:
    """A sync run as one line with its diff counts."""
    what = f"sync #{run_id} ({scope}, by {trigger})"
    if dry_run:
        what += " dry run"
    what += f" {outcome}"
    if diff:
        counts = ", ".join(
            f"{int(diff.get(k) or 0)} {k}" for k in ("added", "updated", "deactivated")
        )
        what += f": {counts}"
    if reason:
        what += f" — {reason}"
    return ChangeLine(started_at, SYNC_SOURCE, what)


class WhatChanged:
    """Collects the changes of a window (24 h by default) from the database and the hooks."""

    def __init__(
        self,
        db: Database,
        *,
        hooks: Mapping[str, ChangeHook] | None = None,
        window: timedelta = timedelta(hours=24),
        hook_timeout_s: float = 5.0,
        max_lines: int = 40,
    ) -> None:
        self._db = db
        self._hooks = dict(hooks or {})
        self._window = window
        self._hook_timeout_s = hook_timeout_s
        self._max_lines = max_lines

    async def collect(self, *, now: datetime) -> list[ChangeLine]:
        """Every change in the window, newest first, at most ``max_lines`` (the rest counted)."""
        since = now - self._window
        names = [SYNC_SOURCE, *self._hooks]
        results = await asyncio.gather(
            self._guarded(SYNC_SOURCE, self._sync_runs(since, now), now),
            *(self._guarded(n, h(since, now), now) for n, h in self._hooks.items()),
        )
        lines = [line for part in results for line in part]
        lines.sort(key=lambda line: line.at, reverse=True)
        if len(lines) > self._max_lines:
            hidden = len(lines) - self._max_lines + 1
            lines = lines[: self._max_lines - 1]
            lines.append(ChangeLine(since, "what changed", f"{hidden} older changes not shown"))
        log.debug("what changed: %d lines from %s", len(lines), ", ".join(names))
        return lines

    async def _guarded(
        self, name: str, work: Awaitable[Sequence[ChangeLine]], now: datetime
    ) -> list[ChangeLine]:
        try:
            async with asyncio.timeout(self._hook_timeout_s):
                return list(await work)
        except TimeoutError:
            reason = f"no answer within {self._hook_timeout_s:g} s"
        except BotError as exc:
            reason = exc.public_text
        except (psycopg.Error, PoolTimeout) as exc:
            reason = f"database error ({type(exc).__name__})"
        except Exception as exc:  # an injected hook's own bug must not hide the other lines
            log.exception("what-changed hook %s failed", name)
            reason = f"unexpected error ({type(exc).__name__})"
        return [ChangeLine(now, name, f"could not be read: {reason}")]

    async def _sync_runs(self, since: datetime, until: datetime) -> list[ChangeLine]:
        async with self._db.connection(self._hook_timeout_s) as conn:
            cur = await conn.execute(
                "SELECT id, started_at, trigger, scope, dry_run, outcome, reason, diff"
                " FROM chatops.sync_runs WHERE started_at >= %s AND started_at < %s"
                " ORDER BY started_at DESC LIMIT 50",
                (since, until),
            )
            rows = await cur.fetchall()
        return [
            sync_run_line(int(r[0]), r[1], r[2], r[3], bool(r[4]), r[5], r[6] or "", r[7] or {})
            for r in rows
        ]


def vendor_status_hook(read: Callable[[], Awaitable[Sequence[VendorStatus]]]) -> ChangeHook:
    """A hook listing each vendor whose status page is not OK right now (from the probes)."""

    async def hook(since: datetime, until: datetime) -> list[ChangeLine]:
        return [
            ChangeLine(until, f"{s.name} status page", f"{s.state}: {s.detail}")
            for s in await read()
            if s.state in ("degraded", "down")
        ]

    return hook


CHECKS_SOURCE = {"key": "key checks"}


def check_changes_hook(db: Database, *, timeout_s: float = 5.0) -> ChangeHook:
    """A hook listing the bot's own checks whose state changed in the window (keys, sources):
    ``chatops.check_results`` keeps each check's latest outcome and when its state changed."""

    async def hook(since: datetime, until: datetime) -> list[ChangeLine]:
        async with db.connection(timeout_s) as conn:
            cur = await conn.execute(
                "SELECT check_id, state, title, detail, changed_at FROM chatops.check_results"
                " WHERE changed_at >= %s AND changed_at < %s ORDER BY changed_at DESC LIMIT 50",
                (since, until),
            )
            rows = await cur.fetchall()
        lines = []
        for check_id, state, title, detail, changed_at in rows:
            kind = str(check_id).split(":", 1)[0]
            what = f"{check_id} is now {state}" + (f": {title}" if title else "")
            if detail and state != "ok":
                what += f" ({detail[:200]})"
            lines.append(ChangeLine(changed_at, CHECKS_SOURCE.get(kind, "source checks"), what))
        return lines

    return hook
