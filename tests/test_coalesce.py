"""The update coalescer: latest payload wins, one send per interval per key, Retry-After."""

from __future__ import annotations

import asyncio
import itertools
import logging

import pytest

from bot.slack.coalesce import Coalescer, CoalescerClosedError, RetryAfter

INTERVAL = 0.05


class Receiver:
    """A fake send function recording (key, payload, loop time); scripted refusals."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, int, float]] = []
        self.refusals: list[BaseException] = []
        self.arrived = asyncio.Condition()

    async def __call__(self, key: str, payload: int) -> None:
        async with self.arrived:
            if self.refusals:
                raise self.refusals.pop(0)
            self.sent.append((key, payload, asyncio.get_running_loop().time()))
            self.arrived.notify_all()

    def of(self, key: str) -> list[tuple[int, float]]:
        return [(p, t) for k, p, t in self.sent if k == key]

    async def wait_count(self, count: int, timeout_s: float = 2.0) -> None:
        async with asyncio.timeout(timeout_s), self.arrived:
            await self.arrived.wait_for(lambda: len(self.sent) >= count)


def gaps(times: list[float]) -> list[float]:
    return [b - a for a, b in itertools.pairwise(times)]


async def test_a_burst_becomes_the_first_and_the_latest() -> None:
    """A quiet key sends at once; 99 more within the interval become one send of the latest."""
    receiver = Receiver()
    coalescer: Coalescer[str, int] = Coalescer(receiver, interval_s=INTERVAL)
    coalescer.submit("msg-1", 0)
    await receiver.wait_count(1)
    for n in range(1, 100):
        coalescer.submit("msg-1", n)
    await coalescer.flush(timeout_s=2)
    assert [p for p, _ in receiver.of("msg-1")] == [0, 99]
    stats = coalescer.stats
    assert (stats.submitted, stats.sent, stats.replaced) == (100, 2, 98)


async def test_payloads_submitted_together_send_only_the_latest() -> None:
    """Submitted before the sender even ran: one send, the newest payload."""
    receiver = Receiver()
    coalescer: Coalescer[str, int] = Coalescer(receiver, interval_s=INTERVAL)
    for n in range(10):
        coalescer.submit("msg-1", n)
    await coalescer.flush(timeout_s=2)
    assert [p for p, _ in receiver.of("msg-1")] == [9]


async def test_sends_per_key_are_at_least_an_interval_apart_and_keys_are_independent() -> None:
    """A steady stream over 5 keys: per key every gap is >= the interval; the last value wins."""
    receiver = Receiver()
    coalescer: Coalescer[str, int] = Coalescer(receiver, interval_s=INTERVAL)
    for n in range(200):
        coalescer.submit(f"k{n % 5}", n)
        if n % 20 == 0:
            await asyncio.sleep(0.01)  # the producer's own pace, not synchronisation
    await coalescer.flush(timeout_s=2)
    for k in range(5):
        sent = receiver.of(f"k{k}")
        assert sent[-1][0] == 195 + k
        assert all(gap >= INTERVAL * 0.99 for gap in gaps([t for _, t in sent]))
    assert coalescer.stats.sent < 200 / 2


async def test_retry_after_is_honoured_and_the_payload_is_not_lost() -> None:
    """RetryAfter(0.2): nothing is sent for that key before 0.2 s; then the latest goes."""
    receiver = Receiver()
    receiver.refusals.append(RetryAfter(0.2))
    coalescer: Coalescer[str, int] = Coalescer(receiver, interval_s=INTERVAL)
    started = asyncio.get_running_loop().time()
    coalescer.submit("msg", 1)
    await coalescer.flush(timeout_s=2)
    assert [p for p, _ in receiver.of("msg")] == [1]
    assert receiver.of("msg")[0][1] - started >= 0.2 * 0.99


async def test_a_newer_payload_replaces_a_refused_one() -> None:
    """A payload refused with RetryAfter is superseded by one submitted during the wait."""
    receiver = Receiver()
    receiver.refusals.append(RetryAfter(0.1))
    coalescer: Coalescer[str, int] = Coalescer(receiver, interval_s=INTERVAL)
    coalescer.submit("msg", 1)
    await asyncio.sleep(0)  # let the first attempt run
    coalescer.submit("msg", 2)
    await coalescer.flush(timeout_s=2)
    assert [p for p, _ in receiver.of("msg")] == [2]


async def test_a_failing_send_is_logged_and_later_payloads_still_go(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An unexpected error drops that payload only."""
    receiver = Receiver()
    receiver.refusals.append(RuntimeError("slack said no"))
    coalescer: Coalescer[str, int] = Coalescer(receiver, interval_s=INTERVAL)
    with caplog.at_level(logging.ERROR):
        coalescer.submit("msg", 1)
        await coalescer.flush(timeout_s=2)
        coalescer.submit("msg", 2)
        await coalescer.flush(timeout_s=2)
    assert [p for p, _ in receiver.of("msg")] == [2]
    assert coalescer.stats.dropped == 1
    assert "coalesced send failed" in caplog.text


