"""`aisi-bot jobs` and `aisi-bot report` as real processes, with no bot serving; an applied
sync records today's model counts; `aisi-bot health ops` shows the scheduler."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg

from bot.scheduling import JobRunStore, Outcome
from bot.scheduling.triggers import JobTrigger, TriggerKind, TriggerSpec
from bot.stores.db import Database
from local_slack.server import LocalSlack
from tests.harness import run_cli
from tests.scheduling.serving import healthy_sources, serving_env
from tests.sync_upstreams import PROVIDER_MODELS, SyncUpstreams

SEOUL = ZoneInfo("Asia/Seoul")
DEFAULTS = {
    "daily_report": "0 9 * * *",
    "source_checks": "15m",
    "key_checks": "1h",
    "sync": "off",
    "escalations": "5m",
}


def with_schedule(env: dict[str, str], schedule: dict[str, str]) -> dict[str, str]:
    """``env`` whose config folder's local.toml adds ``[schedule]``."""
    lines = "".join(f'{key} = "{value}"\n' for key, value in schedule.items())
    with (Path(env["BOT_CONFIG_DIR"]) / "local.toml").open("a", encoding="utf-8") as handle:
        handle.write(f"\n[schedule]\n{lines}")
    return env


async def record(db: Database, job_id: str, at: datetime, outcome: Outcome, detail: str) -> None:
    """One finished firing in job_runs, as a replica records it."""
    runs = JobRunStore(db)
    if outcome is Outcome.MISSED:
        missed = await runs.record_missed(
            job_id=job_id, scheduled_for=at, replica="r1", detail=detail
        )
        assert missed
        return
    run_id = await runs.claim(job_id=job_id, scheduled_for=at, replica="r1", now=at)
    assert run_id is not None
    await runs.finish(run_id, outcome=outcome, detail=detail, now=at + timedelta(seconds=2))


async def test_jobs_json_lists_each_job_its_trigger_next_run_and_last_outcome(
    bot_env: dict[str, str], db: Database
) -> None:
    """Five jobs in order; next runs from the config, last runs from job_runs; a missed firing
    makes the exit code 1, as /health calls it degraded."""
    env = with_schedule(bot_env, DEFAULTS)
    at = datetime(2026, 11, 25, 0, 0, tzinfo=UTC)  # 09:00 in Seoul
    await record(db, "daily_report", at, Outcome.OK, "posted: ok")
    await record(db, "key_checks", at, Outcome.OK, "5 checks: 5 ok")
    before = datetime.now(UTC)
    code, out, err = await run_cli(env, "jobs", "--json")
    assert code == 0, err
    listing = json.loads(out)
    assert listing["timezone"] == "Asia/Seoul"
    jobs = {job["job_id"]: job for job in listing["jobs"]}
    assert list(jobs) == ["daily_report", "source_checks", "key_checks", "sync", "escalations"]
    assert [jobs[j]["trigger"] for j in jobs] == [
        "cron 0 9 * * *",
        "every 15m",
        "every 1h",
        "off",
        "every 5m",
    ]
    report_next = datetime.fromisoformat(jobs["daily_report"]["next_run_at"])
    expected = JobTrigger.build(TriggerSpec(TriggerKind.CRON, "0 9 * * *"), "Asia/Seoul")
    assert report_next == expected.next_after(before)
    assert (report_next.astimezone(SEOUL).hour, report_next.astimezone(SEOUL).minute) == (9, 0)
    assert jobs["daily_report"]["last_run"]["outcome"] == "ok"
    assert jobs["daily_report"]["last_run"]["detail"] == "posted: ok"
    assert jobs["sync"]["enabled"] is False and jobs["sync"]["next_run_at"] is None
    assert jobs["source_checks"]["last_run"] is None
    await record(db, "source_checks", at, Outcome.MISSED, "not run: 700 s late")
    code, text, _ = await run_cli(env, "jobs")
    assert code == 1
    assert "source_checks  every 15m" in text
    assert "2026-11-25 09:00:00 KST: missed on r1 — not run: 700 s late" in text
    assert "sync           off" in text and "off: never runs" in text


