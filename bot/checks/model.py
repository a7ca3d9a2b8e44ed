"""The bot's own checks as plain data: what one check found, and what was stored of it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from bot.incidents.model import Severity

Facts = Mapping[str, str | int | float | bool | None]


class CheckState(StrEnum):
    """What a check learned. Only OK and FAILED move an incident; the others leave it be."""

    OK = "ok"
    FAILED = "failed"
    UNKNOWN = "unknown"  # could not learn (timeout, provider down): never shown as OK or failed
    SKIPPED = "skipped"  # not checked on purpose (no key configured, source not asked)


@dataclass(frozen=True)
class CheckResult:
    """One check's outcome. ``check_id`` is also the incident's dedup key.

    ``title`` is the incident title while failing; ``status`` a finer machine word (for
    keys: valid, missing, invalid, quota, …); ``facts`` what a later check compares with.
    """

    check_id: str
    state: CheckState
    title: str
    detail: str
    status: str = ""
    severity: Severity = Severity.CRITICAL
    facts: Facts = field(default_factory=dict)


@dataclass(frozen=True)
class StoredCheck:
    """The latest stored outcome of a check (``chatops.check_results``)."""

    check_id: str
    state: CheckState
    status: str
    title: str
    detail: str
    facts: dict[str, Any]
    checked_at: datetime
    changed_at: datetime


class CheckContext(Protocol):
    """What a check may ask: the time, its last stored outcome, whether its incident is open."""

    def now(self) -> datetime: ...

    async def previous(self, check_id: str) -> StoredCheck | None: ...

    async def incident_open(self, check_id: str) -> bool: ...


CheckFn = Callable[[CheckContext], Awaitable[list[CheckResult]]]


@dataclass(frozen=True)
class NamedCheck:
    """A check to run: its name, the id reported when it cannot answer at all, and how."""

    name: str
    check_id: str
    run: CheckFn


def unknown(check_id: str, title: str, detail: str) -> CheckResult:
    """A result saying the check could not learn its answer (and why)."""
    return CheckResult(check_id, CheckState.UNKNOWN, title, detail)
