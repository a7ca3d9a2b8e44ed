"""Validators for configuration values: each returns the parsed value or raises ConfigError."""

from __future__ import annotations

import math
import re
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.errors import ConfigError

_USER_ID = re.compile(r"^[UWS][A-Z0-9]{2,}$")
_DURATION_PART = re.compile(r"(\d+)(ms|s|m|h|d)")
_UNIT_S = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
DURATION_FORM = 'a duration such as "90s", "15m", "1h" or "1h30m"'


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def as_int(key: str, value: Any, low: int, high: int) -> int:
    """An integer within [low, high]."""
    try:
        number = int(str(value).strip()) if not isinstance(value, bool) else None
    except ValueError:
        number = None
    if number is None or not low <= number <= high:
        raise ConfigError(key, f"must be an integer from {low} to {high} (got {_shown(value)})")
    return number


def as_float(key: str, value: Any, low: float, high: float) -> float:
    """A number within [low, high]."""
    try:
        number = float(str(value).strip()) if not isinstance(value, bool) else None
    except ValueError:
        number = None
    if number is None or number != number or not low <= number <= high:
        raise ConfigError(key, f"must be a number from {low:g} to {high:g} (got {_shown(value)})")
    return number


def parse_duration(text: object, *, allow_zero: bool = False) -> float:
    """Seconds in a duration string: "90s", "15m", "1h", "1h30m", "500ms".

    The one duration syntax of the bot's settings. Raises ``ValueError`` with a reason fit
    for a one-line configuration error.
    """
    raw = text.strip().lower() if isinstance(text, str) else ""
    position, total = 0, 0.0
    for match in _DURATION_PART.finditer(raw):
        if match.start() != position:
            break
        total += int(match.group(1)) * _UNIT_S[match.group(2)]
        position = match.end()
    if not raw or position != len(raw):
        raise ValueError(f"must be {DURATION_FORM} (got {_shown(text)})")
    if total <= 0 and not allow_zero:
        raise ValueError(f"must be longer than zero (got {_shown(text)})")
    return total


def as_duration(key: str, value: Any, low_s: float, high_s: float) -> int:
    """A duration setting in whole seconds (rounded up), within [low_s, high_s]."""
    try:
        seconds = parse_duration(value, allow_zero=low_s <= 0)
    except ValueError as exc:
        raise ConfigError(key, str(exc)) from None
    if not low_s <= seconds <= high_s:
        raise ConfigError(
            key, f"must be from {_seconds(low_s)} to {_seconds(high_s)} (got {_shown(value)})"
        )
    return math.ceil(seconds)


def _seconds(total: float) -> str:
    for unit in ("d", "h", "m", "s"):
        if total and total % _UNIT_S[unit] == 0:
            return f"{int(total // _UNIT_S[unit])}{unit}"
    return f"{total:g}s"


def as_bool(key: str, value: Any) -> bool:
    """true/false, yes/no, 1/0, on/off."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise ConfigError(key, f"must be true or false (got {_shown(value)})")


def as_choice(key: str, value: Any, choices: tuple[str, ...]) -> str:
    """One of a fixed set of words."""
    if value not in choices:
        raise ConfigError(key, f"must be one of {', '.join(choices)} (got {_shown(value)})")
    return str(value)


def as_url(key: str, value: Any, *, quiet: bool = False) -> str:
    """An absolute http(s) or ws(s) URL. ``quiet`` keeps the value out of the message."""
    text = str(value or "").strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        shown = "" if quiet else f" (got {_shown(value)})"
        raise ConfigError(key, f"must be an absolute http(s) URL{shown}")
    return text


def as_timezone(key: str, value: Any) -> str:
    """An IANA time zone name such as Asia/Seoul."""
    try:
        ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            key, f"must be an IANA time zone like Asia/Seoul (got {_shown(value)})"
        ) from None
    return str(value)


def as_str_list(key: str, value: Any) -> tuple[str, ...]:
    """A list of non-empty strings."""
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(key, f"must be a list of non-empty strings (got {_shown(value)})")
    return tuple(value)


def as_user_ids(key: str, value: Any) -> tuple[str, ...]:
    """A list of Slack user or user-group ids (U…, W…, S…)."""
    items = as_str_list(key, value)
    for item in items:
        if not _USER_ID.match(item):
            raise ConfigError(
                key, f"{item!r} is not a Slack user or user-group id (like U012ABCDEF)"
            )
    return items


def as_slack_id(key: str, value: Any, prefix: str) -> str | None:
    """An optional Slack id starting with ``prefix`` (T… for a team, E… for an enterprise)."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not re.fullmatch(prefix + r"[A-Z0-9]{2,}", value):
        raise ConfigError(key, f"must be a Slack id like {prefix}012ABCDEF (got {_shown(value)})")
    return value
