"""A degraded /health report carries "Open incident"; pressing it raises one per component."""

from __future__ import annotations

from local_slack.server import LocalSlack
from tests.harness import run_cli, start_bot_in_process
from tests.incidents.slack_side import OPERATOR, OUTSIDER, configure, rows, top_level_posts


async def test_open_incident_from_a_degraded_report(
    bot_env: dict[str, str], local_slack: LocalSlack, database_url: str
) -> None:
    """Every upstream is unreachable here: the report has the button; a press by an operator
    opens one incident per degraded component (health:<component>); an outsider may not."""
    async with start_bot_in_process(configure(bot_env)) as bot:
        await bot.sender.command(
            "/health", "", response_url=local_slack.response_url_for("h"), user_id=OUTSIDER
        )
        report = await local_slack.wait_for(
            "response_url", predicate=lambda c: c.key == "h", timeout=30
        )
        buttons = [
            e
            for b in report.body["blocks"]
            if b["type"] == "actions"
            for e in b["elements"]
            if e["action_id"] == "health_open_incident"
        ]
        assert len(buttons) == 1
        value = buttons[0]["value"]
        components = [part.split(":")[0] for part in value.split(",")]
        assert "app" in components
        message = {"ts": "1700000000.000900", "blocks": report.body["blocks"]}
        for user, key in ((OUTSIDER, "no"), (OPERATOR, "yes")):
            await bot.sender.click(
                "health_open_incident",
                value,
                message=message,
                channel_id="C0OPS",
                user_id=user,
                response_url=local_slack.response_url_for(key),
            )
        refused = await local_slack.wait_for("response_url", predicate=lambda c: c.key == "no")
        assert "Only configured operators and the Level 2 people" in refused.body["text"]
        told = await local_slack.wait_for(
            "response_url", predicate=lambda c: c.key == "yes", timeout=15
        )
        assert told.body["response_type"] == "ephemeral"
        assert "opened" in told.body["text"]
        assert bot.runtime is not None and await bot.runtime.wait_idle(15)
    keys = sorted(r[0] for r in rows(database_url, "SELECT dedup_key FROM chatops.incidents"))
    assert keys == sorted(f"health:{c}" for c in components)
    assert len(top_level_posts(local_slack)) == len(components)


async def test_the_command_line_report_has_no_button(bot_env: dict[str, str]) -> None:
    """`aisi-bot health` prints the same report without the button nobody could press."""
    code, out, _ = await run_cli(bot_env, "health", "app")
    assert code == 1 and "health_open_incident" not in out and "Open incident" not in out
