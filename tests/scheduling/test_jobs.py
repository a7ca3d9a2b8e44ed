"""The five jobs on the scheduler: one Slack post and one incident change per firing, however
many replicas run."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import psycopg
from slack_sdk.errors import SlackApiError

from bot.checks import CheckResultStore, CheckRunner, NamedCheck
from bot.incidents import EscalationPolicy, IncidentService, RecordingNotifier, State
from bot.reports import ReportBuilder
from bot.scheduling import Firing, ScheduleConfig, Scheduler, TriggerKind, TriggerSpec
from bot.slack.client import build_web_client
from bot.slack.post import PostError, PostMessage
from bot.slack.render import Message, Renderer
from bot.sources.aa_api import parse_aa_api
from bot.sources.records import SourceResult
from bot.stores.cache import build_redis
from bot.stores.db import Database
from bot.sync.service import SourceStep, SyncService
from jobs import daily_report, escalations, source_checks, sync
from jobs.catalog import JobServices, register_all
from local_slack.server import LocalSlack
from tests.conftest import BOT_TOKEN
from tests.incidents.conftest import FakeClock, alert
from tests.scheduling.conftest import backup_check, job_rows
from tests.sync_upstreams import GITHUB_PATH, aa_api_body, fixture_json
from tests.upstreams import Upstreams

EVERY_SECOND = TriggerSpec(TriggerKind.INTERVAL, "1s", 1.0)
FAST = ScheduleConfig(
    daily_report=TriggerSpec(TriggerKind.INTERVAL, "2s", 2.0),
    source_checks=EVERY_SECOND,
    misfire_grace_s=60,
)
Pools = Callable[[], Awaitable[Database]]


@dataclass(frozen=True)
class ReportServices:
    """What the daily report job needs, for one replica."""

    reports: ReportBuilder
    renderer: Renderer
    post: PostMessage
    language: str = "en"


@dataclass(frozen=True)
class CheckServices:
    """What the source checks job needs, for one replica."""

    check_runner: CheckRunner
    source_checks: list[NamedCheck]


def slack_poster(local_slack: LocalSlack) -> PostMessage:
    """Post to #ai-monitoring on the local Slack server, as the wiring will."""
    client = build_web_client(token=BOT_TOKEN, base_url=local_slack.api_url)

    async def post(message: Message) -> None:
        try:
            await client.chat_postMessage(channel="#ai-monitoring", **message.as_kwargs())
        except SlackApiError as exc:
            raise PostError(f"Slack refused the message: {exc.response.get('error')}") from exc

    return post


def service_on(db: Database, notifier: RecordingNotifier) -> IncidentService:
    """An incident service on the real clock (the scheduler runs in real time)."""
    return IncidentService(db, policy=EscalationPolicy(flap_threshold=2), notifier=notifier)


async def test_three_replicas_post_one_daily_report_per_firing(
    replica_pools: Pools, local_slack: LocalSlack, database_url: str
) -> None:
    """daily_report every 2 s on three replicas: one job_runs row and one post per firing."""
    replicas = []
    for n in range(3):
        db = await replica_pools()
        reports = ReportBuilder(
            db, incidents=service_on(db, RecordingNotifier()), timezone="Asia/Seoul"
        )
        scheduler = Scheduler(db, config=FAST, replica=f"replica-{n}")
        daily_report.register(
            scheduler, ReportServices(reports, Renderer(), slack_poster(local_slack))
        )
        replicas.append(scheduler)
    await asyncio.gather(*(r.start() for r in replicas))
    try:
        await local_slack.wait_for("chat.postMessage", predicate=lambda c: c.index >= 2, timeout=20)
        for replica in replicas:
            await replica.wait_until(lambda r: r.counts["won"] + r.counts["lost"] >= 3, 15)
    finally:
        await asyncio.gather(*(r.shutdown(wait_s=10) for r in replicas))
    rows = await job_rows(database_url, "daily_report")
    posts = local_slack.calls_for("chat.postMessage")
    assert len(rows) == len({row[0] for row in rows}) == len(posts) >= 3
    assert {row[2] for row in rows} == {"ok"} and all(call.ok for call in posts)
    assert all(call.body["text"].startswith("Daily report ") for call in posts)


