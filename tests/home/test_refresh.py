"""What keeps App Home current: the viewers remembered in Redis for a while, and the notifier
wrapper that signals every incident change without ever breaking or holding the alert."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis

from bot.home import HomeViewers, SignallingNotifier
from bot.incidents import RecordingNotifier
from bot.incidents.notify import NotifyError
from tests.clocks import HandClock
from tests.incidents.factories import incident_like


async def test_viewers_are_remembered_for_the_ttl_newest_first(redis: Redis) -> None:
    """Two replicas share the viewers; a viewer drops out once the TTL has passed."""
    clock = HandClock(1_800_000_000.0)
    one = HomeViewers(redis, ttl_s=600, clock=clock)
    other = HomeViewers(redis, ttl_s=600, clock=clock)
    await one.remember("U0ALICE")
    clock.now += 300
    await other.remember("U0KIM")
    assert await one.recent() == ["U0KIM", "U0ALICE"]
    clock.now += 301
    assert await other.recent() == ["U0KIM"]
    assert 0 < await redis.ttl("aisi:home:viewers") <= 601


async def test_viewers_are_capped(redis: Redis) -> None:
    """Only the most recent ``limit`` viewers are kept."""
    clock = HandClock(1_800_000_000.0)
    viewers = HomeViewers(redis, limit=3, clock=clock)
    for n in range(5):
        clock.now += 1
        await viewers.remember(f"U0USER{n}")
    assert await viewers.recent() == ["U0USER4", "U0USER3", "U0USER2"]


async def test_an_unreachable_redis_means_no_viewers_and_no_error() -> None:
    """Redis down: remembering is skipped and nobody is refreshed."""
    down = Redis.from_url("redis://127.0.0.1:9/0", socket_connect_timeout=1)
    try:
        viewers = HomeViewers(down)
        await viewers.remember("U0ALICE")
        assert await viewers.recent() == []
    finally:
        await down.aclose()


async def test_every_incident_change_is_signalled_even_when_slack_fails() -> None:
    """A posted or updated message signals; a failed one too (the stores changed anyway);
    a thread line does not; a signal that raises never reaches the alert path."""
    inner = RecordingNotifier()
    signals: list[int] = []
    notifier = SignallingNotifier(inner, lambda: signals.append(1))
    incident = incident_like("db_down", "Database down")
    await notifier.incident_changed(incident, None)
    assert len(signals) == 1
    inner.fail_methods.add("incident_changed")
    with pytest.raises(NotifyError):
        await notifier.incident_changed(incident, None)
    assert len(signals) == 2

    def broken() -> None:
        raise RuntimeError("refresh queue gone")

    inner.fail_methods.clear()
    quiet = SignallingNotifier(inner, broken)
    assert await quiet.incident_changed(incident, None) is None
    assert [c.method for c in inner.calls] == ["incident_changed"] * 3
