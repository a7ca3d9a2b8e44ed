"""Who may run operator commands: the user ids in ``auth.operators`` and the members of the
user groups (``S…`` ids) listed there.

A group's members come from Slack (``usergroups.users.list``) through an injected lookup,
resolved at start-up and kept in memory; a copy older than the refresh interval is
refreshed in the background (the check itself never waits on Slack, it sits on the ack
path), and when Slack cannot be reached the last copy stays in use. Each fetched copy is
also kept in Redis, so a restart while Slack is unreachable still knows the members. A
group Slack says does not exist, or cannot be read (a missing scope), stops start-up.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable, Iterable

from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.errors import ConfigError

log = logging.getLogger(__name__)

REFRESH_S = 300.0
START_TIMEOUT_S = 10.0  # per group at start-up: an unreachable Slack must not hold the start
REDIS_TTL_S = 7 * 24 * 3600
KEY_PREFIX = "aisi:usergroup:"


class GroupLookupError(Exception):
    """Slack answered a group lookup with an error code (``no_such_subteam``, ``missing_scope``)."""

    def __init__(self, code: str, detail: str = "") -> None:
        self.code = code
        self.detail = detail
        super().__init__(code + (f" ({detail})" if detail else ""))


MemberLookup = Callable[[str], Awaitable[list[str]]]


def is_group_id(entry: str) -> bool:
    """User-group ids start with S; user ids with U or W."""
    return entry.startswith("S")


class Operators:
    """The one authorization check for operator commands (deny by default).

    The same check serves any list of users and groups from config (``source`` names its
    key): the Level 2 people of ``[escalation]`` are one too.
    """

    def __init__(
        self,
        entries: Iterable[str],
        *,
        lookup: MemberLookup | None = None,
        redis: Redis | None = None,
        refresh_s: float = REFRESH_S,
        source: str = "auth.operators",
    ) -> None:
        entries = list(entries)
        self.source = source  # the config key(s) the entries come from, for messages
        self._users = frozenset(e for e in entries if not is_group_id(e))
        self.groups = tuple(e for e in entries if is_group_id(e))
        self._lookup = lookup
        self._redis = redis
        self._refresh_s = refresh_s
        self._members: dict[str, frozenset[str]] = {}
        self._fetched_at: dict[str, float] = {}
        self._refreshing: asyncio.Task[None] | None = None

    async def resolve(self) -> None:
        """Resolve every listed group now (start-up). Raises ConfigError for a group Slack
        refuses; a group Slack cannot be asked about falls back to its stored copy."""
        if self._lookup is None:
            return
        for group in self.groups:
            try:
                await asyncio.wait_for(self._fetch(group), START_TIMEOUT_S)
            except GroupLookupError as exc:
                raise ConfigError(
                    self.source, f"user group {group} cannot be resolved: {exc}"
                ) from None
            except (OSError, TimeoutError) as exc:
                stored = await self._stored(group)
                state = (
                    f"using the copy from before ({len(stored)} members)"
                    if stored
                    else ("it grants nobody until Slack answers")
                )
                log.warning(
                    "user group %s: Slack unreachable (%s); %s", group, type(exc).__name__, state
                )
                if stored is not None:
                    self._members[group] = stored

    async def allows(self, user_id: str) -> bool:
        """True when ``user_id`` is listed, or a member of a listed group (last known copy)."""
        return await self.why_allowed(user_id) is not None

    async def why_allowed(self, user_id: str) -> str | None:
        """Why ``user_id`` is an operator (listed, or which group), or None when not."""
        if user_id in self._users:
            return f"listed in {self.source}"
        self._refresh_if_stale()
        for group, members in self._members.items():
            if user_id in members:
                return f"member of user group {group} ({self.source})"
        return None

    def members_of(self, group: str) -> frozenset[str]:
        """The last known members of a listed group (empty when never resolved)."""
        self._refresh_if_stale()
        return self._members.get(group, frozenset())

    async def refreshed(self) -> None:
        """Wait for a background refresh in progress, if any, to finish."""
        if self._refreshing is not None:
            await asyncio.shield(self._refreshing)

    async def close(self) -> None:
        """Stop a background refresh still running."""
        if self._refreshing is not None and not self._refreshing.done():
            self._refreshing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._refreshing

    # ---- internals ---------------------------------------------------------------------------
    def _refresh_if_stale(self) -> None:
        if self._lookup is None or not self.groups:
            return
        if self._refreshing is not None and not self._refreshing.done():
            return
        now = time.monotonic()
        stale = [g for g in self.groups if now - self._fetched_at.get(g, 0.0) >= self._refresh_s]
        if stale:
            self._refreshing = asyncio.create_task(self._refresh(stale))

    async def _refresh(self, groups: list[str]) -> None:
        for group in groups:
            try:
                await self._fetch(group)
            except (GroupLookupError, OSError, TimeoutError) as exc:
                self._fetched_at[group] = time.monotonic()  # retry after the interval, not now
                log.warning("user group %s: refresh failed (%s); keeping the last copy", group, exc)

    async def _fetch(self, group: str) -> None:
        assert self._lookup is not None, "no Slack lookup configured for user groups"
        members = frozenset(await self._lookup(group))
        self._members[group] = members
        self._fetched_at[group] = time.monotonic()
        if self._redis is not None:
            try:
                await self._redis.set(
                    KEY_PREFIX + group, json.dumps(sorted(members)), ex=REDIS_TTL_S
                )
            except (RedisError, OSError) as exc:
                log.warning(
                    "user group %s: could not store its copy (%s)", group, type(exc).__name__
                )

    async def _stored(self, group: str) -> frozenset[str] | None:
        if self._redis is None:
            return None
        try:
            raw = await self._redis.get(KEY_PREFIX + group)
        except (RedisError, OSError):
            return None
        if not raw:
            return None
        try:
            members = json.loads(raw)
        except ValueError:
            return None
        return (
            frozenset(m for m in members if isinstance(m, str))
            if isinstance(members, list)
            else None
        )
