"""Recording of calls made to the local Slack server, and waiting for them without polling."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class RecordedCall:
    """One call received by the server.

    ``body`` is the merged query/form/JSON body with ``blocks``/``attachments``/``view``
    decoded and any ``token`` field removed; ``headers`` is a subset with the
    Authorization value redacted. ``key`` is set for ``response_url`` calls.
    """

    method: str
    body: dict[str, Any]
    headers: dict[str, str]
    ok: bool
    response: dict[str, Any]
    key: str | None = None
    status: int = 200
    index: int = field(default=-1, compare=False)

    @property
    def error(self) -> str | None:
        """Slack's error code when the call failed."""
        error = self.response.get("error")
        return error if isinstance(error, str) else None

    def summary(self) -> str:
        """A short one-line description, for error messages and logs."""
        outcome = "ok" if self.ok else f"error={self.error}"
        key = f" key={self.key}" if self.key else ""
        return f"#{self.index} {self.method}{key} {outcome} (HTTP {self.status})"


class Signal:
    """Wakes every waiter whenever something changed; waiters re-check their condition."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait_until(self, check: Callable[[], T | None], within: float) -> T:
        """Return ``check()``'s first non-None value; raise TimeoutError after ``within`` s."""
        async with asyncio.timeout(within):
            while True:
                event = self._event  # taken before checking so no notify is missed
                result = check()
                if result is not None:
                    return result
                await event.wait()


class CallLog:
    """The list of recorded calls plus ``wait_for``."""

    def __init__(self, on_call: Callable[[RecordedCall], None] | None = None) -> None:
        self.calls: list[RecordedCall] = []
        self._on_call = on_call
        self._signal = Signal()
        self._seen = 0  # total ever recorded, so indexes stay unique across clear()

    def record(self, call: RecordedCall) -> RecordedCall:
        call = replace(call, index=self._seen)
        self._seen += 1
        self.calls.append(call)
        self._signal.notify()
        if self._on_call is not None:
            try:
                self._on_call(call)
            except Exception:
                log.exception("on_call callback failed for %s", call.method)
        return call

    def calls_for(self, method: str) -> list[RecordedCall]:
        return [c for c in self.calls if c.method == method]

    def clear(self) -> None:
        self.calls.clear()

    async def wait_for(
        self,
        method: str,
        *,
        predicate: Callable[[RecordedCall], bool] | None = None,
        within: float = 5.0,
        since: int = 0,
    ) -> RecordedCall:
        """First call to ``method`` (``"*"``: any) at index >= ``since`` matching ``predicate``."""

        def find() -> RecordedCall | None:
            for call in self.calls[since:]:
                if method in ("*", call.method) and (predicate is None or predicate(call)):
                    return call
            return None

        try:
            return await self._signal.wait_until(find, within)
        except TimeoutError:
            seen = "; ".join(c.summary() for c in self.calls) or "none"
            what = method + (" matching the predicate" if predicate else "")
            raise TimeoutError(
                f"no call to {what} (from position {since}) within {within}s; calls seen: {seen}"
            ) from None
