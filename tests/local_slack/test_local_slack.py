"""Tests of the local Slack server (real HTTP through slack_sdk) and of the text renderer."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.async_client import AsyncBaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.slack.text import message_to_text
from local_slack.payloads import submitted_view_payload
from local_slack.server import LocalSlack, validate_blocks

BOT_TOKEN = "xoxb-local-test-token"
APP_TOKEN = "xapp-local-test-token"
TS_FORMAT = re.compile(r"^\d{10}\.\d{6}$")


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """slack_sdk clients use *_PROXY env vars (ignoring NO_PROXY) even for 127.0.0.1."""
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
async def slack() -> AsyncIterator[LocalSlack]:
    server = LocalSlack(bot_token=BOT_TOKEN, app_token=APP_TOKEN)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
def client(slack: LocalSlack) -> AsyncWebClient:
    return AsyncWebClient(token=BOT_TOKEN, base_url=slack.api_url)


async def test_auth_test(slack: LocalSlack, client: AsyncWebClient) -> None:
    """auth.test answers the bot identity on an ephemeral 127.0.0.1 port."""
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", slack.url)
    assert not slack.url.endswith(":0")
    resp = await client.auth_test()
    assert (resp["team_id"], resp["user_id"], resp["bot_id"]) == (
        "T0LOCAL",
        "U0LOCALBOT",
        "B0LOCAL",
    )
    assert resp["is_enterprise_install"] is False
    call = slack.calls_for("auth.test")[0]
    assert call.ok and call.headers["authorization"] == "(redacted)"
    assert BOT_TOKEN not in repr(call)


async def test_post_message_then_update(slack: LocalSlack, client: AsyncWebClient) -> None:
    """chat.postMessage stores the message; chat.update changes it in place."""
    posted = await client.chat_postMessage(
        channel="C0OPS", text="Incident", blocks=[section("*P1*")]
    )
    second = await client.chat_postMessage(channel="C0OPS", text="another")
    assert TS_FORMAT.match(posted["ts"]) and float(second["ts"]) > float(posted["ts"])
    assert posted["message"]["blocks"] == [section("*P1*")]
    updated = await client.chat_update(channel="C0OPS", ts=posted["ts"], text="Resolved")
    assert (updated["ts"], updated["text"]) == (posted["ts"], "Resolved")
    message = slack.message("C0OPS", posted["ts"])
    assert message is not None and message["text"] == "Resolved"
    assert message["blocks"] == [section("*P1*")]  # chat.update keeps blocks it was not given
    assert slack.calls_for("chat.postMessage")[0].body["blocks"] == [section("*P1*")]


async def test_form_encoded_blocks_are_decoded(slack: LocalSlack, client: AsyncWebClient) -> None:
    """A form-encoded body with the token field and JSON-string blocks is decoded."""
    raw = AsyncWebClient(base_url=slack.api_url)
    blocks = '[{"type": "divider"}]'
    data = {"token": BOT_TOKEN, "channel": "C0OPS", "text": "t", "blocks": blocks}
    resp = await raw.api_call("chat.postMessage", data=data)
    assert resp["ok"]
    call = slack.calls_for("chat.postMessage")[0]
    assert call.body["blocks"] == [{"type": "divider"}] and "token" not in call.body


async def test_update_of_unknown_ts_fails(client: AsyncWebClient) -> None:
    """chat.update of a message that was never posted → message_not_found."""
    with pytest.raises(SlackApiError) as info:
        await client.chat_update(channel="C0OPS", ts="1700000000.999999", text="x")
    assert info.value.response["error"] == "message_not_found"


async def test_51_blocks_rejected(slack: LocalSlack, client: AsyncWebClient) -> None:
    """More than 50 blocks in a message → invalid_blocks; exactly 50 is fine."""
    await client.chat_postMessage(channel="C0OPS", text="ok", blocks=[{"type": "divider"}] * 50)
    with pytest.raises(SlackApiError) as info:
        await client.chat_postMessage(channel="C0OPS", text="x", blocks=[{"type": "divider"}] * 51)
    assert info.value.response["error"] == "invalid_blocks"
    assert "too many blocks: 51 > 50" in info.value.response["errors"]
    assert not slack.calls_for("chat.postMessage")[1].ok


async def test_section_text_3001_chars_rejected(client: AsyncWebClient) -> None:
    """A section text over 3000 characters → invalid_blocks naming the block."""
    blocks = [section("ok"), section("x" * 3001)]
    with pytest.raises(SlackApiError) as info:
        await client.chat_postMessage(channel="C0OPS", text="x", blocks=blocks)
    assert info.value.response["error"] == "invalid_blocks"
    assert info.value.response["errors"] == validate_blocks(blocks, limit=50)
    assert "blocks[1] (section)" in info.value.response["errors"][0]
    assert "3000" in info.value.response["errors"][0]


def test_validate_blocks_reports_each_problem() -> None:
    """validate_blocks flags unknown types, unbuildable blocks and nested element limits."""
    button = {"type": "button", "text": {"type": "plain_text", "text": "b" * 76}, "action_id": "a"}
    blocks = [{"type": "nope"}, {"type": "header"}, {"type": "actions", "elements": [button]}]
    errors = validate_blocks(blocks, limit=50)
    assert len(errors) == 3 and "unsupported block type" in errors[0]
    assert "75" in errors[2]
    assert validate_blocks([section("fine")], limit=50) == []


async def test_no_text_no_blocks_rejected(client: AsyncWebClient) -> None:
    """A message with neither text nor blocks → no_text."""
    with pytest.raises(SlackApiError) as info:
        await client.api_call("chat.postMessage", json={"channel": "C0OPS"})
    assert info.value.response["error"] == "no_text"


async def test_invalid_token_rejected(slack: LocalSlack) -> None:
    """Wrong token → invalid_auth, none → not_authed, app token → not_allowed_token_type."""
    cases = {"xoxb-wrong": "invalid_auth", None: "not_authed", APP_TOKEN: "not_allowed_token_type"}
    for token, expected in cases.items():
        with pytest.raises(SlackApiError) as info:
            await AsyncWebClient(token=token, base_url=slack.api_url).chat_postMessage(
                channel="C0OPS", text="x"
            )
        assert info.value.response["error"] == expected
    with pytest.raises(SlackApiError) as info:
        await AsyncWebClient(token=BOT_TOKEN, base_url=slack.api_url).api_call("no.such")
    assert info.value.response["error"] == "unknown_method"


async def test_views_users_and_dms(client: AsyncWebClient) -> None:
    """views.open, conversations.open and users.info give realistic replies."""
    modal = {"type": "modal", "title": {"type": "plain_text", "text": "Declare"}, "blocks": []}
    view = (await client.views_open(trigger_id="1.2.abc", view=modal))["view"]
    assert view["id"].startswith("V") and view["type"] == "modal"
    dm = await client.conversations_open(users="U0ALICE")
    assert dm["channel"]["id"].startswith("D")
    user = (await client.users_info(user="U0ALICE"))["user"]
    assert (user["id"], user["name"], user["profile"]["email"]) == (
        "U0ALICE",
        "alice",
        "alice@example.com",
    )


def _checkbox_modal(**element: Any) -> dict[str, Any]:
    options = [
        {"text": {"type": "plain_text", "text": name}, "value": name} for name in ("a", "b", "c")
    ]
    block = {
        "type": "input",
        "block_id": "pick",
        "label": {"type": "plain_text", "text": "Pick"},
        "element": {"type": "checkboxes", "action_id": "choice", "options": options, **element},
    }
    return {
        "type": "modal",
        "callback_id": "pick_things",
        "title": {"type": "plain_text", "text": "Pick"},
        "submit": {"type": "plain_text", "text": "Go"},
        "private_metadata": "meta",
        "blocks": [block],
    }


async def test_views_open_refuses_what_slack_refuses(
    slack: LocalSlack, client: AsyncWebClient
) -> None:
    """A title over 24 characters, inputs without a submit, initial options that are not
    options, 101 blocks, and a trigger id used twice are all refused, with Slack's codes."""
    good = _checkbox_modal()
    long_title = {**good, "title": {"type": "plain_text", "text": "x" * 25}}
    no_submit = {k: v for k, v in good.items() if k != "submit"}
    stranger = {"text": {"type": "plain_text", "text": "z"}, "value": "z"}
    bad_initial = _checkbox_modal(initial_options=[stranger])
    too_many = {**good, "blocks": [section("x")] * 101}
    cases = [
        (long_title, "invalid_arguments"),
        (no_submit, "invalid_arguments"),
        (bad_initial, "invalid_blocks"),
        (too_many, "invalid_blocks"),
    ]
    for index, (view, code) in enumerate(cases):
        with pytest.raises(SlackApiError) as info:
            await client.views_open(trigger_id=f"1.2.bad{index}", view=view)
        assert info.value.response["error"] == code, view
    opened = await client.views_open(trigger_id="1.2.once", view=good)
    assert opened["view"]["callback_id"] == "pick_things"
    with pytest.raises(SlackApiError) as info:
        await client.views_open(trigger_id="1.2.once", view=good)
    assert info.value.response["error"] == "exchanged_trigger_id"
    assert [c.ok for c in slack.calls_for("views.open")] == [False] * 4 + [True, False]


