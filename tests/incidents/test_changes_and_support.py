"""What changed in the last 24 h (sync runs, hooks, Vercel) and the Level 3 support request."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta

import httpx
import psycopg
import pytest

from bot.errors import DependencyError
from bot.incidents import Level, RecordingNotifier
from bot.incidents.changes import ChangeLine, WhatChanged, vendor_status_hook
from bot.incidents.support import (
    VendorContact,
    VendorStatus,
    build_support_request,
    relevant_vendors,
)
from bot.incidents.vercel import deployments_hook
from bot.settings.secrets import Secret
from bot.stores.db import Database
from bot.upstream.vercel import VercelDeployments
from tests.incidents.conftest import START, ServiceFactory, alert
from tests.incidents.factories import incident_like

VERCEL_TOKEN = "vercel-token-" + "q" * 20
CONTACTS = [
    VendorContact("Vercel", "https://www.vercel-status.com", "support@vercel.com"),
    VendorContact("Neon", "https://neonstatus.com", "support@neon.tech"),
    VendorContact("OpenAI", "https://status.openai.com", "https://help.openai.com"),
]


def add_sync_run(url: str, started: datetime, outcome: str, diff: dict[str, int]) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO chatops.sync_runs (trigger, scope, started_at, finished_at, diff, outcome)"
            " VALUES ('schedule', 'all', %s, %s, %s, %s)",
            (started, started, json.dumps(diff), outcome),
        )


def vercel_transport(seen: list[httpx.Request], status: int = 200) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        created = int((START - timedelta(hours=2)).timestamp() * 1000)
        return httpx.Response(
            status,
            json={
                "deployments": [
                    {
                        "uid": "dpl_1",
                        "url": "ai-server-information-abc.vercel.app",
                        "created": created,
                        "readyState": "READY",
                        "target": "production",
                        "creator": {"username": "ksy"},
                        "meta": {"githubCommitSha": "0123456789", "githubCommitMessage": "fix"},
                    }
                ]
            },
        )

    return httpx.MockTransport(handler)


async def test_sync_runs_and_hooks_make_lines_that_name_their_source(
    db: Database, database_url: str
) -> None:
    """Sync runs of the last 24 h with diff counts, plus each hook's lines, newest first."""
    add_sync_run(database_url, START - timedelta(hours=1), "applied", {"added": 3, "updated": 5})
    add_sync_run(database_url, START - timedelta(hours=30), "applied", {"added": 1})  # too old
    seen: list[httpx.Request] = []
    async with httpx.AsyncClient(transport=vercel_transport(seen)) as client:
        vercel = VercelDeployments(
            client, base_url="http://vercel.test", token=Secret(VERCEL_TOKEN), project_id="prj_1"
        )

        async def vendors() -> Sequence[VendorStatus]:
            return [
                VendorStatus("Neon", "degraded", "Elevated latency"),
                VendorStatus("OpenAI", "ok", ""),
            ]

        finder = WhatChanged(
            db, hooks={"Vercel": deployments_hook(vercel), "vendors": vendor_status_hook(vendors)}
        )
        lines = await finder.collect(now=START)
    assert [(line.source, line.text) for line in lines] == [
        ("Neon status page", "degraded: Elevated latency"),
        ("sync runs", lines[1].text),
        (
            "Vercel API",
            "deployment ai-server-information-abc.vercel.app (production) READY:"
            " 0123456 fix by ksy",
        ),
    ]
    assert (
        lines[1].text.startswith("sync #") and "3 added, 5 updated, 0 deactivated" in lines[1].text
    )
    request = seen[0]
    assert request.headers["Authorization"] == f"Bearer {VERCEL_TOKEN}"
    assert request.url.path == "/v6/deployments"
    assert request.url.params["projectId"] == "prj_1"
    assert request.url.params["since"] == str(int((START - timedelta(hours=24)).timestamp() * 1000))


