"""Coalesce updates per key: the latest payload wins, at most one send per interval per key.

Used for ``chat.update`` of an incident message (a storm of 1,000 repeats becomes a
handful of updates) and for progress messages. The send function may raise
``RetryAfter(seconds)`` (Slack's 429 ``Retry-After``): the key then waits that long and
sends its latest payload. ``aclose`` flushes what is pending within a grace period.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

K = TypeVar("K", bound=Hashable)
P = TypeVar("P")


class RetryAfter(Exception):
    """Raised by a send function: the receiver asked to wait ``seconds`` before the next send."""

    def __init__(self, seconds: float) -> None:
        self.seconds = max(0.0, float(seconds))
        super().__init__(f"retry after {self.seconds:g} s")


class CoalescerClosedError(RuntimeError):
    """``submit`` after ``aclose``."""


_NOTHING = object()


@dataclass
class _Slot:
    pending: object = _NOTHING
    not_before: float = 0.0
    retries: int = 0
    task: asyncio.Task[None] | None = None
    sending: bool = False


@dataclass(frozen=True)
class CoalescerStats:
    """What a coalescer did: payloads submitted, sends made, sends superseded, dropped."""

    submitted: int
    sent: int
    replaced: int
    dropped: int


class Coalescer(Generic[K, P]):
    """Per key, keep only the latest payload and send it at most once per ``interval_s``.

    The first payload of a quiet key is sent at once; later ones wait for the interval (or a
    ``RetryAfter``), and only the newest is sent. A send that fails otherwise is logged and
    dropped (the next payload goes on); a payload refused ``max_retries`` times is dropped.
    """

    def __init__(
        self,
        send: Callable[[K, P], Awaitable[None]],
        *,
        interval_s: float = 1.0,
        max_retries: int = 5,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self._send = send
        self._interval_s = interval_s
        self._max_retries = max_retries
        self._clock = clock or (lambda: asyncio.get_running_loop().time())
        self._slots: dict[K, _Slot] = {}
        self._closed = False
        self._submitted = self._sent = self._replaced = self._dropped = 0

    @property
    def stats(self) -> CoalescerStats:
        """Counts so far."""
        return CoalescerStats(self._submitted, self._sent, self._replaced, self._dropped)

    def pending_keys(self) -> list[K]:
        """Keys with a payload not sent yet."""
        return [k for k, slot in self._slots.items() if slot.pending is not _NOTHING]

    def submit(self, key: K, payload: P) -> None:
        """Queue the latest payload for a key (replacing an unsent one); never waits."""
        if self._closed:
            raise CoalescerClosedError("the coalescer is closed")
        self._submitted += 1
        slot = self._slots.setdefault(key, _Slot())
        if slot.pending is not _NOTHING:
            self._replaced += 1
        slot.pending = payload
        slot.retries = 0
        if slot.task is None:
            slot.task = asyncio.get_running_loop().create_task(self._drain(key, slot))

    async def send_now(self, key: K, payload: P) -> None:
        """Send ``payload`` as the key's latest at once (a final state): it supersedes a
        pending payload and does not wait for the interval, only for a send in progress.
        Raises what the send function raises."""
        slot = self._slots.setdefault(key, _Slot())
        if slot.pending is not _NOTHING:
            slot.pending = _NOTHING
            self._replaced += 1
        task = slot.task
        if task is not None:
            if not slot.sending:
                task.cancel()  # waiting out the interval: nothing of it is left to send
            await asyncio.wait({task})  # a send in progress lands first (never cancelled here)
        self._submitted += 1
        await self._send(key, payload)
        self._sent += 1
        slot.not_before = self._clock() + self._interval_s

    async def flush(self, timeout_s: float | None = None) -> None:
        """Wait until every queued payload has been sent (or dropped)."""
        async with asyncio.timeout(timeout_s):
            while True:
                tasks = [s.task for s in self._slots.values() if s.task is not None]
                if not tasks:
                    return
                await asyncio.wait(tasks)

    async def aclose(self, *, timeout_s: float = 5.0) -> list[K]:
        """Stop taking payloads, send what is pending within ``timeout_s``; returns unsent keys."""
        self._closed = True
        with contextlib.suppress(TimeoutError):
            await self.flush(timeout_s)
        abandoned = self.pending_keys()
        for slot in self._slots.values():
            if slot.task is not None:
                slot.task.cancel()
        tasks = [s.task for s in self._slots.values() if s.task is not None]
        await asyncio.gather(*tasks, return_exceptions=True)
        if abandoned:
            log.warning("coalescer closed with %d unsent update(s)", len(abandoned))
        return abandoned

    async def _drain(self, key: K, slot: _Slot) -> None:
        try:
            while slot.pending is not _NOTHING:
                delay = slot.not_before - self._clock()
                if delay > 0:
                    await asyncio.sleep(delay)
                    continue
                payload = slot.pending
                slot.pending = _NOTHING
                slot.not_before = self._clock() + self._interval_s
                slot.sending = True
                try:
                    await self._send_one(key, slot, payload)
                finally:
                    slot.sending = False
        finally:
            slot.task = None
            self._prune()

    async def _send_one(self, key: K, slot: _Slot, payload: object) -> None:
        try:
            await self._send(key, payload)  # type: ignore[arg-type]
        except RetryAfter as exc:
            slot.not_before = max(slot.not_before, self._clock() + exc.seconds)
            slot.retries += 1
            if slot.retries > self._max_retries:
                self._dropped += 1
                log.warning("update dropped after %d refusals", slot.retries)
            elif slot.pending is _NOTHING:
                slot.pending = payload  # nothing newer: send this one again after the wait
            return
        except Exception:  # an injected send's failure must not stop the other keys
            self._dropped += 1
            log.exception("coalesced send failed (error id %s)", uuid.uuid4().hex[:8])
            return
        self._sent += 1
        slot.retries = 0

    def _prune(self, keep: int = 10_000) -> None:
        """Forget idle keys whose interval has passed once there are many."""
        if len(self._slots) <= keep:
            return
        now = self._clock()
        for k in [
            k
            for k, s in self._slots.items()
            if s.task is None and s.pending is _NOTHING and s.not_before <= now
        ]:
            del self._slots[k]