def test_a_submitted_view_carries_its_state_like_slack() -> None:
    """The submission of a stored view: its id, metadata, and each input's initial choice,
    or the choices given by action id."""
    stored = {**_checkbox_modal(initial_options=[]), "id": "V0000001", "hash": "h1"}
    stored["blocks"][0]["element"]["initial_options"] = [
        stored["blocks"][0]["element"]["options"][1]
    ]
    first = submitted_view_payload(stored, user_id="U0ALICE")
    assert first["type"] == "view_submission" and first["user"]["id"] == "U0ALICE"
    assert (first["view"]["id"], first["view"]["private_metadata"]) == ("V0000001", "meta")
    picked = first["view"]["state"]["values"]["pick"]["choice"]
    assert [o["value"] for o in picked["selected_options"]] == ["b"]
    again = submitted_view_payload(stored, user_id="U0ALICE", choices={"choice": ["c", "a"]})
    chosen = again["view"]["state"]["values"]["pick"]["choice"]["selected_options"]
    assert [o["value"] for o in chosen] == ["a", "c"]


async def test_response_url_recorded(slack: LocalSlack, client: AsyncWebClient) -> None:
    """POSTs to a response_url are validated, recorded with their key, and replace messages."""
    posted = await client.chat_postMessage(channel="C0OPS", text="Incident open")
    url = slack.response_url_for("cmd-1", channel="C0OPS", message_ts=posted["ts"])
    assert url == f"{slack.url}/response/cmd-1"
    webhook = AsyncWebhookClient(url)
    resp = await webhook.send(text="Acknowledged", blocks=[section("ack")], replace_original=True)
    assert (resp.status_code, resp.body) == (200, '{"ok": true}')
    call = await slack.wait_for("response_url")
    assert (call.key, call.body["blocks"], call.body["replace_original"]) == (
        "cmd-1",
        [section("ack")],
        True,
    )
    message = slack.message("C0OPS", posted["ts"])
    assert message is not None and message["text"] == "Acknowledged"
    bad = await webhook.send(text="x", blocks=[section("y" * 3001)])
    assert bad.status_code == 400 and "invalid_blocks" in bad.body
    await webhook.send(delete_original=True)
    assert slack.message("C0OPS", posted["ts"]) is None


