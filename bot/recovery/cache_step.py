"""Step 1: clear the app's cache by key prefix (SCAN + UNLINK in batches), never FLUSHALL."""

from __future__ import annotations

from collections.abc import Sequence

from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.i18n.translator import Translator, translator
from bot.recovery.model import StepName
from bot.recovery.steps import StepContext, StepFailedError, describe_error
from bot.stores.app_cache import clear_prefixes_counted


class CacheStep:
    """Deletes only keys under ``cache.app_key_prefixes`` in the client's own database."""

    name = StepName.CACHE

    def __init__(self, redis: Redis, prefixes: Sequence[str], *, batch: int = 500) -> None:
        self._redis = redis
        self._prefixes = [p for p in prefixes if p]
        self._batch = batch

    def describe(self, t: Translator | None = None) -> str:
        """Which prefixes it clears (in ``t``'s language)."""
        t = t or translator("en")
        if not self._prefixes:
            return t._("no prefixes configured: nothing to clear")
        prefixes = ", ".join(self._prefixes)
        return t._("keys under %(prefixes)s only; never FLUSHALL", prefixes=prefixes)

    async def run(self, ctx: StepContext) -> None:
        """Count (dry run) or delete the keys under each prefix, reporting each prefix."""
        t = ctx.t
        if not self._prefixes:
            ctx.add(
                t._("no prefixes configured (cache.app_key_prefixes is empty): nothing to clear")
            )
            ctx.data["keys"] = {}
            return
        try:
            counts = await clear_prefixes_counted(
                self._redis, self._prefixes, batch=self._batch, dry_run=ctx.dry_run
            )
        except (RedisError, OSError) as exc:
            raise StepFailedError(
                t._("cache (Redis) unavailable: %(error)s", error=describe_error(exc))
            ) from None
        ctx.data["keys"] = {c.prefix: c.keys for c in counts}
        for count in counts:
            prefix = f"`{count.prefix}*`"
            if ctx.dry_run and count.sample:
                line = t.ngettext(
                    "%(prefix)s: would delete %(num)s key (e.g. %(sample)s)",
                    "%(prefix)s: would delete %(num)s keys (e.g. %(sample)s)",
                    count.keys,
                    prefix=prefix,
                    sample=", ".join(count.sample),
                )
            elif ctx.dry_run:
                line = t.ngettext(
                    "%(prefix)s: would delete %(num)s key",
                    "%(prefix)s: would delete %(num)s keys",
                    count.keys,
                    prefix=prefix,
                )
            else:
                line = t.ngettext(
                    "%(prefix)s: deleted %(num)s key",
                    "%(prefix)s: deleted %(num)s keys",
                    count.keys,
                    prefix=prefix,
                )
            ctx.add(line)
        total = sum(c.keys for c in counts)
        if ctx.dry_run:
            ctx.add(
                t.ngettext(
                    "would delete %(num)s key in all; other keys untouched",
                    "would delete %(num)s keys in all; other keys untouched",
                    total,
                )
            )
        else:
            ctx.add(
                t.ngettext(
                    "deleted %(num)s key in all; other keys untouched",
                    "deleted %(num)s keys in all; other keys untouched",
                    total,
                )
            )
