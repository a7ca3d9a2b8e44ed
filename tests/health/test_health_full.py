"""/health end to end against stand-ins for every provider, the app and the status pages."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from local_slack.server import LocalSlack
from tests.harness import REPO, BotUnderTest, start_bot_in_process
from tests.upstreams import (
    APP_HEALTH,
    APP_MODELS,
    KEY_ENV,
    STATUS_PATHS,
    Upstreams,
    all_ok,
    app_health,
    app_models,
    env_for,
    statuspage,
    write_config,
)

KEYS = {
    "openai": "sk-proj-e2Yb7QkP0xW4nR9sT3uV6mJ8wq1A",
    "anthropic": "sk-ant-api03-Hq8Lz2Vt5Rb1Nc7Xp4Ks9Dm3-an7B",
    "google": "AIzaSyD4k9Lq2Wz7Xv1Bn5Rt8Mp3Hc6Jg0go2C",
    "replicate": "r8_Pq2Wz7Xv1Bn5Rt8Mp3Hc6Jg0Ks4rp3D",
    "artificial_analysis": "aa_Tz7Xv1Bn5Rt8Mp3Hc6Jg0Ks4Lq2Wa4E",
}
VENDORS = tuple(STATUS_PATHS)
SHORT = {"probe_timeout_s": 1.0, "deadline_s": 2.0}


@pytest.fixture
async def upstreams() -> AsyncIterator[Upstreams]:
    """The stand-in providers, app and status pages, scripted healthy."""
    async with Upstreams() as server:
        all_ok(server)
        yield server


def _env(
    bot_env: dict[str, str], up: Upstreams, tmp_path: Path, short: bool = False
) -> dict[str, str]:
    env = {**bot_env, **env_for(up), **{KEY_ENV[p]: k for p, k in KEYS.items()}}
    env["BOT_CONFIG_DIR"] = str(write_config(tmp_path / "cfg", up, **(SHORT if short else {})))
    return env


async def _ask(bot: BotUnderTest, slack: LocalSlack, key: str, text: str = "") -> dict[str, Any]:
    """Send /health [text]; the body posted to its response_url."""
    reply = await bot.sender.command("/health", text, response_url=slack.response_url_for(key))
    assert reply.status == 200
    call = await slack.wait_for("response_url", predicate=lambda c: c.key == key, timeout=15)
    return call.body


async def _health(env: dict[str, str], slack: LocalSlack, text: str = "") -> dict[str, Any]:
    async with start_bot_in_process(env) as bot:
        return await _ask(bot, slack, "h", text)


def _sections(body: dict[str, Any]) -> dict[str, str]:
    """Group title → its section text (first line '*Title* — state')."""
    out: dict[str, str] = {}
    for block in body["blocks"]:
        text = str(block.get("text", {}).get("text", ""))
        if block["type"] == "section" and text.startswith("*"):
            out[text[1:].split("*", 1)[0]] = text
    return out


def _line(section: str, name: str) -> str:
    found = [line for line in section.splitlines() if f"*{name}* — " in line]
    assert len(found) == 1, f"{name} not shown once in:\n{section}"
    return found[0]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_everything_healthy_is_ok(
    bot_env: dict[str, str], local_slack: LocalSlack, upstreams: Upstreams, tmp_path: Path
) -> None:
    """Valid keys, a healthy app serving the real fixture, clear status pages: 'Health: OK'."""
    body = await _health(_env(bot_env, upstreams, tmp_path), local_slack)
    assert body["text"] == "Health: OK"
    assert body["blocks"][0]["text"]["text"] == "✅ Health: OK"
    assert "108 models from 'artificial-analysis'" in _sections(body)["App endpoints"]
    assert body["response_type"] == "in_channel"


async def test_app_healthy_but_database_unhealthy_is_degraded(
    bot_env: dict[str, str], local_slack: LocalSlack, upstreams: Upstreams, tmp_path: Path
) -> None:
    """The app's top-level 'healthy' is not trusted: its unhealthy database is named."""
    upstreams.route(APP_HEALTH, json=app_health(database="unhealthy"))
    body = await _health(_env(bot_env, upstreams, tmp_path), local_slack)
    assert body["text"] == "Health: degraded"
    line = _line(_sections(body)["App endpoints"], "App health")
    assert line.startswith("⚠️") and "database is unhealthy" in line


async def test_models_served_from_fallback_is_degraded_naming_source(
    bot_env: dict[str, str], local_slack: LocalSlack, upstreams: Upstreams, tmp_path: Path
) -> None:
    """/api/v1/models answering from the GitHub backup makes /health degraded, naming it."""
    reason = "Artificial Analysis API request timed out"
    upstreams.route(APP_MODELS, json=app_models(dataSource="github", fallbackReason=reason))
    body = await _health(_env(bot_env, upstreams, tmp_path), local_slack)
    assert body["text"] == "Health: degraded"
    line = _line(_sections(body)["App endpoints"], "App models")
    assert "from fallback from 'github'" in line and reason in line


async def test_app_500_is_down_and_named(
    bot_env: dict[str, str], local_slack: LocalSlack, upstreams: Upstreams, tmp_path: Path
) -> None:
    """The app answering 500 on both endpoints is reported down, endpoint by endpoint."""
    for path in (APP_HEALTH, APP_MODELS):
        upstreams.route(path, status=500, text="Internal Server Error")
    body = await _health(_env(bot_env, upstreams, tmp_path), local_slack)
    assert body["text"] == "Health: down"
    app = _sections(body)["App endpoints"]
    assert app.startswith("*App endpoints* — down")
    assert _line(app, "App health").startswith("🔴 *App health* — HTTP 500")
    assert _line(app, "App models").startswith("🔴 *App models* — HTTP 500")