async def test_wait_for_times_out_with_clear_error(
    slack: LocalSlack, client: AsyncWebClient
) -> None:
    """wait_for raises TimeoutError listing the calls it saw."""
    await client.auth_test()
    with pytest.raises(TimeoutError, match=r"no call to chat\.postMessage.*#0 auth\.test ok"):
        await slack.wait_for("chat.postMessage", timeout=0.05)


async def test_wait_for_wakes_on_later_call(slack: LocalSlack, client: AsyncWebClient) -> None:
    """wait_for returns a matching call that arrives after it started waiting."""
    waiter = asyncio.create_task(
        slack.wait_for("chat.postMessage", predicate=lambda c: c.body.get("text") == "second")
    )
    await client.chat_postMessage(channel="C0OPS", text="first")
    await client.chat_postMessage(channel="C0OPS", text="second")
    assert (await waiter).index == 1
    assert (await slack.wait_for("*", since=1)).body["text"] == "second"


async def test_fail_next_429_is_retried(slack: LocalSlack) -> None:
    """A scripted 429 carries Retry-After; AsyncRateLimitErrorRetryHandler retries it."""
    plain = AsyncWebClient(token=BOT_TOKEN, base_url=slack.api_url)
    slack.fail_next("chat.postMessage", status=429, retry_after=0)
    with pytest.raises(SlackApiError) as info:
        await plain.chat_postMessage(channel="C0OPS", text="x")
    assert info.value.response.status_code == 429
    assert info.value.response.headers["Retry-After"] == "0"
    assert info.value.response["error"] == "ratelimited"

    retrying = AsyncWebClient(
        token=BOT_TOKEN,
        base_url=slack.api_url,
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=1)],
    )
    slack.fail_next("chat.postMessage", status=429, retry_after=0)
    resp = await retrying.chat_postMessage(channel="C0OPS", text="hello")
    assert resp["ok"]
    assert [c.status for c in slack.calls_for("chat.postMessage")] == [429, 429, 200]


