"""/health end to end: signed HTTP in, the report out through the local Slack server."""

from __future__ import annotations

import time

from local_slack.payloads import signed_headers, slash_command_form
from local_slack.server import LocalSlack
from tests.conftest import SIGNING_SECRET
from tests.harness import BotUnderTest, start_bot_process


def _section_texts(body: dict[str, object]) -> str:
    blocks = body.get("blocks") or []
    assert isinstance(blocks, list)
    return "\n".join(str(b.get("text", {}).get("text", "")) for b in blocks if isinstance(b, dict))


async def test_health_is_acked_fast_and_reports_db_and_cache(
    bot: BotUnderTest, local_slack: LocalSlack
) -> None:
    """A signed /health is acknowledged well inside 3 s and the report reaches Slack."""
    started = time.perf_counter()
    reply = await bot.sender.command("/health", "", response_url=local_slack.response_url_for("h1"))
    assert reply.status == 200
    assert time.perf_counter() - started < 1.0
    call = await local_slack.wait_for("response_url", timeout=10)
    assert call.body["response_type"] == "in_channel"
    text = _section_texts(call.body)
    assert "*Database* — " in text and "active models" in text
    assert "PONG" in text
    assert call.ok


async def test_health_db_only_reports_only_the_database(
    bot: BotUnderTest, local_slack: LocalSlack
) -> None:
    """`/health db` runs the database probe alone."""
    await bot.sender.command("/health", "db", response_url=local_slack.response_url_for("h2"))
    call = await local_slack.wait_for("response_url", timeout=10)
    text = _section_texts(call.body)
    assert "Database" in text
    assert "PONG" not in text


async def test_unknown_argument_gets_usage_and_runs_nothing(
    bot: BotUnderTest, local_slack: LocalSlack
) -> None:
    """An unknown argument is answered with the usage text in the ack; nothing is posted."""
    reply = await bot.sender.command(
        "/health", "everything <!channel>", response_url=local_slack.response_url_for("h3")
    )
    assert reply.status == 200
    assert "Usage: `/health" in reply.text
    assert "&lt;!channel&gt;" in reply.text and "<!channel>" not in reply.text
    assert local_slack.calls_for("response_url") == []


async def test_help_argument_shows_usage(bot: BotUnderTest, local_slack: LocalSlack) -> None:
    """`/health help` answers with the usage text."""
    reply = await bot.sender.command(
        "/health", "help", response_url=local_slack.response_url_for("h4")
    )
    assert "Usage: `/health [keys|db|cache|app|vendors|ops]`" in reply.text


async def test_forged_signature_is_rejected(bot: BotUnderTest, local_slack: LocalSlack) -> None:
    """A request signed with the wrong secret gets 401 and nothing is posted."""
    from urllib.parse import urlencode

    body = urlencode(
        slash_command_form("/health", "", response_url=local_slack.response_url_for("f"))
    )
    reply = await bot.sender.post_raw(body, signed_headers("not-the-secret", body))
    assert reply.status == 401
    assert local_slack.calls_for("response_url") == []


async def test_stale_timestamp_is_rejected(bot: BotUnderTest, local_slack: LocalSlack) -> None:
    """A correctly signed request older than 5 minutes gets 401."""
    reply = await bot.sender.command(
        "/health",
        "",
        response_url=local_slack.response_url_for("s"),
        timestamp=int(time.time()) - 301,
    )
    assert reply.status == 401
    assert local_slack.calls_for("response_url") == []


async def test_missing_headers_are_rejected(bot: BotUnderTest, local_slack: LocalSlack) -> None:
    """A request without Slack's signature headers gets 401."""
    from urllib.parse import urlencode

    body = urlencode(
        slash_command_form("/health", "", response_url=local_slack.response_url_for("m"))
    )
    reply = await bot.sender.post_raw(body, {"Content-Type": "application/x-www-form-urlencoded"})
    assert reply.status == 401
    assert local_slack.calls_for("response_url") == []
    assert SIGNING_SECRET not in reply.text


async def test_real_serve_process_acks_fast_and_rejects_bad_signatures(
    bot_env: dict[str, str], local_slack: LocalSlack
) -> None:
    """`aisi-bot serve` (a real process) acks a signed /health in time; bad requests get 401."""
    from urllib.parse import urlencode

    async with start_bot_process(bot_env) as served:
        reply = await served.sender.command(
            "/health", "db", response_url=local_slack.response_url_for("p1")
        )
        assert reply.status == 200 and reply.elapsed_ms < 3000
        call = await local_slack.wait_for(
            "response_url", predicate=lambda c: c.key == "p1", timeout=15
        )
        assert "Database" in _section_texts(call.body)
        body = urlencode(
            slash_command_form("/health", "", response_url=local_slack.response_url_for("bad"))
        )
        forged = await served.sender.post_raw(body, signed_headers("wrong-secret", body))
        stale = await served.sender.command(
            "/health",
            "",
            response_url=local_slack.response_url_for("bad"),
            timestamp=int(time.time()) - 600,
        )
        bare = await served.sender.post_raw(
            body, {"Content-Type": "application/x-www-form-urlencoded"}
        )
        assert (forged.status, stale.status, bare.status) == (401, 401, 401)
        status, _ = await served.get("/healthz")
        assert status == 200
    assert [c for c in local_slack.calls_for("response_url") if c.key == "bad"] == []
