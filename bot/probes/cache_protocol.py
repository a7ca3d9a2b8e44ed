"""The small cache the probes need, and an in-memory one for tests and local use.

Probes store short JSON strings (a parsed probe result) under a key for a few
seconds to an hour, so that an upstream with a request quota (Artificial Analysis)
or a slow status page is not called on every slash command. The production
implementation sits on Redis; this module states the contract and how a ProbeResult
is written to and read back from it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Protocol, runtime_checkable

from bot.probes.base import ProbeResult, ProbeState


@runtime_checkable
class ResultCache(Protocol):
    """A string cache with a time to live per entry."""

    async def get(self, key: str) -> str | None:
        """The stored value, or None when absent or expired."""
        ...

    async def set(self, key: str, value: str, ttl_s: int) -> None:
        """Store ``value`` under ``key`` for ``ttl_s`` seconds."""
        ...


class MemoryResultCache:
    """An in-process ResultCache; ``clock`` (monotonic seconds) is injectable for tests."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._entries: dict[str, tuple[str, float]] = {}

    async def get(self, key: str) -> str | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        value, expires_at = entry
        if self._clock() >= expires_at:
            del self._entries[key]
            return None
        return value

    async def set(self, key: str, value: str, ttl_s: int) -> None:
        if ttl_s <= 0:
            self._entries.pop(key, None)
            return
        self._entries[key] = (value, self._clock() + ttl_s)

    def __len__(self) -> int:
        return len(self._entries)


def encode_cached(result: ProbeResult, checked_at: float) -> str:
    """A ProbeResult as JSON for a ResultCache, stamped with when it was checked."""
    data = {
        "name": result.name,
        "group": result.group,
        "state": result.state.value,
        "latency_ms": result.latency_ms,
        "detail": result.detail,
        "status": result.status,
        "facts": result.facts,
        "checked_at": checked_at,
    }
    return json.dumps(data)


def decode_cached(raw: str, now: float) -> ProbeResult | None:
    """A cached ProbeResult marked ``cached`` with its age; None if unreadable."""
    try:
        data = json.loads(raw)
        age = max(0, int(now - float(data["checked_at"])))
        latency = data["latency_ms"]
        facts: dict[str, str | int | float | None] = {
            str(k): v
            for k, v in dict(data["facts"]).items()
            if v is None or isinstance(v, str | int | float)
        }
        facts.update(cached="yes", cache_age_s=age)
        return ProbeResult(
            name=str(data["name"]),
            group=str(data["group"]),
            state=ProbeState(data["state"]),
            latency_ms=float(latency) if latency is not None else None,
            detail=f"{data['detail']} (cached, {age} s old)",
            status=str(data["status"]),
            facts=facts,
        )
    except (ValueError, KeyError, TypeError):
        return None
