"""auth.operators: user ids and user groups; a group authorises its members and no one else."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from redis.asyncio import Redis

from bot.errors import ConfigError
from bot.slack.operators import KEY_PREFIX, GroupLookupError, Operators
from bot.stores.cache import build_redis
from local_slack.server import LocalSlack
from tests.harness import run_cli, start_bot_process

GROUP = "S0ONCALL"
MEMBER, OUTSIDER = "U0ALICE", "U0MALLORY"


def _with_operators(env: dict[str, str], operators: list[str]) -> dict[str, str]:
    """``env`` with auth.operators set in its config folder's local.toml."""
    local = Path(env["BOT_CONFIG_DIR"]) / "local.toml"
    local.write_text(local.read_text() + f"\n[auth]\noperators = {json.dumps(operators)}\n")
    return env


async def _sync_reply(
    served_sender: object, local_slack: LocalSlack, user: str
) -> dict[str, object]:
    from local_slack.sender import SlackRequestSender

    assert isinstance(served_sender, SlackRequestSender)
    reply = await served_sender.command(
        "/sync", "defaults --dry-run", response_url=local_slack.response_url_for(user), user_id=user
    )
    assert reply.status == 200
    return json.loads(reply.text) if reply.text else {}


async def test_a_group_authorises_its_members_and_no_one_else(
    bot_env: dict[str, str], local_slack: LocalSlack
) -> None:
    """A real serve process: a member of the listed group may /sync; someone outside may not."""
    local_slack.usergroups.add(GROUP, [MEMBER, "U0BOB"])
    async with start_bot_process(_with_operators(bot_env, [GROUP])) as served:
        member = await _sync_reply(served.sender, local_slack, MEMBER)
        outsider = await _sync_reply(served.sender, local_slack, OUTSIDER)
    assert "Only configured operators" not in json.dumps(member)
    assert "Only configured operators may run /sync" in str(outsider.get("text"))
    lookups = local_slack.calls_for("usergroups.users.list")
    assert [c.body.get("usergroup") for c in lookups] == [GROUP]  # resolved once, at start-up


@pytest.mark.parametrize(
    ("prepare", "expected"),
    [
        (lambda slack: None, "no_such_subteam"),
        (lambda slack: slack.usergroups.scopes.discard("usergroups:read"), "missing_scope"),
    ],
)
async def test_a_group_slack_refuses_stops_start_up_with_one_line(
    bot_env: dict[str, str], local_slack: LocalSlack, prepare: object, expected: str
) -> None:
    """An unknown group, or no usergroups:read scope: `serve` exits 2 naming the group."""
    assert callable(prepare)
    prepare(local_slack)
    code, _, err = await run_cli(_with_operators(bot_env, [GROUP]), "serve", timeout_s=60)
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2
    assert len(lines) == 1, err
    assert GROUP in lines[0] and expected in lines[0] and "auth.operators" in lines[0]
    if expected == "missing_scope":
        assert "usergroups:read" in lines[0]


async def test_listed_user_ids_need_no_lookup() -> None:
    """Plain user ids are operators without asking Slack; anyone else is refused."""
    operators = Operators([MEMBER])
    assert await operators.allows(MEMBER)
    assert not await operators.allows(OUTSIDER)


async def test_members_are_refreshed_and_a_stale_copy_survives_failures() -> None:
    """After the interval the members are fetched again; when Slack fails the last copy stays."""
    answers: list[list[str]] = [[MEMBER], [OUTSIDER]]

    async def lookup(group_id: str) -> list[str]:
        if not answers:
            raise OSError("Slack unreachable")
        return answers.pop(0)

    operators = Operators([GROUP], lookup=lookup, refresh_s=0.0)  # every check finds it stale
    await operators.resolve()
    assert await operators.allows(MEMBER)  # answered from the copy; a refresh starts behind it
    await operators.refreshed()
    assert await operators.allows(OUTSIDER)
    await operators.refreshed()  # this refresh failed: Slack unreachable
    assert not await operators.allows(MEMBER)
    await operators.refreshed()
    assert await operators.allows(OUTSIDER)  # the last copy is still in use
    await operators.close()


async def test_start_up_without_slack_uses_the_stored_copy(redis_url: str) -> None:
    """Slack unreachable at start-up: the members stored by an earlier run are used."""
    redis: Redis = build_redis(redis_url)
    try:
        await redis.set(KEY_PREFIX + GROUP, json.dumps([MEMBER]))

        async def unreachable(group_id: str) -> list[str]:
            raise OSError("connection refused")

        operators = Operators([GROUP], lookup=unreachable, redis=redis, refresh_s=3600)
        await operators.resolve()
        assert await operators.allows(MEMBER) and not await operators.allows(OUTSIDER)
    finally:
        await redis.aclose()


async def test_a_refused_group_at_start_up_is_a_config_error() -> None:
    """Slack's error code for a group becomes a ConfigError naming auth.operators and the group."""

    async def refused(group_id: str) -> list[str]:
        raise GroupLookupError("no_such_subteam")

    with pytest.raises(ConfigError) as raised:
        await Operators([GROUP], lookup=refused).resolve()
    assert raised.value.key == "auth.operators" and GROUP in str(raised.value)
