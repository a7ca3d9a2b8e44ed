"""Secret values: masked in every repr, and a redactor that masks them in any text."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable


class Secret:
    """A secret string. ``repr``/``str`` never show it; ``reveal()`` does."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The real value, for the one place that must send it."""
        return self._value

    @property
    def masked(self) -> str:
        """The last four characters only, as shown to people."""
        return mask(self._value)

    def __repr__(self) -> str:
        return "Secret('****')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)


def mask(value: str | None) -> str:
    """Show at most the last 4 characters, and never more than a quarter of the value."""
    if not value:
        return "(not set)"
    if len(value) < 16:
        return "…****"
    return "…" + value[-4:]


class Redactor:
    """Replaces every registered secret value (and URL passwords) in a text.

    Linear in the length of the text: secret values are found with ``str.replace`` and
    URL passwords by a pattern anchored on ``://`` that cannot backtrack past the next
    delimiter, so a megabyte of hostile text costs milliseconds, never seconds.
    """

    # Anchored on the literal "://": both classes exclude '/', so an attempt never runs past
    # the next "://" and the scan stays linear (the scheme itself is not needed to redact).
    _URL_PASSWORD = re.compile(r"://(?P<user>[^:/@\s]*):[^@/\s]+@")

    def __init__(self, values: Iterable[str] = ()) -> None:
        self._lock = threading.Lock()
        self._values: list[str] = []
        self.add(values)

    def add(self, values: Iterable[str]) -> None:
        """Register more secret values (short ones are ignored: they would mask noise)."""
        with self._lock:
            merged = set(self._values) | {v for v in values if v and len(v) >= 6}
            self._values = sorted(merged, key=len, reverse=True)

    def redact(self, text: str) -> str:
        """The text with every secret replaced by a masked form."""
        for value in self._values:
            if value in text:
                text = text.replace(value, mask(value))
        return self._URL_PASSWORD.sub(r"://\g<user>:****@", text)
