"""Each person's language, from their Slack locale (``users.info`` with ``include_locale``).

What one person sees (a reply only they see, their App Home) is in their Slack language
when Slack tells it; the channel keeps ``slack.language``. A locale is cached in memory
(a small LRU) and in Redis for a day, so Slack is asked about a person at most once a day
across replicas. Any failure (Slack or Redis down, a timeout, an unknown user) means "not
known": the configured language, and Slack is asked again a few minutes later. Call it
after the ack: on a cold cache it waits for Slack (bounded by ``timeout_s``).
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable

import aiohttp
from redis.asyncio import Redis
from redis.exceptions import RedisError
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.i18n.translator import negotiate

log = logging.getLogger(__name__)

KEY_PREFIX = "aisi:user_locale:"
TTL_S = 24 * 3600
RETRY_S = 300.0  # a failed lookup is tried again after this (the configured language meanwhile)
UNKNOWN = ""  # stored for a user whose locale Slack did not give
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,20}$")

LocaleLookup = Callable[[str], Awaitable[str | None]]


def slack_locale_lookup(client: AsyncWebClient) -> LocaleLookup:
    """A lookup asking Slack for a user's locale (``en-US``, ``ko-KR``; None if not given).

    Raises SlackApiError when Slack refuses and aiohttp.ClientError / TimeoutError when it
    cannot be reached.
    """

    async def lookup(user_id: str) -> str | None:
        response = await client.users_info(user=user_id, include_locale=True)
        user = response.get("user")
        locale = user.get("locale") if isinstance(user, dict) else None
        return locale if isinstance(locale, str) and locale else None

    return lookup


class UserLocales:
    """Cached Slack locales and the language each person reads (``en`` or ``ko``)."""

    def __init__(
        self,
        lookup: LocaleLookup,
        *,
        default: str,
        redis: Redis | None = None,
        ttl_s: int = TTL_S,
        retry_s: float = RETRY_S,
        memory_size: int = 2048,
        timeout_s: float = 3.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.default = negotiate(default)
        self._lookup = lookup
        self._redis = redis
        self._ttl_s = ttl_s
        self._retry_s = retry_s
        self._size = memory_size
        self._timeout_s = timeout_s
        self._clock = clock
        self._memory: OrderedDict[str, tuple[str | None, float]] = OrderedDict()
        self._pending: dict[str, asyncio.Task[str | None]] = {}

    async def language(self, user_id: str | None) -> str:
        """The language ``user_id`` reads: their Slack locale's, else the configured one."""
        return negotiate(await self.locale(user_id), self.default)

    async def locale(self, user_id: str | None) -> str | None:
        """The Slack locale of ``user_id`` (``ko-KR``), or None when it is not known."""
        if not user_id or not _USER_ID.match(user_id):
            return None
        cached = self._memory.get(user_id)
        if cached is not None and cached[1] > self._clock():
            self._memory.move_to_end(user_id)
            return cached[0]
        task = self._pending.get(user_id)
        if task is None:
            task = asyncio.ensure_future(self._fetch(user_id))
            self._pending[user_id] = task
            task.add_done_callback(lambda _: self._pending.pop(user_id, None))
        return await asyncio.shield(task)

    def known_language(self, user_id: str | None) -> str:
        """The language ``user_id`` reads as far as this process already knows, without asking
        anyone (for an answer that cannot wait: an ack); the configured one otherwise."""
        cached = self._memory.get(user_id) if user_id else None
        if cached is None or cached[1] <= self._clock():
            return self.default
        return negotiate(cached[0], self.default)

    async def _fetch(self, user_id: str) -> str | None:
        stored = await self._stored(user_id)
        if stored is not None:
            locale = stored or None
            self._remember(user_id, locale, self._ttl_s)
            return locale
        try:
            async with asyncio.timeout(self._timeout_s):
                locale = await self._lookup(user_id)
        except (SlackApiError, aiohttp.ClientError, OSError, TimeoutError) as exc:
            log.info("users.info failed (%s): %s until retried", type(exc).__name__, self.default)
            self._remember(user_id, None, self._retry_s)
            return None
        except Exception:  # a person's language must never break their command
            log.exception("users.info for a locale failed unexpectedly")
            self._remember(user_id, None, self._retry_s)
            return None
        self._remember(user_id, locale, self._ttl_s)
        await self._store(user_id, locale)
        return locale

    def _remember(self, user_id: str, locale: str | None, for_s: float) -> None:
        self._memory[user_id] = (locale, self._clock() + for_s)
        self._memory.move_to_end(user_id)
        while len(self._memory) > self._size:
            self._memory.popitem(last=False)

    async def _stored(self, user_id: str) -> str | None:
        """The Redis copy: a locale, UNKNOWN, or None when there is none (or Redis failed)."""
        if self._redis is None:
            return None
        try:
            async with asyncio.timeout(self._timeout_s):
                raw = await self._redis.get(KEY_PREFIX + user_id)
        except (RedisError, OSError, TimeoutError):
            return None
        if raw is None:
            return None
        return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)

    async def _store(self, user_id: str, locale: str | None) -> None:
        if self._redis is None:
            return
        try:
            async with asyncio.timeout(self._timeout_s):
                await self._redis.set(KEY_PREFIX + user_id, locale or UNKNOWN, ex=self._ttl_s)
        except (RedisError, OSError, TimeoutError):
            log.info("could not keep a user's locale in Redis; kept in memory only")
