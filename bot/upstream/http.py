"""The probes' shared HTTP plumbing: one timed GET that never raises, JSON off the loop."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

from bot.upstream import bounded_json

Facts = dict[str, str | int | float | None]

DEFAULT_TIMEOUT_S = 10.0
_BIG_BODY_BYTES = 256 * 1024  # larger JSON bodies are decoded off the event loop
_MESSAGE_LIMIT = 200


@dataclass(frozen=True)
class Fetched:
    """One GET: the response, or a transport failure word ("timeout"/"unreachable")."""

    response: httpx.Response | None
    latency_ms: float
    failure: str = ""
    detail: str = ""


def short(text: str, limit: int = _MESSAGE_LIMIT) -> str:
    """One line, at most ``limit`` characters."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


async def http_get(
    client: httpx.AsyncClient,
    url: str,
    *,
    timeout_s: float,
    headers: Mapping[str, str] | None = None,
    params: Mapping[str, str] | None = None,
) -> Fetched:
    """GET ``url``, time it, and turn transport errors into words (never raises httpx)."""
    started = time.perf_counter()

    def elapsed() -> float:
        return (time.perf_counter() - started) * 1000

    try:
        response = await client.get(url, headers=headers, params=params, timeout=timeout_s)
    except httpx.TimeoutException:
        return Fetched(None, elapsed(), "timeout", f"timeout after {timeout_s:g} s")
    except (httpx.RequestError, httpx.InvalidURL) as exc:
        # Request headers (where keys live) are never part of these messages.
        reason = short(f"{type(exc).__name__}: {exc}".rstrip(": "), 120)
        return Fetched(None, elapsed(), "unreachable", f"unreachable ({reason})")
    return Fetched(response, elapsed())


async def read_json(response: httpx.Response) -> object:
    """The decoded JSON body; raises ValueError when the body is not JSON (or nests deeper
    than ``bounded_json.MAX_DEPTH``)."""
    content = response.content
    if len(content) > _BIG_BODY_BYTES:
        return await asyncio.to_thread(bounded_json.loads, content)
    return bounded_json.loads(content)


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date)."""
    if not value or not value.strip():
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        try:
            when = parsedate_to_datetime(value.strip())
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return max(0.0, seconds) if math.isfinite(seconds) else None
