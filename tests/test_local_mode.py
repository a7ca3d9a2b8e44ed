"""Local mode: no Slack credentials, a terminal session driving the real Bolt app."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import LOOPBACK_CLOSED, write_test_config
from tests.harness import run_cli


async def _run_local(env: dict[str, str], script: str, timeout_s: float = 120) -> tuple[int, str]:
    code, out, err = await run_cli(env, "serve", stdin=script, timeout_s=timeout_s)
    return code, out + "\n[stderr]\n" + err


def _local_env(bot_env: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in bot_env.items() if not k.startswith("SLACK_") and k != "PORT"}


async def test_local_mode_health_shows_database_and_cache_ok(bot_env: dict[str, str]) -> None:
    """Typing /health in local mode shows the database and the cache OK with latencies."""
    code, out = await _run_local(_local_env(bot_env), "/health\nquit\n")
    assert code == 0, out
    assert "local mode" in out
    assert "Health" in out
    assert "✅ *Database* — 0 active models" in out, out
    assert "✅ *Cache (Redis)* — PONG" in out, out
    assert " ms" in out


async def test_local_mode_answers_usage_and_unknown_input(bot_env: dict[str, str]) -> None:
    """Bad arguments get the usage text; unknown input gets help; `help` shows what every
    command takes; end of input exits cleanly."""
    script = "/health nonsense\nwhat\npress Nothing\nhelp\n"
    code, out = await _run_local(_local_env(bot_env), script)
    assert code == 0, out
    assert "Usage: `/health [keys|db|cache|app|vendors|ops]`" in out
    help_ = out.split("what each command takes; quit")[-1]  # `help`: every command's help
    for command in ("/health", "/keys", "/sync", "/recover"):
        assert f"Usage: `{command}" in help_, out
    assert "• `--dry-run` — show the whole diff and write nothing" in help_
    assert "Unknown input 'what'" in out
    assert "No button called 'Nothing'" in out


async def test_local_mode_with_embedded_stores(tmp_path: Path) -> None:
    """With DATABASE_URL and REDIS_URL unset, local mode starts embedded PostgreSQL and Redis."""
    env = {
        "BOT_DATA_DIR": str(tmp_path),
        "APP_BASE_URL": LOOPBACK_CLOSED,
        "BOT_CONFIG_DIR": str(write_test_config(tmp_path / "config")),
    }
    code, out = await _run_local(env, "/health db\n/health cache\nquit\n", timeout_s=180)
    assert code == 0, out
    assert "Starting the embedded database and cache" in out
    assert "✅ *Database* — " in out, out
    assert "✅ *Cache (Redis)* — PONG" in out, out


async def test_local_mode_opens_and_submits_the_recovery_dialog(bot_env: dict[str, str]) -> None:
    """/recover --dry-run opens the dialog in the terminal; `submit` with other choices runs
    the dry run; a second `submit` has no dialog left to submit."""
    script = "/recover --dry-run\nsubmit steps=cache,db\nsubmit\nquit\n"
    code, out = await _run_local(_local_env(bot_env), script)
    assert code == 0, out
    assert "── views.open (modal/home) ──" in out, out
    assert "  [x] 1. Clear the app's cache (cache)" in out
    assert "  [x] Dry run (dry_run)" in out
    assert "(dialog submitted and closed)" in out
    assert "🔍 Recovery dry run — nothing was changed" in out, out
    assert "✅ *2. Reconnect and check the database* — ok" in out
    assert "Redeploy the app" not in out.split("(dialog submitted and closed)")[1]
    assert "No dialog is open" in out
