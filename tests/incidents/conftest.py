"""Fixtures for the incident domain: the test database opened like the bot opens it, a clock
tests move by hand, a recording notifier and a service factory."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.incidents import (
    AlertInput,
    AlertStatus,
    EscalationPolicy,
    IncidentService,
    RecordingNotifier,
    Severity,
)
from bot.stores.db import Database
from local_slack.server import LocalSlack
from tests.conftest import BOT_TOKEN
from tests.incidents.slack_side import Timed

START = datetime(2026, 11, 26, 0, 0, tzinfo=UTC)


class FakeClock:
    """A clock that moves only when told to."""

    def __init__(self, start: datetime = START) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> datetime:
        """Move forward and return the new time."""
        self.now += timedelta(seconds=seconds)
        return self.now


def alert(key: str = "db_down", status: str = "firing", **kw: Any) -> AlertInput:
    """An alert with sensible defaults."""
    return AlertInput(
        dedup_key=key,
        title=kw.pop("title", f"{key} is failing"),
        severity=Severity(kw.pop("severity", "critical")),
        source=kw.pop("source", "github-actions"),
        status=AlertStatus(status),
        details=kw.pop("details", None),
    )


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    """The module's emptied database through the bot's pool."""
    database = Database(database_url, max_size=10, connect_timeout_s=30)
    await database.open()
    yield database
    await database.close()


@pytest.fixture
def clock() -> FakeClock:
    """A hand-driven clock."""
    return FakeClock()


@pytest.fixture
def notifier() -> RecordingNotifier:
    """A notifier that records every call."""
    return RecordingNotifier()


ServiceFactory = Callable[..., IncidentService]


@pytest.fixture
def make_service(db: Database, clock: FakeClock, notifier: RecordingNotifier) -> ServiceFactory:
    """Build a service on the test database (policy and collaborators overridable)."""

    def build(**kw: Any) -> IncidentService:
        policy = kw.pop(
            "policy",
            EscalationPolicy(primary=("UPRIMARY",), backup=("UBACKUP",), after_s=60, max_repeats=0),
        )
        return IncidentService(
            kw.pop("database", db),
            policy=policy,
            notifier=kw.pop("notifier", notifier),
            clock=kw.pop("clock", clock),
            **kw,
        )

    return build


@pytest.fixture
def service(make_service: ServiceFactory) -> IncidentService:
    """The default service: primary UPRIMARY, backup UBACKUP, 60 s steps, one round."""
    return make_service()


@pytest.fixture
def timed() -> Timed:
    """When each call reached the local Slack server (for "at most one update a second")."""
    return Timed()


@pytest.fixture
async def local_slack(timed: Timed) -> AsyncIterator[LocalSlack]:
    """The local Slack server (as everywhere), recording when each call arrived."""
    server = LocalSlack(bot_token=BOT_TOKEN, on_call=timed)
    await server.start()
    yield server
    await server.stop()


def markdown_section(text: str, heading: str) -> list[str]:
    """The non-empty lines of a Markdown document under ``heading``, up to the next ``## ``."""
    lines = text.splitlines()
    start = lines.index(heading) + 1
    taken = []
    for line in lines[start:]:
        if line.startswith("## "):
            break
        if line:
            taken.append(line)
    return taken
