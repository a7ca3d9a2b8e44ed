"""Each Slack event handled once, although Slack delivers it again when it retries.

The claim is a Redis ``SET NX`` with an expiry (shared by every replica); while Redis is
unreachable a bounded in-memory ledger of this process stands in, so a retry that reaches
the same process is still dropped.
"""

from __future__ import annotations

import logging
import re
import time
from collections import OrderedDict

from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

KEY_PREFIX = "aisi:event:"
TTL_S = 3600
MEMORY_LIMIT = 10_000
_EVENT_ID = re.compile(r"[A-Za-z0-9_-]{1,64}", re.ASCII)


class EventLedger:
    """Remembers event ids for an hour: ``first_delivery`` is True once per id."""

    def __init__(self, redis: Redis | None, *, ttl_s: float = TTL_S) -> None:
        self._redis = redis
        self._ttl_s = ttl_s
        self._memory: OrderedDict[str, float] = OrderedDict()

    async def first_delivery(self, event_id: object) -> bool:
        """True the first time ``event_id`` is seen; a malformed id is never deduplicated."""
        if not isinstance(event_id, str) or not _EVENT_ID.fullmatch(event_id):
            return True
        now = time.monotonic()
        seen_at = self._memory.get(event_id)
        if seen_at is not None and now - seen_at < self._ttl_s:
            return False
        self._remember(event_id, now)
        if self._redis is None:
            return True
        try:
            claimed = await self._redis.set(
                KEY_PREFIX + event_id, "1", nx=True, ex=int(self._ttl_s)
            )
        except (RedisError, OSError) as exc:
            log.warning(
                "event de-duplication without Redis (%s): this process only", type(exc).__name__
            )
            return True
        return bool(claimed)

    def _remember(self, event_id: str, now: float) -> None:
        self._memory[event_id] = now
        self._memory.move_to_end(event_id)
        while len(self._memory) > MEMORY_LIMIT:
            self._memory.popitem(last=False)
