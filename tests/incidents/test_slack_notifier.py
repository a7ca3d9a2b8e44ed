"""The Slack side of incidents against the local Slack server: 429 on chat.update."""

from __future__ import annotations

from local_slack.server import LocalSlack
from tests.harness import start_bot_in_process
from tests.incidents.slack_side import Timed, alert, configure, post_alert, wait_for_text


async def test_a_rate_limited_update_waits_retry_after_once_then_shows_the_latest(
    bot_env: dict[str, str], local_slack: LocalSlack, timed: Timed
) -> None:
    """chat.update answered 429 (Retry-After: 1): tried again once, about 1 s later (not 2 s:
    nothing waits twice), with the newest count."""
    async with start_bot_in_process(configure(bot_env)) as bot:
        await post_alert(bot.session, bot.url, alert("slow"))
        message = await wait_for_text(local_slack, "chat.postMessage", "slow is failing")
        await wait_for_text(local_slack, "chat.postMessage", "What changed")
        local_slack.fail_next("chat.update", status=429, retry_after=1)
        for _ in range(3):
            await post_alert(bot.session, bot.url, alert("slow"))
        done = await local_slack.wait_for(
            "chat.update", predicate=lambda c: c.ok and "seen 4×" in c.body["text"], timeout=10
        )
    updates = local_slack.calls_for("chat.update")
    assert [u.status for u in updates] == [429, 200]
    assert updates[-1] is done and done.body["ts"] == message.response["ts"]
    waited = timed.at[updates[1].index] - timed.at[updates[0].index]
    assert 0.95 <= waited < 1.8, waited
