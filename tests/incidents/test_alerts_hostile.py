"""POST /alerts with bytes no sender should send: a 4xx naming the field, never a 500 or a
"retry later", no row, no traceback in the log."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from urllib.parse import quote, urlsplit

import pytest

from bot.incidents import OWNED_PREFIXES, AlertInput
from bot.incidents.model import AlertStatus, Severity
from local_slack.payloads import signed_headers
from local_slack.server import LocalSlack
from tests.harness import BotUnderTest, start_bot_in_process
from tests.incidents.slack_side import alert, configure, post_alert, rows


@pytest.fixture
async def alerts_bot(bot_env: dict[str, str]) -> AsyncIterator[BotUnderTest]:
    """The bot with ALERTS_TOKEN set."""
    async with start_bot_in_process(configure(bot_env)) as running:
        yield running


async def _raw_request(url: str, request: bytes) -> bytes:
    """Send exact bytes over TCP (a client library would re-encode the header)."""
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    try:
        writer.write(request)
        await writer.drain()
        return await asyncio.wait_for(reader.read(65536), 10)
    finally:
        writer.close()
        await writer.wait_closed()


async def test_a_bearer_token_that_is_not_utf8_is_401_without_a_traceback(
    alerts_bot: BotUnderTest, caplog: pytest.LogCaptureFixture
) -> None:
    """`Authorization: Bearer \\xe9` as a raw byte: 401, no traceback logged."""
    body = (
        b'{"dedup_key": "k", "title": "t", "severity": "info", "source": "s",'
        b' "status": "firing"}'
    )
    request = (
        b"POST /alerts HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \xe9\r\n"
        b"Content-Type: application/json\r\nConnection: close\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    )
    answer = await _raw_request(alerts_bot.url, request)
    assert answer.startswith(b"HTTP/1.1 401"), answer[:200]
    assert "Traceback" not in caplog.text and "UnicodeEncodeError" not in caplog.text


@pytest.mark.parametrize(
    ("case", "raw", "field"),
    [
        ("NUL in details", '{"note": "a\\u0000b"}', "details"),
        ("NaN in details", '{"value": NaN}', "details"),
        ("Infinity in details", '{"value": [1, -Infinity]}', "details"),
        ("a lone surrogate in details", '{"\\ud800": 1}', "details"),
    ],
)
async def test_details_postgresql_could_never_store_are_400(
    case: str,
    raw: str,
    field: str,
    alerts_bot: BotUnderTest,
    local_slack: LocalSlack,
    database_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A 400 naming ``details`` (no Retry-After: retrying cannot help), no row, no Slack call."""
    before = len(local_slack.calls)
    body = (
        '{"dedup_key": "hostile", "title": "t", "severity": "info", "source": "s",'
        ' "status": "firing", "details": ' + raw + "}"
    )
    status, answer, headers = await post_alert(alerts_bot.session, alerts_bot.url, body)
    assert status == 400, (case, answer)
    assert answer["field"] == field and "Retry-After" not in headers
    stored = "SELECT count(*) FROM chatops.incidents WHERE dedup_key = 'hostile'"
    assert rows(database_url, stored) == [(0,)]
    assert local_slack.calls[before:] == []
    assert "database unavailable" not in caplog.text


async def test_a_lone_surrogate_in_the_title_is_400(
    alerts_bot: BotUnderTest, database_url: str
) -> None:
    """title holding "\\udc00": 400 naming title, not a 500."""
    body = alert("surrogate")
    raw = (
        '{"dedup_key": "surrogate", "title": "bad \\udc00 title", "severity": "info",'
        ' "source": "s", "status": "firing"}'
    )
    status, answer, _ = await post_alert(alerts_bot.session, alerts_bot.url, raw)
    assert status == 400 and answer["field"] == "title", answer
    status, answer, _ = await post_alert(alerts_bot.session, alerts_bot.url, body)
    assert status == 202, answer  # the same sender's good alert still goes in


@pytest.mark.parametrize(
    "payload",
    [
        '{"type": "block_actions", "actions": {"action_id": "incident_ack"}}',
        '{"type": "block_actions", "actions": ["incident_ack"]}',
        '{"type": "view_submission", "view": "recover_confirm"}',
        '"block_actions"',
    ],
)
async def test_a_signed_payload_of_the_wrong_shape_is_400(
    payload: str, alerts_bot: BotUnderTest, local_slack: LocalSlack,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Correctly signed, but not what Slack sends: 400, no Slack call, no traceback."""
    before = len(local_slack.calls)
    body = "payload=" + quote(payload)
    answer = await alerts_bot.sender.post_raw(
        body, signed_headers(alerts_bot.sender._secret, body)
    )
    assert answer.status == 400, answer
    assert local_slack.calls[before:] == []
    assert "Traceback" not in caplog.text


@pytest.mark.parametrize("prefix", OWNED_PREFIXES)
async def test_alerts_may_not_touch_a_key_of_the_bots_own_checks(
    prefix: str, alerts_bot: BotUnderTest, local_slack: LocalSlack, database_url: str
) -> None:
    """Firing and resolved alike: 403 naming the prefix, no row, no Slack call."""
    before = len(local_slack.calls)
    key = prefix.upper() + "cache"  # the prefix is matched whatever its case
    for status_value in ("firing", "resolved"):
        code, answer, _ = await post_alert(
            alerts_bot.session, alerts_bot.url, alert(key, status=status_value)
        )
        assert code == 403 and prefix in answer["error"], answer
        assert answer["field"] == "dedup_key"
    stored = "SELECT count(*) FROM chatops.incidents WHERE lower(dedup_key) = lower(%s)"
    assert rows(database_url, stored, key) == [(0,)]
    assert local_slack.calls[before:] == []


async def test_a_bots_own_incident_is_not_resolved_by_an_alert(
    alerts_bot: BotUnderTest, database_url: str
) -> None:
    """The incident /health opened for the cache stays open when /alerts says resolved."""
    assert alerts_bot.runtime is not None
    service = alerts_bot.runtime.incidents
    opened = await service.raise_alert(
        AlertInput("health:cache", "Cache down", Severity.CRITICAL, "health", AlertStatus.FIRING),
        actor="U0OPS",
    )
    assert opened.incident is not None
    resolve = alert("health:cache", status="resolved", source="U0OPS")
    code, _, _ = await post_alert(alerts_bot.session, alerts_bot.url, resolve)
    assert code == 403
    state = "SELECT state FROM chatops.incidents WHERE id = %s"
    assert rows(database_url, state, opened.incident.id) == [("open",)]
