"""Logs cannot be used against the bot: linear redaction, one line per record, no bodies."""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Iterator

import pytest
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.web.async_client import AsyncWebClient

from bot.app.logs import MAX_MESSAGE_CHARS, setup_logging
from bot.settings.secrets import Redactor

HOSTILE_SHAPES = {
    "letters": "a" * 1_000_000,
    "schemes": "a://" * 250_000,
    "userinfo without @": "a://b:" * 170_000,
    "one long password": "x://u:" + "p" * 1_000_000,
    "colons": ":" * 1_000_000,
    "at signs": "@" * 1_000_000,
}


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """The root handler writing text-format lines into a buffer."""
    stream = io.StringIO()
    handler = setup_logging("DEBUG", "text", Redactor(["sk-live-0123456789abcdef"]), stream=stream)
    try:
        yield stream
    finally:
        logging.getLogger().removeHandler(handler)
        logging.getLogger().setLevel(logging.WARNING)


@pytest.mark.parametrize("shape", sorted(HOSTILE_SHAPES))
def test_redaction_of_a_megabyte_is_linear(shape: str) -> None:
    """1 MB of each hostile shape is redacted in well under a second (a quadratic scan: hours)."""
    text = HOSTILE_SHAPES[shape]
    started = time.perf_counter()
    Redactor(["sk-live-0123456789abcdef"]).redact(text)
    assert time.perf_counter() - started < 0.5


def test_url_passwords_are_still_redacted() -> None:
    """The linear pattern masks passwords in every URL of a line and leaves the rest alone."""
    out = Redactor().redact(
        "postgresql://user:hunter22@db/x redis://:pw123@h:1/0 https://a.b/c?x=y:z@w"
    )
    assert out == "postgresql://user:****@db/x redis://:****@h:1/0 https://a.b/c?x=y:z@w"


def test_control_characters_cannot_forge_a_line(captured: io.StringIO) -> None:
    """Newlines, carriage returns, NUL and ANSI escapes in a message or its args stay escaped."""
    forged = "x\n2026-01-01 00:00:00,000 ERROR aisi: forged\r\x00\x1b[31m\u2028end"
    logging.getLogger("test.logs").warning("got %s and " + forged, forged)
    lines = captured.getvalue().splitlines()
    assert len(lines) == 1
    assert "\\n2026-01-01" in lines[0] and "\\x00" in lines[0] and "\\x1b" in lines[0]


def test_long_messages_are_capped(captured: io.StringIO) -> None:
    """A megabyte-long argument becomes one line of about MAX_MESSAGE_CHARS, saying how much."""
    logging.getLogger("test.logs").info("value %s", "v" * 1_000_000)
    line = captured.getvalue().rstrip("\n")
    assert "\n" not in line
    assert len(line) < MAX_MESSAGE_CHARS + 200
    assert f"…({1_000_006 - MAX_MESSAGE_CHARS} more)" in line


def test_a_secret_across_the_cap_is_still_masked(captured: io.StringIO) -> None:
    """Redaction happens before cutting, so no prefix of a secret survives the cap."""
    logging.getLogger("test.logs").info(
        "%s", "p" * (MAX_MESSAGE_CHARS - 5) + "sk-live-0123456789abcdef"
    )
    assert "sk-li" not in captured.getvalue()


def test_exception_messages_are_escaped_but_tracebacks_keep_lines(captured: io.StringIO) -> None:
    """A traceback stays readable; the exception's own message cannot add lines."""
    try:
        try:
            raise ValueError("inner\nFORGED inner line")
        except ValueError as exc:
            raise RuntimeError("outer\nFORGED outer line sk-live-0123456789abcdef") from exc
    except RuntimeError:
        logging.getLogger("test.logs").exception("failed")
    lines = captured.getvalue().splitlines()
    assert not any(line.startswith("FORGED") for line in lines)
    assert "Traceback (most recent call last):" in lines
    assert any(line.startswith("RuntimeError: outer\\nFORGED") for line in lines)
    assert any(line.startswith("ValueError: inner\\nFORGED") for line in lines)
    assert "sk-live-0123456789abcdef" not in captured.getvalue()


async def test_bolt_never_logs_a_rejected_body(captured: io.StringIO) -> None:
    """Bolt's own signature rejection (logged at INFO with the body) loses the body."""
    app = AsyncApp(
        signing_secret="secret-" + "x" * 20,
        client=AsyncWebClient(token="xoxb-unused", base_url="http://127.0.0.1:9/api/"),
        logger=logging.getLogger("aisi.bolt"),
    )
    body = "command=%2Fhealth&text=BODY-CANARY%0AFORGED"
    headers = {"X-Slack-Request-Timestamp": str(int(time.time())), "X-Slack-Signature": "v0=00"}
    response = await app.async_dispatch(AsyncBoltRequest(body=body, headers=headers))
    assert response.status == 401
    out = captured.getvalue()
    assert "Invalid request signature detected" in out
    assert "BODY-CANARY" not in out and "request content not logged" in out
