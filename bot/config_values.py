"""Validators for configuration values: each returns the parsed value or raises ConfigError."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.errors import ConfigError

_USER_ID = re.compile(r"^[UWS][A-Z0-9]{2,}$")
_DURATION = re.compile(r"^([0-9]+)([smhd])$")
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400}


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


def as_duration(key: str, value: Any, low_s: int, high_s: int) -> int:
    """A duration written as an integer and one unit: "90s", "15m", "1h", "6h", "2d" (seconds)."""
    text = value.strip().lower() if isinstance(value, str) else ""
    match = _DURATION.match(text)
    seconds = int(match.group(1)) * _UNIT_S[match.group(2)] if match else None
    if seconds is None:
        raise ConfigError(
            key,
            'must be a duration: a whole number and one unit s, m, h or d, like "90s",'
            f' "15m" or "6h" (got {_shown(value)})',
        )
    if not low_s <= seconds <= high_s:
        raise ConfigError(
            key, f"must be from {_seconds(low_s)} to {_seconds(high_s)} (got {_shown(value)})"
        )
    return seconds


def _seconds(total: int) -> str:
    for unit in ("d", "h", "m"):
        if total and total % _UNIT_S[unit] == 0:
            return f"{total // _UNIT_S[unit]}{unit}"
    return f"{total}s"


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


def as_cron(key: str, value: Any) -> str:
    """A five-field crontab expression (minute hour day month weekday)."""
    text = str(value).strip()
    fields = text.split()
    allowed = re.compile(r"^[0-9*/,\-a-zA-Z]+$")
    if len(fields) != 5 or not all(allowed.match(f) for f in fields):
        raise ConfigError(
            key, f"must be a 5-field cron expression like '0 9 * * *' (got {_shown(value)})"
        )
    return text


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
