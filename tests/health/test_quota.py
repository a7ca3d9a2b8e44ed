"""Quota headers: every common spelling is read; nothing is shown when none is sent."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.upstream.quota import quota_facts, quota_line

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("headers", "line"),
    [
        (
            {
                "X-RateLimit-Limit": "1000",
                "X-RateLimit-Remaining": "812",
                "X-RateLimit-Reset": "1795737600",
            },
            "AA quota: 812 of 1,000 left (resets 2026-11-27 00:00 UTC)",
        ),
        (
            {"ratelimit-limit": "1000", "ratelimit-remaining": "3", "ratelimit-reset": "3600"},
            "AA quota: 3 of 1,000 left (resets 2026-11-26 10:00 UTC)",
        ),
        (
            {"RateLimit": '"daily";r=40;t=60', "RateLimit-Policy": '"daily";q=1000;w=86400'},
            "AA quota: 40 of 1,000 left (resets 2026-11-26 09:01 UTC)",
        ),
        (
            {"x-ratelimit-remaining-requests": "99", "x-ratelimit-reset-requests": "6m0s"},
            "AA quota: 99 left (resets 2026-11-26 09:06 UTC)",
        ),
        (
            {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "Thu, 26 Nov 2026 12:00:00 GMT"},
            "AA quota: 0 left (resets 2026-11-26 12:00 UTC)",
        ),
        ({"X-RateLimit-Remaining": "7", "X-RateLimit-Reset": "soon"}, "AA quota: 7 left"),
    ],
)
def test_quota_headers_in_their_usual_spellings(headers: dict[str, str], line: str) -> None:
    """X-RateLimit-*, RateLimit-*, the structured draft and OpenAI-style names all read."""
    assert quota_line(quota_facts(headers, now=NOW)) == line


@pytest.mark.parametrize(
    "headers",
    [{}, {"X-RateLimit-Limit": "1000"}, {"X-RateLimit-Remaining": "lots"}, {"Retry-After": "30"}],
)
def test_no_remaining_count_means_no_quota(headers: dict[str, str]) -> None:
    """Without a readable remaining count there is no quota to show (nothing is guessed)."""
    assert quota_facts(headers, now=NOW) == {}
    assert quota_line(quota_facts(headers, now=NOW)) == ""
