"""`aisi-bot recover` as a real process: --yes or a terminal's "yes", progress on stderr,
the summary (or --json) on stdout, exit codes 0 / 1 / 2."""

from __future__ import annotations

import asyncio
import json
import os
import pty
import sys
from pathlib import Path
from typing import Any

import psycopg
from redis.asyncio import Redis

from tests.harness import REPO, clean_env, run_cli
from tests.recovery.vercel_standin import HOOK_SECRET, PROJECT_ID, TOKEN, VercelStandIn


def cli_env(bot_env: dict[str, str], vercel: VercelStandIn, tmp_path: Path) -> dict[str, str]:
    """The stores, the Vercel stand-in and its project; deployments READY at once."""
    vercel.list_misses, vercel.states = 0, ["READY"]
    config = Path(bot_env["BOT_CONFIG_DIR"]) / "local.toml"
    config.write_text(config.read_text() + f'\n[vercel]\nproject_id = "{PROJECT_ID}"\n')
    return {
        **bot_env,
        "VERCEL_DEPLOY_HOOK_URL": vercel.hook_url,
        "VERCEL_TOKEN": TOKEN,
        "VERCEL_API_URL": vercel.url,
        "BOT_DATA_DIR": str(tmp_path / "cli-data"),
    }


def runs(url: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT actor, outcome, dry_run FROM chatops.recovery_runs").fetchall()


async def test_without_yes_and_without_a_terminal_it_refuses(
    bot_env: dict[str, str],
    vercel: VercelStandIn,
    redis: Redis,
    tmp_path: Path,
    database_url: str,
) -> None:
    """No --yes, input not a terminal (even one saying yes): exit 2, one line, nothing done."""
    await redis.set("models:list", "cached")
    env = cli_env(bot_env, vercel, tmp_path)
    for stdin in (None, "yes\n"):
        code, out, err = await run_cli(env, "recover", "--steps", "cache", stdin=stdin)
        assert (code, out) == (2, "")
        assert err.strip().splitlines() == [
            "aisi-bot recover: refusing to run without --yes when input is not a terminal;"
            " nothing was done."
        ]
    assert await redis.get("models:list") == "cached"
    assert runs(database_url) == [] and vercel.requests == []


async def test_yes_runs_and_json_prints_the_report(
    bot_env: dict[str, str],
    vercel: VercelStandIn,
    redis: Redis,
    tmp_path: Path,
    database_url: str,
) -> None:
    """--yes --json: exit 0, the report as JSON on stdout, progress lines on stderr."""
    await redis.set("models:a", "x")
    await redis.set("session:keep", "x")
    env = cli_env(bot_env, vercel, tmp_path)
    code, out, err = await run_cli(env, "recover", "--steps", "deploy,cache", "--yes", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["outcome"] == "ok" and report["actor"].startswith("cli:")
    assert [s["name"] for s in report["steps"]] == ["cache", "deploy"]
    assert report["steps"][0]["data"]["keys"]["models:"] == 1
    assert report["steps"][1]["data"]["final_state"] == "READY"
    assert "  ok      1. Clear the app's cache (" in err
    assert "  running 2. Redeploy the app" in err
    assert "      deployment dpl_0001: READY" in err
    assert HOOK_SECRET not in out + err
    assert await redis.get("models:a") is None and await redis.get("session:keep") == "x"
    [(actor, outcome, dry_run)] = runs(database_url)
    assert actor.startswith("cli:") and (outcome, dry_run) == ("ok", False)


async def test_a_failed_step_exits_1_with_the_summary(
    bot_env: dict[str, str], vercel: VercelStandIn, tmp_path: Path
) -> None:
    """The hook answers 500: exit 1; stdout is the summary Slack would show."""
    vercel.hook_status = 500
    env = cli_env(bot_env, vercel, tmp_path)
    code, out, err = await run_cli(env, "recover", "--steps", "deploy", "--yes")
    assert code == 1, err
    lines = out.splitlines()
    assert lines[0] == "❌ Recovery failed at step 1: Redeploy the app"
    assert f"the deploy hook …{HOOK_SECRET[-4:]} failed: HTTP 500" in out


async def test_bad_steps_are_a_usage_error(
    bot_env: dict[str, str], vercel: VercelStandIn, tmp_path: Path
) -> None:
    """An unknown step name: exit 2 naming it, before anything starts."""
    env = cli_env(bot_env, vercel, tmp_path)
    code, out, err = await run_cli(env, "recover", "--steps", "cache,flushall", "--yes")
    assert (code, out) == (2, "")
    assert "unknown step 'flushall' (steps are cache, db, sync, deploy)" in err


async def _on_a_terminal(env: dict[str, str], answer: str, *args: str) -> tuple[int, str]:
    """Run `aisi-bot recover ARGS` with a pseudo-terminal as stdin; type ``answer``."""
    leader, follower = pty.openpty()
    try:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            "recover",
            *args,
            cwd=REPO,
            env=clean_env(env),
            stdin=follower,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        os.write(leader, answer.encode())
        out, err = await asyncio.wait_for(proc.communicate(), 60)
    finally:
        os.close(leader)
        os.close(follower)
    assert proc.returncode is not None
    return proc.returncode, err.decode() + out.decode()


async def test_on_a_terminal_it_asks_and_only_yes_starts(
    bot_env: dict[str, str],
    vercel: VercelStandIn,
    redis: Redis,
    tmp_path: Path,
    database_url: str,
) -> None:
    """On a terminal it lists the steps and waits for 'yes': anything else does nothing."""
    await redis.set("models:a", "x")
    env = cli_env(bot_env, vercel, tmp_path)
    code, said = await _on_a_terminal(env, "no\n", "--steps", "cache")
    assert code == 2 and "  1. Clear the app's cache" in said
    assert "not confirmed; nothing was done." in said
    assert await redis.get("models:a") == "x"
    code, said = await _on_a_terminal(env, "yes\n", "--steps", "cache", "--dry-run")
    assert code == 0, said
    assert "A DRY RUN (nothing is changed) of these steps" in said
    assert "🔍 Recovery dry run — nothing was changed" in said
    assert await redis.get("models:a") == "x"
    assert [r[1:] for r in runs(database_url)] == [("ok", True)]
