"""The redaction filter: secrets and URL passwords never reach a log line."""

from __future__ import annotations

import io
import logging

from bot.app.logs import setup_logging
from bot.settings.secrets import Redactor, Secret, mask


def test_mask_shows_at_most_last_four() -> None:
    """Long values keep their last 4 characters; short ones show none."""
    assert mask("sk-proj-abcdefghijklmnop1234") == "…1234"
    assert mask("short") == "…****"
    assert mask(None) == "(not set)"


def test_secret_repr_is_masked() -> None:
    """A Secret never shows its value in repr or str."""
    secret = Secret("xoxb-123456789-abcdefgh")
    assert "abcdefgh" not in repr(secret) and "abcdefgh" not in str(secret)
    assert secret.reveal() == "xoxb-123456789-abcdefgh"


def test_log_lines_and_tracebacks_are_redacted() -> None:
    """A secret in a message, an argument or an exception's traceback is masked in the output."""
    stream = io.StringIO()
    value = "sk-live-0123456789abcdef"
    handler = setup_logging("INFO", "text", Redactor([value]), stream=stream)
    log = logging.getLogger("test.redaction")
    try:
        log.info("calling with %s", value)
        try:
            raise RuntimeError(f"bad key {value} at postgresql://user:hunter22@db/x")
        except RuntimeError:
            log.exception("failed")
        out = stream.getvalue()
    finally:
        logging.getLogger().removeHandler(handler)
    assert value not in out and "hunter22" not in out
    assert "…cdef" in out and "postgresql://user:****@db/x" in out


def test_json_log_format_is_redacted() -> None:
    """LOG_FORMAT=json lines are redacted too."""
    stream = io.StringIO()
    value = "anthropic-key-abcdef123456"
    handler = setup_logging("INFO", "json", Redactor([value]), stream=stream)
    try:
        logging.getLogger("test.redaction").warning("key %s", value)
    finally:
        logging.getLogger().removeHandler(handler)
    assert value not in stream.getvalue() and '"level": "WARNING"' in stream.getvalue()
