"""The bounded executor: a full queue refuses at once, shutdown finishes or visibly abandons."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from prometheus_client.parser import text_string_to_metric_families

from bot.app.metrics import Metrics
from bot.app.work import Admission, WorkExecutor


def _metric(metrics: Metrics, name: str, labels: dict[str, str] | None = None) -> float:
    for family in text_string_to_metric_families(metrics.render().decode()):
        for sample in family.samples:
            if sample.name == name and (labels is None or sample.labels == labels):
                return float(sample.value)
    raise AssertionError(f"no sample {name} {labels}")


def _held(
    started: asyncio.Event, release: asyncio.Event, log: list[str], tag: str
) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        started.set()
        await release.wait()
        log.append(tag)

    return run


async def test_full_queue_refuses_without_waiting_and_counts_it() -> None:
    """With every worker busy and the queue full, submit says QUEUE_FULL at once."""
    metrics = Metrics()
    work = WorkExecutor(workers=1, queue_length=2, metrics=metrics)
    work.start()
    release, started, done = asyncio.Event(), asyncio.Event(), list[str]()
    assert work.submit("/keys", _held(started, release, done, "a")) is Admission.ACCEPTED
    await asyncio.wait_for(started.wait(), 5)
    queued = [_held(asyncio.Event(), release, done, tag) for tag in "bcd"]
    assert work.submit("/health", queued[0]) is Admission.ACCEPTED
    assert work.submit("/health", queued[1]) is Admission.ACCEPTED
    assert work.submit("/health", queued[2]) is Admission.QUEUE_FULL
    assert (work.running, work.queued) == (1, 2)
    assert _metric(metrics, "aisi_work_queue_length") == 2
    assert _metric(metrics, "aisi_work_running") == 1
    assert _metric(metrics, "aisi_work_refused_total", {"work": "/health"}) == 1
    release.set()
    assert await work.wait_idle(5)
    assert sorted(done) == ["a", "b", "c"]
    assert _metric(metrics, "aisi_work_completed_total", {"work": "/health"}) == 2
    summary = await work.shutdown(1)
    assert summary.finished_in_grace


async def test_shutdown_cancels_after_the_grace_and_names_what_was_abandoned() -> None:
    """Past the grace, queued work is dropped (and told), running work cancelled; both counted."""
    metrics = Metrics()
    work = WorkExecutor(workers=1, queue_length=4, metrics=metrics)
    work.start()
    started, never = asyncio.Event(), asyncio.Event()
    cancelled = asyncio.Event()

    async def hangs() -> None:
        started.set()
        try:
            await never.wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    told: list[str] = []

    async def tell() -> None:
        told.append("not run")

    work.submit("/sync", hangs)
    await asyncio.wait_for(started.wait(), 5)
    work.submit("/health", hangs, abandon=tell)
    work.submit("/keys", hangs, abandon=tell)
    summary = await work.shutdown(0.05)
    assert told == ["not run", "not run"]
    assert not summary.finished_in_grace
    assert summary.abandoned_queued == {"/health": 1, "/keys": 1}
    assert summary.cancelled_running == {"/sync": 1}
    assert cancelled.is_set()
    assert "2 queued, never started (/health: 1, /keys: 1)" in summary.line()
    assert "1 running, cancelled (/sync: 1)" in summary.line()
    assert _metric(metrics, "aisi_work_abandoned_total", {"work": "/sync"}) == 1
    assert work.submit("/health", hangs) is Admission.STOPPING
    assert await work.wait_idle(0)


async def test_a_failing_item_does_not_stop_its_worker() -> None:
    """An exception escaping a work item is logged; the worker takes the next item."""
    work = WorkExecutor(workers=1, queue_length=2, metrics=Metrics())
    work.start()
    ran = asyncio.Event()

    async def fails() -> None:
        raise RuntimeError("boom")

    async def next_one() -> None:
        ran.set()

    work.submit("/health", fails)
    work.submit("/health", next_one)
    await asyncio.wait_for(ran.wait(), 5)
    assert (await work.shutdown(1)).finished_in_grace


async def test_urgent_work_starts_at_once_even_when_every_worker_is_busy() -> None:
    """start_now runs beside busy workers and a full queue (a dialog's trigger id cannot
    wait); it is bounded, counted for wait_idle, and cancelled by shutdown like the rest."""
    metrics = Metrics()
    work = WorkExecutor(workers=1, queue_length=1, metrics=metrics)
    work.start()
    release, busy, done = asyncio.Event(), asyncio.Event(), list[str]()
    assert work.submit("/sync", _held(busy, release, done, "busy")) is Admission.ACCEPTED
    await asyncio.wait_for(busy.wait(), 5)
    assert work.submit("/sync", _held(asyncio.Event(), release, done, "queued")) is (
        Admission.ACCEPTED
    )
    opened = asyncio.Event()

    async def open_dialog() -> None:
        opened.set()

    assert work.start_now("/recover", open_dialog) is Admission.ACCEPTED
    await asyncio.wait_for(opened.wait(), 5)
    hold_started, hold = asyncio.Event(), asyncio.Event()
    assert work.start_now("/recover", _held(hold_started, hold, done, "urgent")) is (
        Admission.ACCEPTED
    )
    await asyncio.wait_for(hold_started.wait(), 5)
    assert work.start_now("/recover", open_dialog) is Admission.QUEUE_FULL  # one per worker
    assert not await work.wait_idle(0.05)
    summary = await work.shutdown(0.05)
    assert not summary.finished_in_grace
    assert summary.cancelled_running == {"/sync": 1, "/recover": 1}
    assert work.start_now("/recover", open_dialog) is Admission.STOPPING
    assert done == []
    assert _metric(metrics, "aisi_work_completed_total", {"work": "/recover"}) == 1
