"""JSON parsed with a nesting limit: deeper documents are a named decode error, never a
``RecursionError`` (Python's parser recurses once per level and gives up near 1,000).

Used for every JSON the bot parses from outside: Slack's bodies after their signature is
verified, ``/alerts`` after its token, and the answers of upstream services.
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_DEPTH = 64  # far beyond any real payload (Slack's deepest, a modal's state, is ~8)

# A JSON string (with its escapes) and a bracket: strings are skipped, brackets counted.
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


class TooDeep(json.JSONDecodeError):
    """JSON nested deeper than the limit (a ``ValueError``, like any other bad JSON)."""

    def __init__(self, limit: int, position: int) -> None:
        super().__init__(f"JSON nested deeper than {limit} levels", "", position)
        self.limit = limit


def nesting_depth_exceeds(text: str | bytes, limit: int = MAX_DEPTH) -> int | None:
    """The offset where ``text`` first nests deeper than ``limit``, or None when it does not."""
    if isinstance(text, bytes | bytearray):
        text = bytes(text).decode("utf-8", errors="replace")
    if text.count("[") + text.count("{") <= limit:
        return None  # cannot be deeper than the number of openers
    depth = 0
    for match in _TOKENS.finditer(text):
        token = match.group()
        if token in ("[", "{"):
            depth += 1
            if depth > limit:
                return match.start()
        elif token in ("]", "}"):
            depth -= 1
    return None


def loads(text: str | bytes, limit: int = MAX_DEPTH) -> Any:
    """``json.loads`` that refuses nesting past ``limit`` with ``TooDeep``."""
    position = nesting_depth_exceeds(text, limit)
    if position is not None:
        raise TooDeep(limit, position)
    return json.loads(text)
