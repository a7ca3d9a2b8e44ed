"""Canary: secret values set in the environment never appear in Slack calls, logs or errors."""

from __future__ import annotations

import json
import socket

from local_slack.server import LocalSlack
from tests.harness import start_bot_process

SECRET_NAMES = (
    "OPENAI_API_KEY",
    "ANTHROPIC_API_KEY",
    "GOOGLE_AI_API_KEY",
    "REPLICATE_API_TOKEN",
    "ARTIFICIAL_ANALYSIS_API_KEY",
    "VERCEL_TOKEN",
)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _everything_recorded(slack: LocalSlack) -> str:
    return "\n".join(
        json.dumps([c.method, c.body, c.headers, c.response], ensure_ascii=False)
        for c in slack.calls
    )


async def _exercise(env: dict[str, str], slack: LocalSlack) -> str:
    async with start_bot_process(env) as bot:
        for index, text in enumerate(("", "db", "cache", "bogus <!here>", "help")):
            key = f"canary-{index}"
            reply = await bot.sender.command(
                "/health", text, response_url=slack.response_url_for(key)
            )
            assert reply.status == 200
            if text in ("", "db", "cache"):
                await slack.wait_for(
                    "response_url", predicate=lambda c, k=key: c.key == k, timeout=20
                )
        for command in ("/keys", "/sync", "/recover"):
            await bot.sender.command(command, "", response_url=slack.response_url_for(command))
        forged = await bot.sender.post_raw("token=x", {"X-Slack-Signature": "v0=00"})
        assert forged.status == 401
        for path in ("/healthz", "/readyz", "/metrics"):
            await bot.get(path)
    return "".join(bot.output)


async def test_no_secret_in_slack_calls_or_logs(
    bot_env: dict[str, str], local_slack: LocalSlack, canary: str
) -> None:
    """Provider keys, the deploy hook and the Slack secrets never leave the process unmasked."""
    env = {**bot_env, "LOG_LEVEL": "DEBUG"}
    secrets = {name: f"{canary}-{name.lower()}" for name in SECRET_NAMES}
    secrets["VERCEL_DEPLOY_HOOK_URL"] = (
        f"https://api.vercel.com/v1/integrations/deploy/{canary}-hook"
    )
    env.update(secrets)
    output = await _exercise(env, local_slack)
    recorded = _everything_recorded(local_slack)
    assert "listening on" in output
    for value in [*secrets.values(), env["SLACK_BOT_TOKEN"], env["SLACK_SIGNING_SECRET"]]:
        assert value not in recorded
        assert value not in output
    assert canary not in output and canary not in recorded


async def test_no_connection_password_in_logs_or_replies(
    bot_env: dict[str, str], local_slack: LocalSlack, canary: str
) -> None:
    """Passwords inside DATABASE_URL and REDIS_URL never appear, even when both are down."""
    env = {
        **bot_env,
        "LOG_LEVEL": "DEBUG",
        "DATABASE_URL": f"postgresql://postgres:{canary}@127.0.0.1:{_closed_port()}/db",
        "REDIS_URL": f"redis://:{canary}@127.0.0.1:{_closed_port()}/0",
    }
    output = await _exercise(env, local_slack)
    recorded = _everything_recorded(local_slack)
    assert "🔴" in recorded
    assert canary not in output
    assert canary not in recorded
