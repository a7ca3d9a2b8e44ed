"""Request-quota headers of an upstream (X-RateLimit-*, RateLimit-*), read tolerantly.

Artificial Analysis documents a daily request limit but no header for it, so every common
spelling is accepted and nothing is guessed: without a "remaining" count there is no
quota to show. Results are flat facts (``quota_remaining``, ``quota_limit``,
``quota_resets_at`` as ISO 8601 UTC) that survive the result caches and ``--json``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

from bot.i18n.translator import DEFAULT_LANGUAGE, Translator, translator


def english() -> Translator:
    """The default language's translator (English: the message ids as they are)."""
    return translator(DEFAULT_LANGUAGE)


QuotaFacts = dict[str, str | int | float | None]

_PREFIXES = ("x-ratelimit-", "ratelimit-", "x-rate-limit-", "x-ratelimit-requests-")
_SUFFIXED = "x-ratelimit-{}-requests"  # the OpenAI-style spelling
_LEADING_INT = re.compile(r"^\s*(\d+)")
_STRUCTURED = re.compile(r"(?:^|[;,\s])(r|t|q|remaining|reset|limit)=(\d+)")
_GO_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")
_STRUCTURED_NAMES = {"r": "remaining", "t": "reset", "q": "limit"}
_EPOCH_FROM = 1_000_000_000  # a reset this large is a Unix time, smaller is seconds from now


def _header(headers: Mapping[str, str], field: str) -> str | None:
    for name in (*(prefix + field for prefix in _PREFIXES), _SUFFIXED.format(field)):
        if name in headers:
            return headers[name]
    return None


def _count(text: str | None) -> int | None:
    match = _LEADING_INT.match(text or "")
    return int(match.group(1)) if match else None


def _structured(headers: Mapping[str, str]) -> dict[str, int]:
    """Values of the draft ``RateLimit: r=..;t=..`` and ``RateLimit-Policy: q=..`` headers."""
    found: dict[str, int] = {}
    for name in ("ratelimit", "ratelimit-policy"):
        for key, value in _STRUCTURED.findall(headers.get(name, "")):
            found.setdefault(_STRUCTURED_NAMES.get(key, key), int(value))
    return found


def _reset_at(text: str | None, now: datetime) -> datetime | None:
    if not text or not text.strip():
        return None
    value = text.strip()
    try:
        number = float(value)
    except ValueError:
        parts = _GO_DURATION.findall(value)
        if parts and "".join(n + u for n, u in parts) == value.replace(" ", ""):
            unit_s = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}
            return now + timedelta(seconds=sum(float(n) * unit_s[u] for n, u in parts))
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        return when if when.tzinfo else when.replace(tzinfo=UTC)
    if not math.isfinite(number) or number < 0:
        return None
    if number >= _EPOCH_FROM:
        return datetime.fromtimestamp(number, UTC)
    return now + timedelta(seconds=number)


def quota_facts(headers: Mapping[str, str], now: datetime | None = None) -> QuotaFacts:
    """The quota an answer's headers report; empty when they report none."""
    lowered = {k.lower(): v for k, v in headers.items()}
    structured = _structured(lowered)
    remaining = _count(_header(lowered, "remaining"))
    if remaining is None:
        remaining = structured.get("remaining")
    if remaining is None:
        return {}
    limit = _count(_header(lowered, "limit"))
    if limit is None:
        limit = structured.get("limit")
    reset_text = _header(lowered, "reset")
    if reset_text is None and "reset" in structured:
        reset_text = str(structured["reset"])
    resets = _reset_at(reset_text, now or datetime.now(UTC))
    return {
        "quota_remaining": remaining,
        "quota_limit": limit,
        "quota_resets_at": resets.astimezone(UTC).isoformat(timespec="seconds") if resets else None,
    }


def quota_line(facts: Mapping[str, object], *, translator: Translator | None = None) -> str:
    """Artificial Analysis' quota, "AA quota: 812 of 1,000 left (resets 2026-11-27 00:00 UTC)",
    or "" without a quota; in ``translator``'s language (English without one)."""
    t = translator or english()
    remaining = facts.get("quota_remaining")
    if not isinstance(remaining, int):
        return ""
    limit = facts.get("quota_limit")
    values = {"remaining": f"{remaining:,}"}
    when = ""
    resets = facts.get("quota_resets_at")
    if isinstance(resets, str) and resets:
        try:
            when = f"{datetime.fromisoformat(resets).astimezone(UTC):%Y-%m-%d %H:%M}"
        except ValueError:
            when = ""
    if isinstance(limit, int):
        values["limit"] = f"{limit:,}"
        if when:
            return t._(
                "AA quota: %(remaining)s of %(limit)s left (resets %(when)s UTC)",
                when=when,
                **values,
            )
        return t._("AA quota: %(remaining)s of %(limit)s left", **values)
    if when:
        return t._("AA quota: %(remaining)s left (resets %(when)s UTC)", when=when, **values)
    return t._("AA quota: %(remaining)s left", **values)