async def test_socket_mode_client_connects_acks_and_reconnects(slack: LocalSlack) -> None:
    """The real SocketModeClient gets hello, acks envelopes, and reconnects after a drop."""
    hellos: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    requests: list[SocketModeRequest] = []

    async def on_message(_: AsyncBaseSocketModeClient, message: dict[str, Any], __: Any) -> None:
        if message.get("type") == "hello":
            hellos.put_nowait(message)

    async def on_request(sm: AsyncBaseSocketModeClient, request: SocketModeRequest) -> None:
        requests.append(request)
        response = SocketModeResponse(request.envelope_id, payload={"text": "got it"})
        await sm.send_socket_mode_response(response)

    web = AsyncWebClient(token=BOT_TOKEN, base_url=slack.api_url)
    sm = SocketModeClient(app_token=APP_TOKEN, web_client=web)
    sm.message_listeners.append(on_message)
    sm.socket_mode_request_listeners.append(on_request)
    try:
        await sm.connect()
        hello = await asyncio.wait_for(hellos.get(), 5)
        assert hello["connection_info"] == {"app_id": "A0LOCAL"}
        first = await slack.socket_send("slash_commands", {"command": "/aisi", "text": "status"})
        ack = await slack.wait_socket_ack(first)
        assert ack == {"envelope_id": first, "payload": {"text": "got it"}}

        await slack.drop_socket_connections()
        await slack.wait_socket_connected(2)
        await asyncio.wait_for(hellos.get(), 5)
        second = await slack.socket_send("events_api", {"event": {"type": "app_mention"}})
        assert (await slack.wait_socket_ack(second))["envelope_id"] == second
    finally:
        await sm.close()
    assert [r.type for r in requests] == ["slash_commands", "events_api"]
    assert requests[0].payload == {"command": "/aisi", "text": "status"}
    assert len(slack.calls_for("apps.connections.open")) == 2
    assert slack.socket_connections_total == 2


def test_message_to_text_renders_blocks() -> None:
    """message_to_text renders header, section, context, divider and actions readably."""
    body = {
        "text": "fallback",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": "P1: API down"}},
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": "Owner <@U123>, see <https://x.io/1|runbook>"},
                "fields": [{"type": "mrkdwn", "text": "*Status*\nopen &amp; &lt;new&gt;"}],
            },
            {"type": "context", "elements": [{"type": "mrkdwn", "text": "opened by <@U9|bob>"}]},
            {"type": "divider"},
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "action_id": "ack",
                        "text": {"type": "plain_text", "text": "Acknowledge"},
                    },
                    {
                        "type": "button",
                        "action_id": "resolve",
                        "text": {"type": "plain_text", "text": "Resolve"},
                    },
                ],
            },
        ],
    }
    assert message_to_text(body) == "\n".join(
        [
            "P1: API down",
            "============",
            "Owner @U123, see runbook (https://x.io/1)",
            "  *Status*",
            "  open & <new>",
            "  opened by @bob",
            "─" * 40,
            "[ Acknowledge ] (ack)  [ Resolve ] (resolve)",
        ]
    )
    assert message_to_text({"text": "hi <!here> &amp; <mailto:a@b.c|a@b.c>"}) == "hi @here & a@b.c"