async def test_three_replicas_checking_a_placeholder_backup_open_one_incident(
    replica_pools: Pools, upstreams: Upstreams, database_url: str
) -> None:
    """source_checks every second on three replicas: one incident, one repeat per firing."""
    upstreams.route(GITHUB_PATH, json=fixture_json("github_backup_aa-models.json"))
    notifier = RecordingNotifier()
    replicas = []
    async with httpx.AsyncClient(timeout=5) as http:
        for n in range(3):
            db = await replica_pools()
            runner = CheckRunner(incidents=service_on(db, notifier), store=CheckResultStore(db))
            now = FakeClock(datetime.now(UTC))
            checks = [backup_check(upstreams, http, now)]
            scheduler = Scheduler(db, config=FAST, replica=f"replica-{n}")
            source_checks.register(scheduler, CheckServices(runner, checks))
            replicas.append(scheduler)
        await asyncio.gather(*(r.start() for r in replicas))
        try:
            await notifier.wait_for(lambda calls: any(c.incident.count >= 3 for c in calls), 20)
        finally:
            await asyncio.gather(*(r.shutdown(wait_s=10) for r in replicas))
    firings = len([row for row in await job_rows(database_url, "source_checks") if row[2] == "ok"])
    async with await psycopg.AsyncConnection.connect(database_url) as conn:
        cur = await conn.execute("SELECT dedup_key, count FROM chatops.incidents")
        incidents = await cur.fetchall()
    # The first failure is a flap; every later firing adds exactly one repeat.
    assert incidents == [("source:github_backup:placeholder", firings - 1)]
    opened = [c for c in notifier.named("incident_changed") if c.args["event"] is not None]
    assert len(opened) == 1


async def test_the_sync_job_applies_counts_and_alerts_on_refusals(
    db: Database, redis_url: str, incidents: IncidentService, clock: FakeClock
) -> None:
    """Applied: today's counts recorded. Refused twice (275 → 15): one 'Scheduled sync' incident."""
    records = parse_aa_api(aa_api_body())
    served = {"count": len(records)}

    async def fetch() -> SourceResult:
        return SourceResult("aa_api", "ok", "", tuple(records[: served["count"]]))

    redis = build_redis(redis_url)
    service = SyncService(
        db=db,
        redis=redis,
        steps=[SourceStep("aa_api", frozenset({"aa"}), fetch)],
        cache_prefixes=(),
        max_deactivate_share=0.2,
        min_active_models=10,
    )
    services = JobServices(
        reports=ReportBuilder(db, incidents=incidents, timezone="Asia/Seoul", clock=clock),
        renderer=Renderer(),
        post=_never_post,
        check_runner=None,  # type: ignore[arg-type]
        source_checks=(),
        key_checks=(),
        sync=service,
        incidents=incidents,
    )
    firing = Firing("sync", clock(), "r", 0.0)
    try:
        first = await sync.run_sync(services, firing)
        assert first.ok and first.detail.startswith("applied; 276 added")
        report = await services.reports.build()
        assert report.models.total is not None and report.models.total.today == 276
        served["count"] = 15
        refused = [await sync.run_sync(services, firing) for _ in range(2)]
    finally:
        await redis.aclose()
    assert [r.ok for r in refused] == [False, False]
    assert refused[0].detail.startswith("refused: ")
    (incident,) = await incidents.list_open()
    assert (incident.dedup_key, incident.title, incident.state) == (
        "sync:scheduled",
        "Scheduled sync failing",
        State.OPEN,
    )


