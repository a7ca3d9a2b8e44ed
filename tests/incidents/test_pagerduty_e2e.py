"""PagerDuty end to end: an alert in, a button press, an alert resolved — one dedup key."""

from __future__ import annotations

from local_slack.server import LocalSlack
from tests.harness import start_bot_in_process
from tests.incidents.pagerduty_standin import PagerDutyStandIn
from tests.incidents.slack_side import (
    CHANNEL,
    OPERATOR,
    alert,
    configure,
    post_alert,
    wait_for_text,
)

ROUTING_KEY = "R0UT1NGKEY-" + "q" * 21


async def test_the_stand_in_gets_trigger_acknowledge_and_resolve_for_one_key(
    bot_env: dict[str, str], local_slack: LocalSlack
) -> None:
    """trigger on the first alert, acknowledge on the button, resolve on the resolved alert."""
    async with PagerDutyStandIn() as pagerduty:
        env = configure(bot_env)
        env.update({"PAGERDUTY_ROUTING_KEY": ROUTING_KEY, "PAGERDUTY_EVENTS_URL": pagerduty.url})
        async with start_bot_in_process(env) as bot:
            assert bot.runtime is not None
            status, answer, _ = await post_alert(bot.session, bot.url, alert("neon_down"))
            assert status == 202
            message = await wait_for_text(local_slack, "chat.postMessage", "neon_down is failing")
            await bot.runtime.wait_idle(10)
            await post_alert(bot.session, bot.url, alert("neon_down"))  # a repeat: no new event
            await bot.sender.click(
                "incident_ack",
                str(answer["incident_id"]),
                message={"ts": message.response["ts"], "blocks": message.body["blocks"]},
                channel_id=CHANNEL,
                user_id=OPERATOR,
                response_url=local_slack.response_url_for("ack"),
            )
            await wait_for_text(local_slack, "chat.postMessage", "Acknowledged by")
            await bot.runtime.wait_idle(10)
            status, answer, _ = await post_alert(
                bot.session, bot.url, alert("neon_down", status="resolved")
            )
            assert (status, answer["action"]) == (202, "resolved")
            await wait_for_text(local_slack, "chat.postMessage", "Resolved by")
            assert await bot.runtime.wait_idle(10)
    assert pagerduty.actions() == [
        ("trigger", "neon_down"),
        ("acknowledge", "neon_down"),
        ("resolve", "neon_down"),
    ]
    assert {e["routing_key"] for e in pagerduty.events} == {ROUTING_KEY}
    assert pagerduty.events[0]["payload"]["summary"] == "neon_down is failing"
