"""Request parsing and scripted failures for the local Slack server."""

from __future__ import annotations

import contextlib
import json
from collections import deque
from dataclasses import dataclass
from typing import Any

from aiohttp import web

JSON_FIELDS = ("blocks", "attachments", "view", "metadata")
RECORDED_HEADERS = ("content-type", "user-agent")


class BadRequest(Exception):
    """A body that cannot be parsed; ``code`` is Slack's error code."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


async def read_body(request: web.Request) -> tuple[dict[str, Any], str | None]:
    """Merge query, form or JSON body; decode JSON-string fields; pop the token.

    The token comes from ``Authorization: Bearer`` or else a ``token`` field; it is
    never left in the returned body.
    """
    body: dict[str, Any] = dict(request.query)
    if request.method == "POST" and request.can_read_body:
        if request.content_type == "application/json":
            try:
                data = await request.json()
            except ValueError:
                raise BadRequest("invalid_json") from None
            if not isinstance(data, dict):
                raise BadRequest("invalid_json")
            body.update(data)
        else:
            form = await request.post()
            for name, field in form.items():
                body[name] = field if isinstance(field, str) else "(file)"
    for name in JSON_FIELDS:
        value = body.get(name)
        if isinstance(value, str):
            with contextlib.suppress(ValueError):  # else left as a string: validators report it
                body[name] = json.loads(value)
    token = body.pop("token", None)
    auth = request.headers.get("Authorization", "")
    if auth.startswith("Bearer "):
        token = auth.removeprefix("Bearer ").strip()
    return body, (token if isinstance(token, str) else None)


def recorded_headers(request: web.Request) -> dict[str, str]:
    """The headers worth recording; the Authorization value is never kept."""
    headers = {k: request.headers[k] for k in RECORDED_HEADERS if k in request.headers}
    if "Authorization" in request.headers:
        headers["authorization"] = "(redacted)"
    return headers


@dataclass
class Failure:
    """One scripted failure: answer HTTP ``status`` with ``{"ok": false, "error": error}``."""

    error: str
    status: int
    retry_after: int | None
    remaining: int

    def headers(self) -> dict[str, str]:
        return {} if self.retry_after is None else {"Retry-After": str(self.retry_after)}


class FailureScript:
    """Queues of scripted failures per method, consumed call by call."""

    def __init__(self) -> None:
        self._queues: dict[str, deque[Failure]] = {}

    def add(
        self,
        method: str,
        *,
        error: str | None = None,
        status: int = 200,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        if times < 1:
            raise ValueError("times must be >= 1")
        if status == 429 and retry_after is None:
            retry_after = 1  # Slack always sends Retry-After with a 429
        code = error or ("ratelimited" if status == 429 else "internal_error")
        self._queues.setdefault(method, deque()).append(Failure(code, status, retry_after, times))

    def pop(self, method: str) -> Failure | None:
        """The failure for this call of ``method``, if one is scripted."""
        queue = self._queues.get(method)
        if not queue:
            return None
        failure = queue[0]
        failure.remaining -= 1
        if failure.remaining <= 0:
            queue.popleft()
        return failure
