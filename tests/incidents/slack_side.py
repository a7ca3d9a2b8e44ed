"""Helpers for incident tests over real HTTP: settings, alerts, the incident's Slack message."""

from __future__ import annotations

import asyncio
import io
import json
import re
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import aiohttp
import psycopg

from local_slack.recording import RecordedCall
from local_slack.server import LocalSlack

ALERTS_TOKEN = "alerts-token-" + "a" * 24
CHANNEL = "C0ALERTS"
OPERATOR, PRIMARY, BACKUP, OUTSIDER = "U0OPERATOR", "U0PRIMARY", "U0BACKUP", "U0MALLORY"


def configure(
    env: dict[str, str],
    *,
    after: str = "15m",
    max_repeats: int = 0,
    primary: tuple[str, ...] = (PRIMARY,),
    backup: tuple[str, ...] = (BACKUP,),
    token: bool = True,
    extra: str = "",
) -> dict[str, str]:
    """The bot's environment with operators, the escalation policy, the channel and (unless
    ``token`` is False) ALERTS_TOKEN; returns it."""
    local = Path(env["BOT_CONFIG_DIR"]) / "local.toml"
    people = json.dumps
    pages = re.sub(  # each vendor gets a support contact, as the packaged defaults have
        r'^page_url = "[^"]*/([a-z-]+)"$',
        lambda m: f'{m.group(0)}\ncontact = "support@{m.group(1)}.test"',
        local.read_text(),
        flags=re.MULTILINE,
    )
    local.write_text(
        pages
        + f'\n[slack]\nchannel = "{CHANNEL}"\n'
        + f"\n[auth]\noperators = {people([OPERATOR])}\n"
        + f"\n[escalation]\nlevel2_primary = {people(list(primary))}\n"
        + f"level2_backup = {people(list(backup))}\n"
        + f'auto_escalate_after = "{after}"\nmax_repeats = {max_repeats}\n'
        + extra
    )
    if token:
        env["ALERTS_TOKEN"] = ALERTS_TOKEN
    return env


def alert(key: str = "db_down", status: str = "firing", **over: Any) -> dict[str, Any]:
    """An alert body as the app's monitors send it."""
    body: dict[str, Any] = {
        "dedup_key": key,
        "title": f"{key} is failing",
        "severity": "critical",
        "source": "github-actions",
        "status": status,
    }
    body.update(over)
    return body


async def post_alert(
    session: aiohttp.ClientSession,
    url: str,
    body: Mapping[str, Any] | bytes | str,
    *,
    token: str | None = ALERTS_TOKEN,
    content_type: str = "application/json",
) -> tuple[int, dict[str, Any], Mapping[str, str]]:
    """POST /alerts: (status, JSON answer, headers)."""
    headers = {"Content-Type": content_type}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    raw = body if isinstance(body, (bytes, str)) else json.dumps(body)
    data = io.BytesIO(raw.encode() if isinstance(raw, str) else raw)
    async with session.post(url + "/alerts", data=data, headers=headers) as resp:
        text = await resp.text()
        answer = json.loads(text) if text.startswith("{") else {"raw": text}
        return resp.status, answer, resp.headers


def top_level_posts(slack: LocalSlack, channel: str = CHANNEL) -> list[RecordedCall]:
    """Messages posted in the channel itself (not in a thread)."""
    return [
        c
        for c in slack.calls_for("chat.postMessage")
        if c.ok and c.response.get("channel") == channel and not c.body.get("thread_ts")
    ]


def thread_posts(slack: LocalSlack, ts: str) -> list[RecordedCall]:
    """Messages posted in the thread of ``ts``."""
    return [
        c for c in slack.calls_for("chat.postMessage") if c.ok and c.body.get("thread_ts") == ts
    ]


def texts(calls: list[RecordedCall]) -> list[str]:
    """Each call's fallback text."""
    return [str(c.body.get("text", "")) for c in calls]


async def wait_for_text(
    slack: LocalSlack, method: str, words: str, *, within: float = 10.0, since: int = 0
) -> RecordedCall:
    """The first successful call of ``method`` whose text contains ``words``."""
    return await slack.wait_for(
        method,
        predicate=lambda c: c.ok and words in str(c.body.get("text", "")),
        timeout=within,
        since=since,
    )


def rows(database_url: str, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """Rows of one query on the test database."""
    with psycopg.connect(database_url) as conn:
        return conn.execute(sql, params).fetchall()  # type: ignore[arg-type]


async def wait_until(check: Any, *, within: float = 10.0, what: str = "a condition") -> Any:
    """Wait (bounded) for ``check()`` to return something truthy, asking again each 50 ms.

    For state that has no event to wait on (rows written by another process).
    """
    deadline = time.monotonic() + within
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


class Timed:
    """When (monotonic) each call reached the local Slack server, by its index in the log:
    pass it as ``LocalSlack(on_call=...)``."""

    def __init__(self) -> None:
        self.at: list[float] = []

    def __call__(self, call: RecordedCall) -> None:
        self.at.append(time.monotonic())