async def test_vendor_major_outage_is_named(
    bot_env: dict[str, str], local_slack: LocalSlack, upstreams: Upstreams, tmp_path: Path
) -> None:
    """A status page with indicator 'major' names that vendor down with its incident."""
    incident = {"name": "Elevated errors on Claude Sonnet 4", "status": "investigating"}
    page = statuspage("Anthropic", "major", "Partial System Outage", incidents=[incident])
    upstreams.route(STATUS_PATHS["Anthropic"], json=page)
    body = await _health(_env(bot_env, upstreams, tmp_path), local_slack)
    vendors = _sections(body)["Vendor status pages"]
    line = _line(vendors, "Anthropic")
    assert line.startswith("🔴") and "Elevated errors on Claude Sonnet 4" in line
    assert _line(vendors, "OpenAI").startswith("✅")
    assert body["text"] == "Health: down"


async def test_hanging_status_page_times_out_and_report_meets_deadline(
    bot_env: dict[str, str], local_slack: LocalSlack, upstreams: Upstreams, tmp_path: Path
) -> None:
    """Neon's page never answers: the report comes within the 2 s deadline, Neon 'timeout'."""
    upstreams.route(STATUS_PATHS["Neon"], hang=True)
    async with start_bot_in_process(_env(bot_env, upstreams, tmp_path, short=True)) as bot:
        started = time.perf_counter()
        body = await _ask(bot, local_slack, "hang")
        elapsed = time.perf_counter() - started
    assert elapsed < SHORT["deadline_s"] + 0.5
    vendors = _sections(body)["Vendor status pages"]
    assert _line(vendors, "Neon").startswith("⚪") and "timeout" in _line(vendors, "Neon")
    for vendor in VENDORS:
        if vendor != "Neon":
            assert _line(vendors, vendor).startswith("✅"), vendor


async def test_html_status_page_is_unknown_never_ok_or_down(
    bot_env: dict[str, str], local_slack: LocalSlack, upstreams: Upstreams, tmp_path: Path
) -> None:
    """A status page answering an HTML error page is 'unknown', not OK and not down."""
    html = "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body></body></html>"
    upstreams.route(STATUS_PATHS["Vercel"], text=html)
    body = await _health(_env(bot_env, upstreams, tmp_path), local_slack)
    line = _line(_sections(body)["Vendor status pages"], "Vercel")
    assert line.startswith("⚪ *Vercel* — status unknown")
    assert body["text"] == "Health: partly unknown"
    assert "Could not learn: Vercel." in json.dumps(body["blocks"][-1], ensure_ascii=False)


async def test_status_pages_are_cached_between_two_checks(
    bot_env: dict[str, str], local_slack: LocalSlack, upstreams: Upstreams, tmp_path: Path
) -> None:
    """Two /health in a row fetch each status page once; the second says 'cached'."""
    async with start_bot_in_process(_env(bot_env, upstreams, tmp_path)) as bot:
        await _ask(bot, local_slack, "first")
        second = await _ask(bot, local_slack, "second")
    assert {v: upstreams.count(p) for v, p in STATUS_PATHS.items()} == dict.fromkeys(VENDORS, 1)
    assert "(cached," in _line(_sections(second)["Vendor status pages"], "Neon")
    assert upstreams.count(APP_HEALTH) == 2


async def test_health_vendors_runs_only_vendor_probes(
    bot_env: dict[str, str], local_slack: LocalSlack, upstreams: Upstreams, tmp_path: Path
) -> None:
    """`/health vendors` requests only the status pages and reports only that group."""
    body = await _health(_env(bot_env, upstreams, tmp_path), local_slack, "vendors")
    assert body["text"] == "Health — vendors: OK"
    assert list(_sections(body)) == ["Vendor status pages"]
    assert sorted(r.path for r in upstreams.requests) == sorted(STATUS_PATHS.values())


async def test_cli_health_json_exits_1_when_degraded(
    bot_env: dict[str, str], upstreams: Upstreams, tmp_path: Path
) -> None:
    """`aisi-bot health --json` prints every group and exits 1 when the app is degraded."""
    upstreams.route(APP_HEALTH, json=app_health(database="unhealthy"))
    env = _env(bot_env, upstreams, tmp_path)
    dropped = ("SLACK_", "DATABASE_", "REDIS_", "artificialanalysis_", *KEY_ENV.values())
    full = {k: v for k, v in os.environ.items() if not k.startswith(dropped)}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "health",
        "--json",
        cwd=REPO,
        env={**full, **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 1, err.decode()
    report = json.loads(out)
    assert report["state"] == "degraded"
    groups = {g["key"]: g["state"] for g in report["groups"]}
    assert list(groups) == ["keys", "db", "cache", "app", "vendors", "ops"]
    assert groups["app"] == "degraded" and groups["keys"] == "ok"


async def test_redis_down_still_answers_and_vendor_cache_falls_back(
    bot_env: dict[str, str], local_slack: LocalSlack, upstreams: Upstreams, tmp_path: Path
) -> None:
    """With Redis down /health still answers twice and each status page is fetched once."""
    env = {
        **_env(bot_env, upstreams, tmp_path),
        "REDIS_URL": f"redis://127.0.0.1:{_closed_port()}/0",
    }
    async with start_bot_in_process(env) as bot:
        first = await _ask(bot, local_slack, "first")
        second = await _ask(bot, local_slack, "second")
    for body in (first, second):
        assert _line(_sections(body)["Cache"], "Cache (Redis)").startswith("🔴")
    assert {v: upstreams.count(p) for v, p in STATUS_PATHS.items()} == dict.fromkeys(VENDORS, 1)