async def test_repeated_refusals_drop_the_payload_after_max_retries() -> None:
    """max_retries refusals in a row: the payload is dropped, not retried forever."""
    receiver = Receiver()
    receiver.refusals.extend(RetryAfter(0) for _ in range(3))
    coalescer: Coalescer[str, int] = Coalescer(receiver, interval_s=0.01, max_retries=2)
    coalescer.submit("msg", 1)
    await coalescer.flush(timeout_s=2)
    assert receiver.sent == []
    assert coalescer.stats.dropped == 1


async def test_close_flushes_what_is_pending() -> None:
    """aclose sends each key's latest payload before returning."""
    receiver = Receiver()
    coalescer: Coalescer[str, int] = Coalescer(receiver, interval_s=INTERVAL)
    coalescer.submit("a", 1)
    await receiver.wait_count(1)
    coalescer.submit("a", 2)  # waits for the interval
    coalescer.submit("b", 3)
    assert await coalescer.aclose(timeout_s=2) == []
    assert sorted((k, p) for k, p, _ in receiver.sent) == [("a", 1), ("a", 2), ("b", 3)]
    with pytest.raises(CoalescerClosedError):
        coalescer.submit("a", 4)


async def test_close_gives_up_on_a_long_retry_after_and_names_the_key() -> None:
    """A 30 s Retry-After cannot be waited out at shutdown: the key is reported abandoned."""
    receiver = Receiver()
    receiver.refusals.append(RetryAfter(30))
    coalescer: Coalescer[str, int] = Coalescer(receiver, interval_s=INTERVAL)
    coalescer.submit("stuck", 1)
    await asyncio.sleep(0)
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert await coalescer.aclose(timeout_s=0.1) == ["stuck"]
    assert loop.time() - started < 2
    assert receiver.sent == []


async def test_send_now_supersedes_the_pending_payload_without_waiting() -> None:
    """A final payload goes at once: the pending one is never sent, the interval not waited."""
    receiver = Receiver()
    coalescer: Coalescer[str, int] = Coalescer(receiver, interval_s=600)
    coalescer.submit("msg-1", 1)
    await receiver.wait_count(1)
    coalescer.submit("msg-1", 2)  # waits out the 600 s interval
    await asyncio.wait_for(coalescer.send_now("msg-1", 3), 2)
    assert [p for p, _ in receiver.of("msg-1")] == [1, 3]
    assert coalescer.pending_keys() == []
    await coalescer.aclose(timeout_s=0)


async def test_send_now_lets_a_send_in_progress_land_first() -> None:
    """An update already on its way is not cut off: the final one arrives after it."""
    receiver = Receiver()
    started, gate = asyncio.Event(), asyncio.Event()

    async def slow(key: str, payload: int) -> None:
        if payload == 1:
            started.set()
            await gate.wait()
        await receiver(key, payload)

    coalescer: Coalescer[str, int] = Coalescer(slow, interval_s=600)
    coalescer.submit("msg-1", 1)
    await asyncio.wait_for(started.wait(), 2)
    final = asyncio.ensure_future(coalescer.send_now("msg-1", 2))
    await asyncio.sleep(0)  # one turn of the loop: send_now starts and finds a send in flight
    assert not final.done()
    gate.set()
    await asyncio.wait_for(final, 2)
    assert [p for p, _ in receiver.of("msg-1")] == [1, 2]


async def test_send_now_raises_what_the_send_raises() -> None:
    """The caller of a final send learns that it failed (and can tell the person otherwise)."""
    receiver = Receiver()
    receiver.refusals.append(RuntimeError("message_not_found"))
    coalescer: Coalescer[str, int] = Coalescer(receiver, interval_s=INTERVAL)
    with pytest.raises(RuntimeError, match="message_not_found"):
        await coalescer.send_now("msg-1", 1)