async def _never_post(message: Message) -> None:
    raise AssertionError("this job posts nothing")


async def test_the_escalations_job_fires_due_timers(
    incidents: IncidentService, clock: FakeClock, notifier: RecordingNotifier
) -> None:
    """An unacknowledged incident past its wait: the job escalates it to Level 2 once."""
    await incidents.raise_alert(alert("db_down"), actor="system")
    clock.advance(601)
    result = await escalations.run_escalations(incidents, Firing("escalations", clock(), "r", 0))
    again = await escalations.run_escalations(incidents, Firing("escalations", clock(), "r", 0))
    assert result.detail.startswith("1 timer(s) fired (1 escalated)")
    assert again.detail.startswith("0 timer(s) fired")
    assert [c.args["user_ids"] for c in notifier.named("page_level2")] == [("UPRIMARY",)]


async def test_a_post_slack_refuses_is_the_firing_failure(
    db: Database, incidents: IncidentService, clock: FakeClock, local_slack: LocalSlack
) -> None:
    """Slack answers an error: the job returns failed with Slack's reason, nothing raised."""
    local_slack.fail_next("chat.postMessage", error="channel_not_found")
    services = ReportServices(
        ReportBuilder(db, incidents=incidents, timezone="Asia/Seoul", clock=clock),
        Renderer(),
        slack_poster(local_slack),
    )
    result = await daily_report.run_daily_report(
        services, None, Firing("daily_report", clock(), "r", 0)
    )
    assert not result.ok
    assert result.detail.endswith("not posted: Slack refused the message: channel_not_found")


async def test_register_all_schedules_the_enabled_jobs(db: Database) -> None:
    """All five ids are known; a job that is 'off' is listed with no next run."""
    config = ScheduleConfig(sync=TriggerSpec(TriggerKind.OFF, "off"))
    scheduler = Scheduler(db, config=config, replica="r")
    services = JobServices(
        reports=None,
        renderer=Renderer(),
        post=_never_post,
        check_runner=None,  # type: ignore[arg-type]
        source_checks=(),
        key_checks=(),
        sync=None,
        incidents=None,  # type: ignore[arg-type]
    )
    enabled = register_all(scheduler, services)
    assert enabled == ["daily_report", "source_checks", "key_checks", "escalations"]
    statuses = {s.job_id: s for s in await scheduler.statuses()}
    assert list(statuses) == ["daily_report", "source_checks", "key_checks", "sync", "escalations"]
    assert (statuses["sync"].trigger, statuses["sync"].next_run_at) == ("off", None)
    assert statuses["daily_report"].trigger == "cron 0 9 * * *"
    assert statuses["daily_report"].next_run_at is not None
    assert statuses["daily_report"].next_run_at.astimezone(ZoneInfo("Asia/Seoul")).hour == 9


async def test_the_daily_report_prunes_job_runs_older_than_90_days(
    db: Database, incidents: IncidentService, clock: FakeClock, local_slack: LocalSlack
) -> None:
    """After posting, firings older than 90 days are deleted; newer ones stay."""
    reports = ReportBuilder(db, incidents=incidents, timezone="Asia/Seoul", clock=clock)
    services = ReportServices(reports, Renderer(), slack_poster(local_slack))
    scheduler = Scheduler(db, config=ScheduleConfig(), replica="r")
    daily_report.register(scheduler, services)
    now = clock()
    for days in (100, 10):
        at = now - timedelta(days=days)
        await scheduler.runs.claim(job_id="daily_report", scheduled_for=at, replica="r", now=at)
    result = await daily_report.run_daily_report(
        services, scheduler, Firing("daily_report", now, "r", 0)
    )
    assert result.ok and result.detail.endswith("; 1 job runs older than 90 days pruned")
    statuses = await scheduler.statuses()
    assert statuses[0].last_run is not None
    assert statuses[0].last_run.scheduled_for == now - timedelta(days=10)
