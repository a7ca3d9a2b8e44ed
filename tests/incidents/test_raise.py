"""Raising and clearing by dedup key on real PostgreSQL: dedupe, counts, new incidents."""

from __future__ import annotations

import asyncio

import psycopg

from bot.incidents import Action, EventKind, IncidentService, RecordingNotifier, State
from tests.incidents.conftest import FakeClock, alert


async def test_first_alert_opens_and_posts_once(
    service: IncidentService, notifier: RecordingNotifier
) -> None:
    """A new key opens an incident at Level 1, posts its message and remembers where."""
    outcome = await service.raise_alert(alert("app_down"), actor="alert:uptime")
    assert outcome.action is Action.CREATED
    incident = outcome.incident
    assert incident is not None
    assert (incident.state, int(incident.level), incident.count) == (State.OPEN, 1, 1)
    assert incident.message_ts is not None and incident.channel == "C-INCIDENTS"
    assert outcome.as_json() == {"incident_id": incident.id, "state": "open", "action": "created"}
    posts = notifier.named("incident_changed")
    assert len(posts) == 1 and posts[0].args["event"].kind is EventKind.OPENED
    assert [e.kind for e in await service.timeline(incident.id)] == [EventKind.OPENED]


async def test_repeat_updates_count_and_last_seen_in_place(
    service: IncidentService, notifier: RecordingNotifier, clock: FakeClock
) -> None:
    """A repeat of an open incident counts it, moves last seen, and updates (no new post)."""
    first = await service.raise_alert(alert("app_down"), actor="alert:uptime")
    clock.advance(30)
    again = await service.raise_alert(
        alert("app_down", severity="warning", title="still down"), actor="alert:uptime"
    )
    assert again.action is Action.UPDATED
    assert again.incident is not None and first.incident is not None
    assert again.incident.id == first.incident.id
    assert again.incident.count == 2
    assert again.incident.last_seen == clock.now
    assert again.incident.first_seen == first.incident.first_seen
    assert again.incident.title == "still down"
    changed = notifier.named("incident_changed")
    assert len(changed) == 2 and changed[1].args["event"] is None
    assert len(await service.timeline(first.incident.id)) == 1


async def test_storm_of_1000_alerts_over_20_keys_gives_20_incidents_with_exact_counts(
    service: IncidentService, notifier: RecordingNotifier, database_url: str
) -> None:
    """1,000 concurrent raises over 20 keys: 20 incidents, 20 posts, each count exactly 50."""
    keys = [f"key-{i:02d}" for i in range(20)]
    outcomes = await asyncio.gather(
        *(service.raise_alert(alert(keys[n % 20]), actor="alert:storm") for n in range(1000))
    )
    assert sum(o.action is Action.CREATED for o in outcomes) == 20
    assert sum(o.action is Action.UPDATED for o in outcomes) == 980
    opened = [c for c in notifier.named("incident_changed") if c.args["event"] is not None]
    assert len(opened) == 20
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT dedup_key, count, message_ts IS NOT NULL FROM chatops.incidents"
        ).fetchall()
        events = conn.execute("SELECT count(*) FROM chatops.incident_events").fetchone()
    assert sorted(r[0] for r in rows) == keys
    assert {r[1] for r in rows} == {50}
    assert all(r[2] for r in rows)
    assert events == (20,)


async def test_resolved_alert_resolves_and_a_later_firing_opens_a_new_incident(
    service: IncidentService, notifier: RecordingNotifier
) -> None:
    """firing → resolved → firing: the second firing is a new incident; the old stays resolved."""
    first = await service.raise_alert(alert("db_down"), actor="alert:gha")
    cleared = await service.raise_alert(alert("db_down", status="resolved"), actor="alert:gha")
    again = await service.raise_alert(alert("db_down"), actor="alert:gha")
    assert [first.action, cleared.action, again.action] == [
        Action.CREATED,
        Action.RESOLVED,
        Action.CREATED,
    ]
    assert first.incident and cleared.incident and again.incident
    assert cleared.incident.id == first.incident.id
    assert cleared.incident.state is State.RESOLVED
    assert cleared.incident.resolved_by == "alert:gha"
    assert cleared.incident.resolution_note == "the alert's source reported it resolved"
    assert again.incident.id != first.incident.id
    assert (await service.get(first.incident.id)).state is State.RESOLVED
    lines = [c.args["event"].kind for c in notifier.named("thread_line")]
    assert lines == [EventKind.RESOLVED]


async def test_resolved_alert_for_an_unknown_key_is_ignored(
    service: IncidentService, database_url: str
) -> None:
    """A resolved status with no open incident answers ignored and writes nothing."""
    outcome = await service.raise_alert(alert("never_seen", status="resolved"), actor="alert:x")
    assert outcome.action is Action.IGNORED and outcome.incident is None
    assert outcome.as_json() == {"incident_id": None, "state": None, "action": "ignored"}
    with psycopg.connect(database_url) as conn:
        assert conn.execute("SELECT count(*) FROM chatops.incidents").fetchone() == (0,)


async def test_clear_by_key_is_the_cli_path(service: IncidentService) -> None:
    """clear() resolves the key's open incident with the actor and note given."""
    await service.raise_alert(alert("sync_failed"), actor="cli:alice")
    outcome = await service.clear("sync_failed", actor="cli:alice", note="fixed by hand")
    assert outcome.action is Action.RESOLVED and outcome.incident is not None
    assert outcome.incident.resolution_note == "fixed by hand"
    assert (await service.clear("sync_failed", actor="cli:alice")).action is Action.IGNORED


async def test_listing_open_and_all_as_json(service: IncidentService) -> None:
    """list_open shows open ones, most severe first; list_all includes resolved; JSON-able."""
    await service.raise_alert(alert("a", severity="info"), actor="system")
    await service.raise_alert(alert("b", severity="critical"), actor="system")
    await service.raise_alert(alert("c", severity="warning"), actor="system")
    await service.clear("c", actor="system")
    assert [i.dedup_key for i in await service.list_open()] == ["b", "a"]
    everything = [i.as_json() for i in await service.list_all()]
    assert [i["dedup_key"] for i in everything] == ["c", "b", "a"]
    assert {"id", "dedup_key", "state", "level", "count"} <= set(everything[0])
    assert everything[0]["state"] == "resolved"


async def test_details_are_kept_as_given_and_a_bare_repeat_keeps_them(
    service: IncidentService,
) -> None:
    """Text or object details round-trip; a repeat without details keeps the earlier ones."""
    text = await service.raise_alert(alert("a", details="pool exhausted"), actor="x")
    obj = await service.raise_alert(alert("b", details={"url": "/api", "code": 500}), actor="x")
    assert text.incident and text.incident.details == "pool exhausted"
    assert obj.incident and obj.incident.details == {"url": "/api", "code": 500}
    again = await service.raise_alert(alert("b"), actor="x")
    assert again.incident and again.incident.details == {"url": "/api", "code": 500}
