"""/keys and `aisi-bot keys` end to end: signed HTTP in, stand-in providers, Slack out."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from local_slack.sender import SentResponse
from local_slack.server import LocalSlack
from tests.harness import run_cli, start_bot_in_process, start_bot_process
from tests.provider_bodies import ANTHROPIC_402, ANTHROPIC_529, GOOGLE_400, REPLICATE_429
from tests.upstreams import (
    KEY_ENV,
    KEY_PATHS,
    Upstreams,
    all_ok,
    env_for,
    openai_401,
    write_config,
)

KEYS: dict[str, str] = {
    "openai": "sk-proj-e2Yb7QkP0xW4nR9sT3uV6mJ8wq1A",
    "anthropic": "sk-ant-api03-Hq8Lz2Vt5Rb1Nc7Xp4Ks9Dm3-an7B",
    "google": "AIzaSyD4k9Lq2Wz7Xv1Bn5Rt8Mp3Hc6Jg0go2C",
    "replicate": "r8_Pq2Wz7Xv1Bn5Rt8Mp3Hc6Jg0Ks4rp3D",
    "artificial_analysis": "aa_Tz7Xv1Bn5Rt8Mp3Hc6Jg0Ks4Lq2Wa4E",
}
NAMES = {
    "openai": "OpenAI",
    "anthropic": "Anthropic",
    "google": "Google AI",
    "replicate": "Replicate",
    "artificial_analysis": "Artificial Analysis",
}
# What each provider's line says for the mixed scenario of `_script_mixed`.
MIXED_WORDS = {
    "OpenAI": "invalid",
    "Anthropic": "out of quota / billing",
    "Google AI": "invalid",
    "Replicate": "rate-limited · retry after 7",
    "Artificial Analysis": "provider down",
}
AUTH_HEADER = {
    "openai": ("authorization", "Bearer {}"),
    "anthropic": ("x-api-key", "{}"),
    "google": ("x-goog-api-key", "{}"),
    "replicate": ("authorization", "Bearer {}"),
    "artificial_analysis": ("x-api-key", "{}"),
}


@pytest.fixture
async def upstreams() -> AsyncIterator[Upstreams]:
    """The stand-in providers, app and status pages."""
    async with Upstreams() as server:
        yield server


def _env(
    bot_env: dict[str, str],
    up: Upstreams,
    tmp_path: Path,
    keys: dict[str, str] = KEYS,
    short: bool = False,
) -> dict[str, str]:
    timeouts: dict[str, float] = {"probe_timeout_s": 1, "deadline_s": 2} if short else {}
    env = {**bot_env, **env_for(up), **{KEY_ENV[p]: k for p, k in keys.items()}}
    env["BOT_CONFIG_DIR"] = str(write_config(tmp_path / "cfg", up, **timeouts))
    return env


def _script_mixed(up: Upstreams, keys: dict[str, str] = KEYS) -> None:
    all_ok(up)
    up.route(KEY_PATHS["openai"], status=401, json=openai_401())
    up.route(KEY_PATHS["anthropic"], status=402, json=ANTHROPIC_402)
    up.route(KEY_PATHS["google"], status=400, json=GOOGLE_400)
    up.route(KEY_PATHS["replicate"], status=429, json=REPLICATE_429, headers={"Retry-After": "7"})
    up.route(KEY_PATHS["artificial_analysis"], status=529, json=ANTHROPIC_529)


def _lines(body: dict[str, Any]) -> str:
    blocks = body.get("blocks") or []
    return "\n".join(str(b.get("text", {}).get("text", "")) for b in blocks if isinstance(b, dict))


def _line(text: str, name: str) -> str:
    found = [line for line in text.splitlines() if f"*{name}*" in line]
    assert len(found) == 1, f"{name} not shown once in:\n{text}"
    return found[0]


def _recorded(slack: LocalSlack) -> str:
    return "\n".join(
        json.dumps([c.method, c.body, c.headers], ensure_ascii=False) for c in slack.calls
    )


async def _keys(env: dict[str, str], slack: LocalSlack, key: str = "k") -> tuple[SentResponse, Any]:
    async with start_bot_in_process(env) as bot:
        reply = await bot.sender.command("/keys", "", response_url=slack.response_url_for(key))
        call = await slack.wait_for("response_url", predicate=lambda c: c.key == key, timeout=15)
    return reply, call


async def _cli(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    """Run `aisi-bot ARGS` as a real process: (exit code, stdout, stderr)."""
    return await run_cli(env, *args)


async def test_all_valid_keys_answer_once_ephemeral_and_masked(
    bot_env: dict[str, str], local_slack: LocalSlack, upstreams: Upstreams, tmp_path: Path
) -> None:
    """Five valid keys: one ephemeral reply, 'all 5 keys valid', each key masked, none in full."""
    all_ok(upstreams)
    reply, call = await _keys(_env(bot_env, upstreams, tmp_path), local_slack)
    assert reply.status == 200
    assert len(local_slack.calls_for("response_url")) == 1
    assert call.body["response_type"] == "ephemeral"
    assert "all 5 keys valid" in call.body["blocks"][0]["text"]["text"]
    text = _lines(call.body)
    for provider, key in KEYS.items():
        assert f"`…{key[-4:]}` — valid" in _line(text, NAMES[provider])
    recorded = _recorded(local_slack)
    assert not [key for key in KEYS.values() if key in recorded]


async def test_real_error_bodies_are_told_apart(
    bot_env: dict[str, str], local_slack: LocalSlack, upstreams: Upstreams, tmp_path: Path
) -> None:
    """401 / 402 / Google 400 / 429 Retry-After / 529 each get their own word in /keys."""
    _script_mixed(upstreams)
    _, call = await _keys(_env(bot_env, upstreams, tmp_path), local_slack)
    text = _lines(call.body)
    assert "5 of 5 keys need attention" in text
    for name, word in MIXED_WORDS.items():
        assert f"` — {word}" in _line(text, name)


async def test_hanging_provider_is_timeout_and_reply_meets_deadline(
    bot_env: dict[str, str], local_slack: LocalSlack, upstreams: Upstreams, tmp_path: Path
) -> None:
    """A provider that never answers shows 'timeout'; the reply arrives within the 2 s deadline."""
    all_ok(upstreams)
    upstreams.route(KEY_PATHS["anthropic"], hang=True)
    env = _env(bot_env, upstreams, tmp_path, short=True)
    async with start_bot_in_process(env) as bot:
        started = time.perf_counter()
        await bot.sender.command("/keys", "", response_url=local_slack.response_url_for("h"))
        call = await local_slack.wait_for("response_url", timeout=10)
        elapsed = time.perf_counter() - started
    assert elapsed < 2.0 + 0.5
    text = _lines(call.body)
    assert "` — timeout" in _line(text, "Anthropic")
    assert "` — valid" in _line(text, "OpenAI")


async def test_missing_key_is_missing_and_provider_never_called(
    bot_env: dict[str, str], local_slack: LocalSlack, upstreams: Upstreams, tmp_path: Path
) -> None:
    """No Google key: the line says 'missing' and no request reaches the Google stand-in."""
    all_ok(upstreams)
    keys = {p: k for p, k in KEYS.items() if p != "google"}
    _, call = await _keys(_env(bot_env, upstreams, tmp_path, keys), local_slack)
    assert "`(not set)` — missing" in _line(_lines(call.body), "Google AI")
    assert upstreams.requested("/google/") == []
    assert upstreams.count(KEY_PATHS["openai"]) == 1


async def test_keys_travel_only_in_headers(
    bot_env: dict[str, str], local_slack: LocalSlack, upstreams: Upstreams, tmp_path: Path
) -> None:
    """Each key arrives in its provider's auth header and in no path or query string."""
    all_ok(upstreams)
    await _keys(_env(bot_env, upstreams, tmp_path), local_slack)
    for provider, (header, shape) in AUTH_HEADER.items():
        (request,) = upstreams.requested(KEY_PATHS[provider])
        assert request.headers[header] == shape.format(KEYS[provider])
    (anthropic,) = upstreams.requested(KEY_PATHS["anthropic"])
    assert anthropic.headers["anthropic-version"] == "2023-06-01"
    for request in upstreams.requests:
        assert not [k for k in KEYS.values() if k in request.path or k in request.query]


