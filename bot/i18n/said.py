"""Words decided in the domain now and shown later in the reader's language.

A ``Said`` is a string — the English text — that also remembers its catalog message id
(marked with ``N_`` or made by ``ngettext`` below, so ``make messages`` extracts it) and
its values. It is compared, stored, logged and printed (``--json``) like any string, and
``text(t)`` (or ``shown(value, t)`` for a value that may be plain data) gives the same
words in ``t``'s language. Values may be ``Said`` themselves (translated with the rest);
``Said.joined`` puts several together ("a; b").
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from bot.i18n.translator import DEFAULT_LANGUAGE, Translator, translator

__all__ = ["Said", "ngettext", "shown"]


class Said(str):
    """English text that knows its message id and values (see the module)."""

    message: str
    plural: str
    num: int
    values: dict[str, Any]
    parts: tuple[str, ...]

    def __new__(cls, message: str, **values: Any) -> Said:
        return cls._make(message, "", 0, values, ())

    @classmethod
    def counted(cls, singular: str, plural: str, num: int, **values: Any) -> Said:
        """The form for ``num`` (``%(num)s``) of an ngettext pair."""
        return cls._make(singular, plural, num, values, ())

    @classmethod
    def joined(cls, separator: str, parts: Iterable[str]) -> Said:
        """``parts`` (each a ``Said`` or data) joined by ``separator`` (no words of its own)."""
        return cls._make(separator, "", 0, {}, tuple(parts))

    @classmethod
    def _make(
        cls, message: str, plural: str, num: int, values: dict[str, Any], parts: tuple[str, ...]
    ) -> Said:
        english = _words(translator(DEFAULT_LANGUAGE), message, plural, num, values, parts)
        said = super().__new__(cls, english)
        said.message, said.plural, said.num = message, plural, num
        said.values, said.parts = dict(values), parts
        return said

    def text(self, t: Translator) -> str:
        """The words in ``t``'s language."""
        return _words(t, self.message, self.plural, self.num, self.values, self.parts)


def _words(
    t: Translator,
    message: str,
    plural: str,
    num: int,
    values: dict[str, Any],
    parts: tuple[str, ...],
) -> str:
    if parts:
        return message.join(str(shown(part, t)) for part in parts)
    filled = {name: shown(value, t) for name, value in values.items()}
    if plural:
        return t.ngettext(message, plural, num, **filled)
    return t._(message, **filled)


def ngettext(singular: str, plural: str, num: int, **values: Any) -> Said:
    """Counted words for the catalog (extracted like gettext's ``ngettext``; ``%(num)s`` is
    ``num``), translated where shown."""
    return Said.counted(singular, plural, num, **values)


def shown(value: Any, t: Translator) -> Any:
    """A ``Said`` in ``t``'s language; any other value (data) as it is."""
    return value.text(t) if isinstance(value, Said) else value