async def test_report_json_and_text_say_what_they_could_not_learn(
    bot_env: dict[str, str], local_slack: LocalSlack
) -> None:
    """An empty database: the report prints (text as in Slack, or JSON) and posts nothing."""
    env = with_schedule(bot_env, DEFAULTS)
    code, out, err = await run_cli(env, "report", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["timezone"] == "Asia/Seoul" and report["schedule_unknown"] == ""
    assert [row["job_id"] for row in report["schedule"]][:1] == ["daily_report"]
    assert report["models"]["unknown"] == "" and report["models"]["total"]["today"] == 0
    assert isinstance(report["unknowns"], list)
    code, text, _ = await run_cli(env, "report")
    assert code == 0 and text.startswith("📊 Daily report — ")
    assert "*Next scheduled runs*" in text and "• sync (off)" in text
    assert local_slack.calls_for("chat.postMessage") == []


async def test_report_post_posts_once_or_says_why_not(
    bot_env: dict[str, str], local_slack: LocalSlack
) -> None:
    """--post: one message to slack.channel; without a token, or when Slack refuses, one line
    on stderr and exit code 1."""
    no_token = {k: v for k, v in bot_env.items() if k != "SLACK_BOT_TOKEN"}
    code, out, err = await run_cli(no_token, "report", "--post")
    assert code == 1 and out == ""
    assert err.strip().splitlines() == [
        "aisi-bot report: SLACK_BOT_TOKEN is not set, so nothing can be posted to #ai-monitoring"
        " (run without --post to print the report)"
    ]
    code, out, err = await run_cli(bot_env, "report", "--post")
    assert code == 0, err
    assert "aisi-bot report: posted to #ai-monitoring" in err
    (posted,) = local_slack.calls_for("chat.postMessage")
    assert posted.ok and posted.body["channel"] == "#ai-monitoring"
    assert posted.body["text"].startswith("Daily report") and out.strip()
    local_slack.fail_next("chat.postMessage", error="channel_not_found")
    code, _, err = await run_cli(bot_env, "report", "--post")
    assert code == 1
    assert "not posted: Slack refused the message to #ai-monitoring: channel_not_found" in err


async def test_an_applied_sync_records_todays_model_counts(
    bot_env: dict[str, str], database_url: str, tmp_path: Path
) -> None:
    """`aisi-bot sync` applied: today's total (in the schedule's zone) is in the counts table."""
    async with SyncUpstreams() as upstreams:
        healthy_sources(upstreams)
        env = serving_env(bot_env, upstreams, tmp_path / "cfg", {})
        code, out, err = await run_cli(env, "sync", "--json")
    assert code == 0, err
    assert json.loads(out)["outcome"] == "applied"
    today = datetime.now(UTC).astimezone(SEOUL).date()
    async with await psycopg.AsyncConnection.connect(database_url) as conn:
        cur = await conn.execute(
            "SELECT active FROM chatops.daily_model_counts WHERE day = %s AND source = '*'",
            (today,),
        )
        (total,) = await cur.fetchone() or (None,)
        cur = await conn.execute("SELECT count(*) FROM public.models WHERE is_active")
        (active,) = await cur.fetchone() or (None,)
    assert total == active and active is not None and active > PROVIDER_MODELS


async def test_health_ops_shows_the_scheduler_with_no_bot_running(bot_env: dict[str, str]) -> None:
    """`aisi-bot health ops`: the Scheduler line from the config and job_runs alone."""
    env = with_schedule(bot_env, DEFAULTS)
    code, out, err = await run_cli(env, "health", "ops", "--json")
    assert code == 0, err
    results = {r["name"]: r for g in json.loads(out)["groups"] for r in g["results"]}
    scheduler = results["Scheduler"]
    assert scheduler["state"] == "ok"
    assert "daily_report next" in scheduler["detail"] and "(last never ran)" in scheduler["detail"]
    assert "sync off" in scheduler["detail"]