async def test_artificial_analysis_quota_is_spent_once_for_two_checks(
    bot_env: dict[str, str], local_slack: LocalSlack, upstreams: Upstreams, tmp_path: Path
) -> None:
    """Two /keys in a row call the quota-limited AA API once; the other providers twice."""
    all_ok(upstreams)
    async with start_bot_in_process(_env(bot_env, upstreams, tmp_path)) as bot:
        for key in ("first", "second"):
            await bot.sender.command("/keys", "", response_url=local_slack.response_url_for(key))
            call = await local_slack.wait_for("response_url", predicate=lambda c, k=key: c.key == k)
    assert upstreams.count(KEY_PATHS["artificial_analysis"]) == 1
    assert upstreams.count(KEY_PATHS["openai"]) == 2
    assert "` — valid" in _line(_lines(call.body), "Artificial Analysis")


@pytest.mark.parametrize(
    ("text", "problem"), [("help", ""), ("extra", "`/keys` takes no arguments (got `extra`)")]
)
async def test_help_or_extra_words_get_usage_in_the_ack(
    bot_env: dict[str, str],
    local_slack: LocalSlack,
    upstreams: Upstreams,
    tmp_path: Path,
    text: str,
    problem: str,
) -> None:
    """`/keys help` and `/keys extra` are answered in the ack with the usage; nothing is probed."""
    all_ok(upstreams)
    async with start_bot_in_process(_env(bot_env, upstreams, tmp_path)) as bot:
        reply = await bot.sender.command(
            "/keys", text, response_url=local_slack.response_url_for("u")
        )
    assert reply.status == 200
    ack = json.loads(reply.text)
    assert "Usage: `/keys`" in ack["text"] and problem in ack["text"]
    assert ack["response_type"] == "ephemeral"
    assert upstreams.requests == []
    assert local_slack.calls_for("response_url") == []