async def test_a_failing_source_becomes_a_line_and_hides_nothing(
    db: Database, database_url: str
) -> None:
    """Vercel answering 500 is one 'could not be read' line; the sync lines still come."""
    add_sync_run(database_url, START - timedelta(minutes=5), "refused", {})
    async with httpx.AsyncClient(transport=vercel_transport([], status=500)) as client:
        vercel = VercelDeployments(
            client, base_url="http://vercel.test", token=Secret(VERCEL_TOKEN)
        )
        lines = await WhatChanged(db, hooks={"Vercel API": deployments_hook(vercel)}).collect(
            now=START
        )
    texts = {line.source: line.text for line in lines}
    assert texts["Vercel API"] == "could not be read: Vercel API is unavailable: HTTP 500"
    assert "refused" in texts["sync runs"]
    assert VERCEL_TOKEN not in json.dumps(texts)


async def test_vercel_garbage_is_a_dependency_error() -> None:
    """A body without a deployments list is named, not crashed on."""
    transport = httpx.MockTransport(lambda r: httpx.Response(200, text="<html>"))
    async with httpx.AsyncClient(transport=transport) as client:
        vercel = VercelDeployments(client, base_url="http://vercel.test", token=Secret("t" * 10))
        with pytest.raises(DependencyError, match="not JSON"):
            await vercel.since(START)


async def test_a_new_incident_gets_what_changed_in_its_thread(
    make_service: ServiceFactory, notifier: RecordingNotifier
) -> None:
    """what_changed lines reach the notifier once, when the incident opens."""

    async def changes(now: datetime) -> list[ChangeLine]:
        return [ChangeLine(now - timedelta(hours=1), "sync runs", "sync #7 applied")]

    service = make_service(what_changed=changes)
    await service.raise_alert(alert(), actor="x")
    await service.raise_alert(alert(), actor="x")
    calls = notifier.named("what_changed")
    assert len(calls) == 1 and calls[0].args["lines"][0].text == "sync #7 applied"


def test_relevant_vendors_follow_the_incident_and_troubled_pages() -> None:
    """A database incident names Neon; a degraded vendor joins; nothing matching lists all."""
    db_incident = incident_like("db_down", "Database unreachable")
    assert [v.name for v in relevant_vendors(db_incident, CONTACTS, [])] == ["Neon"]
    troubled = [VendorStatus("OpenAI", "down", "API outage")]
    assert [v.name for v in relevant_vendors(db_incident, CONTACTS, troubled)] == ["Neon", "OpenAI"]
    vague = incident_like("weird", "Something odd")
    assert [v.name for v in relevant_vendors(vague, CONTACTS, [])] == ["Vercel", "Neon", "OpenAI"]


async def test_level3_posts_a_ready_to_send_request(
    make_service: ServiceFactory, notifier: RecordingNotifier
) -> None:
    """Escalating to Level 3 posts summary, timeline, vendor state, contact and status page."""

    async def statuses() -> list[VendorStatus]:
        return [VendorStatus("Neon", "degraded", "Elevated error rates in us-east-2")]

    service = make_service(vendors=CONTACTS, vendor_status=statuses)
    outcome = await service.raise_alert(alert("db_down", title="Neon database errors"), actor="x")
    assert outcome.incident is not None
    await service.acknowledge(outcome.incident.id, actor="U1")
    await service.escalate(outcome.incident.id, level=Level.L3, actor="U1")
    request = notifier.named("level3_request")[0].args["request"]
    assert [v.name for v in request.vendors] == ["Neon"]
    neon = request.vendors[0]
    assert (neon.state, neon.contact, neon.page_url) == (
        "degraded",
        "support@neon.tech",
        "https://neonstatus.com",
    )
    assert "Neon database errors" in request.subject
    assert any("acknowledged — by U1" in line for line in request.timeline)
    assert any("escalated to Level 3" in line for line in request.timeline)


def test_support_request_without_vendor_readings_says_unknown() -> None:
    """No status reading: the vendor is listed as unknown, never as OK."""
    request = build_support_request(
        incident_like("db_down", "Database unreachable"),
        timeline=[],
        contacts=CONTACTS,
        statuses=[],
        now=START + timedelta(minutes=42),
    )
    assert request.vendors[0].state == "unknown"
    assert "(42 min)" in request.summary[2]
    assert request.incident_id == 1
