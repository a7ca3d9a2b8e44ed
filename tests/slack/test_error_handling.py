"""One error handler: an unexpected failure gets a short message with an id, and is recorded."""

from __future__ import annotations

import re

import psycopg
import pytest

from bot.health.check import HealthReport
from local_slack.server import LocalSlack
from tests.harness import BotUnderTest


async def test_unexpected_error_reaches_the_user_with_an_id_and_is_recorded(
    bot: BotUnderTest, local_slack: LocalSlack, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A crash after the ack: ephemeral 'went wrong (error id …)', a chatops.bot_errors row."""
    assert bot.runtime is not None

    async def broken(component: str | None = None) -> HealthReport:
        raise RuntimeError("internal detail the user must not see")

    monkeypatch.setattr(bot.runtime.health, "run", broken)
    reply = await bot.sender.command("/health", "", response_url=local_slack.response_url_for("e"))
    assert reply.status == 200
    call = await local_slack.wait_for("response_url", predicate=lambda c: c.key == "e", timeout=10)
    assert call.body["response_type"] == "ephemeral"
    text = call.body["text"]
    assert "Something went wrong on our side." in text and "internal detail" not in text
    match = re.search(r"error id ([0-9a-f]{8})", text)
    assert match is not None
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT source, summary FROM chatops.bot_errors WHERE error_id = %s", (match.group(1),)
        ).fetchone()
    assert row is not None and row[0] == "/health" and "RuntimeError" in row[1]
    _, metrics = await bot.get("/metrics")
    assert 'aisi_errors_total{source="/health"} 1.0' in metrics


def test_error_sources_come_from_a_closed_set() -> None:
    """A source word from a body becomes a label only if registered; anything else is 'other'."""
    from bot.app.metrics import closed_label

    known = {"/health", "block_actions"}
    assert closed_label("/health", known) == "/health"
    assert closed_label("/health\x00evil", known) == "other"
    assert closed_label(None, known) == "other"
    assert closed_label(["/health"], known) == "other"