async def test_cli_keys_prints_same_words_masked_and_exits_1(
    bot_env: dict[str, str], upstreams: Upstreams, tmp_path: Path
) -> None:
    """`aisi-bot keys` shows the providers' words, masked keys, and exits 1 when one is bad."""
    _script_mixed(upstreams)
    code, output, _ = await _cli(_env(bot_env, upstreams, tmp_path), "keys")
    assert code == 1
    for provider, key in KEYS.items():
        assert f"`…{key[-4:]}` — {MIXED_WORDS[NAMES[provider]]}" in _line(output, NAMES[provider])
        assert key not in output


async def test_cli_keys_exits_0_when_all_valid(
    bot_env: dict[str, str], upstreams: Upstreams, tmp_path: Path
) -> None:
    """`aisi-bot keys` exits 0 with every key valid."""
    all_ok(upstreams)
    code, output, errors = await _cli(_env(bot_env, upstreams, tmp_path), "keys")
    assert code == 0, output + errors
    assert "all 5 keys valid" in output


async def test_cli_keys_json_parses(
    bot_env: dict[str, str], upstreams: Upstreams, tmp_path: Path
) -> None:
    """`aisi-bot keys --json` prints one JSON document with the five statuses."""
    _script_mixed(upstreams)
    code, out, _ = await _cli(_env(bot_env, upstreams, tmp_path), "keys", "--json")
    report = json.loads(out)
    statuses = {r["name"]: r["status"] for g in report["groups"] for r in g["results"]}
    assert statuses == {
        "OpenAI": "invalid",
        "Anthropic": "quota",
        "Google AI": "invalid",
        "Replicate": "rate_limited",
        "Artificial Analysis": "provider_down",
    }
    assert code == 1


def _script_echoing(up: Upstreams, keys: dict[str, str]) -> None:
    """Stand-ins that echo the key back, in full or as an 'sk-abc...xyz' fragment."""
    all_ok(up)
    fragment = f"{keys['openai'][:7]}...{keys['openai'][-4:]}"
    up.route(KEY_PATHS["openai"], status=401, json=openai_401(fragment))
    message = f"Internal error validating x-api-key {keys['anthropic']}"
    echo_500 = {"type": "error", "error": {"type": "api_error", "message": message}}
    up.route(KEY_PATHS["anthropic"], status=500, json=echo_500)
    google = json.loads(json.dumps(GOOGLE_400))
    google["error"]["message"] = f"API key not valid: {keys['google']}. Pass a valid API key."
    up.route(KEY_PATHS["google"], status=400, json=google)
    replicate = {"title": "Unauthenticated", "detail": f"Invalid token {keys['replicate']}"}
    up.route(KEY_PATHS["replicate"], status=401, json={**replicate, "status": 401})
    aa = {"error": f"Internal Server Error for key {keys['artificial_analysis']}"}
    up.route(KEY_PATHS["artificial_analysis"], status=500, json=aa)


async def test_echoed_canary_keys_never_leave_the_process(
    bot_env: dict[str, str],
    local_slack: LocalSlack,
    upstreams: Upstreams,
    tmp_path: Path,
    canary: str,
) -> None:
    """Keys echoed back by providers appear in no Slack call, DEBUG log line or CLI output."""
    keys = {provider: f"{canary}-{provider}" for provider in KEYS}
    _script_echoing(upstreams, keys)
    env = {**_env(bot_env, upstreams, tmp_path, keys), "LOG_LEVEL": "DEBUG"}
    async with start_bot_process(env) as bot:
        for command in ("/keys", "/health"):
            key = command.lstrip("/")
            url = local_slack.response_url_for(key)
            assert (await bot.sender.command(command, "", response_url=url)).status == 200
            await local_slack.wait_for("response_url", predicate=lambda c, k=key: c.key == k)
    outputs = [_recorded(local_slack), "".join(bot.output)]
    for args in (("keys",), ("keys", "--json"), ("health",)):
        _, out, err = await _cli(env, *args)
        outputs.append(out + err)
    for text in outputs:
        assert "canary-" not in text  # neither a key nor any echoed fragment of one
    assert "Incorrect API key provided: …enai" in outputs[0]  # the echo arrived, masked
    assert "DEBUG" in outputs[1]
