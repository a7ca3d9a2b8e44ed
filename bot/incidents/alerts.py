"""An alert as it arrives (``POST /alerts``, the CLI, the bot's checks), validated strictly."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.errors import BotError
from bot.incidents.model import AlertStatus, Severity

MAX_KEY_CHARS = 200
MAX_TITLE_CHARS = 200
MAX_SOURCE_CHARS = 200
MAX_DETAILS_BYTES = 60_000  # the whole body is at most 64 KB


class AlertValidationError(BotError):
    """A field of an alert is missing or wrong; ``field`` names it (the 400 answer's field)."""

    def __init__(self, field: str, error: str) -> None:
        self.field = field
        self.error = error
        super().__init__(f"{field}: {error}")

    def as_json(self) -> dict[str, str]:
        """The ``POST /alerts`` 400 body: ``{"error", "field"}``."""
        return {"error": self.error, "field": self.field}


@dataclass(frozen=True)
class AlertInput:
    """A validated alert. ``details`` is free text or a JSON object, or absent."""

    dedup_key: str
    title: str
    severity: Severity
    source: str
    status: AlertStatus = AlertStatus.FIRING
    details: str | dict[str, Any] | None = None


def _text(obj: dict[str, Any], name: str, limit: int) -> str:
    if name not in obj or obj[name] is None:
        raise AlertValidationError(name, "is required")
    value = obj[name]
    if not isinstance(value, str):
        raise AlertValidationError(name, f"must be a string (got {_json_type(value)})")
    if not value.strip():
        raise AlertValidationError(name, "must not be empty")
    if len(value) > limit:
        raise AlertValidationError(name, f"must be at most {limit} characters (got {len(value)})")
    if any(ord(c) < 32 and c not in "\t" for c in value):
        raise AlertValidationError(name, "must not contain control characters or newlines")
    if any(_SURROGATES[0] <= ord(c) <= _SURROGATES[1] for c in value):
        raise AlertValidationError(name, "must be valid Unicode (it holds a lone surrogate)")
    return value


_SURROGATES = (0xD800, 0xDFFF)


def _unstorable(value: object) -> str | None:
    """Why PostgreSQL's jsonb could never hold ``value``, or None (a bad body, not an outage)."""
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return "must not contain NaN or Infinity (JSON has no such numbers)"
    if isinstance(value, str):
        if "\x00" in value:
            return "must not contain NUL characters (\\u0000)"
        if any(_SURROGATES[0] <= ord(c) <= _SURROGATES[1] for c in value):
            return "must be valid Unicode (it holds a lone surrogate)"
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            found = _unstorable(key) or _unstorable(item)
            if found:
                return found
    if isinstance(value, list):
        for item in value:
            found = _unstorable(item)
            if found:
                return found
    return None


def _choice(obj: dict[str, Any], name: str, choices: tuple[str, ...]) -> str:
    if name not in obj or obj[name] is None:
        raise AlertValidationError(name, "is required")
    value = obj[name]
    if not isinstance(value, str) or value not in choices:
        shown = json.dumps(value)[:40] if not isinstance(value, str) else repr(value[:40])
        raise AlertValidationError(name, f"must be one of {', '.join(choices)} (got {shown})")
    return value


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "string"


def _details(obj: dict[str, Any]) -> str | dict[str, Any] | None:
    value = obj.get("details")
    if value is None:
        return None
    if not isinstance(value, (str, dict)):
        raise AlertValidationError(
            "details", f"must be a string or an object (got {_json_type(value)})"
        )
    unstorable = _unstorable(value)
    if unstorable:
        raise AlertValidationError("details", unstorable)
    size = len(json.dumps(value, ensure_ascii=False).encode())
    if size > MAX_DETAILS_BYTES:
        raise AlertValidationError(
            "details", f"must be at most {MAX_DETAILS_BYTES} bytes as JSON (got {size})"
        )
    return value


# Dedup-key prefixes of the bot's own checks: only the bot opens, repeats or resolves these
# (POST /alerts gets 403). A new check that raises its own keys adds its prefix here.
OWNED_PREFIXES = (
    "health:",
    "source:",
    "key:",
    "sync:",
    "app:",
    "models:",
    "github:",
    "vercel:",
    "deps:",
    "vendor:",
    "recovery:",
)


def owned_prefix(dedup_key: str) -> str | None:
    """The bot's own prefix ``dedup_key`` starts with (case-insensitive), or None."""
    lowered = dedup_key.strip().lower()
    return next((prefix for prefix in OWNED_PREFIXES if lowered.startswith(prefix)), None)


def validate_alert(obj: object) -> AlertInput:
    """Check one alert body (already parsed JSON); raises ``AlertValidationError`` naming the field.

    Required: ``dedup_key`` (1–200 chars), ``title`` (1–200), ``severity``
    (critical|warning|info), ``source`` (1–200), ``status`` (firing|resolved); optional
    ``details`` (a string or an object). Fields are checked in that order and the first bad
    one is named. Other fields are ignored, so senders may add their own.
    """
    if not isinstance(obj, dict):
        raise AlertValidationError("body", f"must be a JSON object (got {_json_type(obj)})")
    dedup_key = _text(obj, "dedup_key", MAX_KEY_CHARS)
    title = _text(obj, "title", MAX_TITLE_CHARS)
    severity = _choice(obj, "severity", tuple(Severity))
    source = _text(obj, "source", MAX_SOURCE_CHARS)
    status = _choice(obj, "status", tuple(AlertStatus))
    return AlertInput(
        dedup_key=dedup_key,
        title=title,
        severity=Severity(severity),
        source=source,
        status=AlertStatus(status),
        details=_details(obj),
    )
