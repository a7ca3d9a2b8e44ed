"""Finding message text that does not come from the catalogs, by rendering in a pseudo-language.

The pseudo-language's catalog turns every message id into a marked form: each run of
literal text between placeholders is wrapped in ⟦…⟧ ("Checked %(when)s" → "⟦Checked ⟧%(when)s"),
so a value filled into a placeholder stays unmarked and is checked like any other text.
Its dates and durations are marked too (they are the language's own words). A template
rendered in it shows, in every visible text, only marked text, data from the context, and
characters that are no letters (emoji, punctuation, numbers); any other letter is text a
template or the renderer wrote without going through gettext.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gettext
import re
from collections.abc import Iterator, Mapping
from enum import Enum
from typing import Any

from bot.i18n.translator import Translator
from bot.slack.render import Message, Renderer

PSEUDO = "qps"  # the tag locales reserve for pseudo-localisation
OPEN, CLOSE = "⟦", "⟧"
_PLACEHOLDER = re.compile(r"%\([^)]*\)[-#0 +]*\d*(?:\.\d+)?[sdifr]|%%")
_MARKED = re.compile(re.escape(OPEN) + ".*?" + re.escape(CLOSE), re.DOTALL)
_WORD = re.compile(r"[^\W\d_]+")  # a run of letters, any script
CUT_AT_LEAST = 20  # no place a value lands in is shorter (a dialog title holds 24)
_UNESCAPE = (("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&"))
# Slack's markup for a mention (<@U0ALICE>, <!subteam^S0GROUP>) and emoji that are letters to
# Unicode (ℹ️): neither is text to translate.
_NOT_WORDS = re.compile(r"<@[UW][A-Z0-9]+>|<!subteam\^S[A-Z0-9]+>|ℹ\ufe0f?")


def mark(message: str) -> str:
    """Wrap each run of literal text of a message id in ⟦…⟧, placeholders left outside."""
    out, position = [], 0
    for match in _PLACEHOLDER.finditer(message):
        if match.start() > position:
            out.append(OPEN + message[position : match.start()] + CLOSE)
        out.append(match.group(0))
        position = match.end()
    if position < len(message):
        out.append(OPEN + message[position:] + CLOSE)
    return "".join(out)


class PseudoTranslations(gettext.NullTranslations):
    """A catalog that "translates" every message id into its marked form."""

    def gettext(self, message: str) -> str:
        return mark(message)

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        return mark(msgid1 if n == 1 else msgid2)

    def pgettext(self, context: str, message: str) -> str:
        return mark(message)

    def npgettext(self, context: str, msgid1: str, msgid2: str, n: int) -> str:
        return mark(msgid1 if n == 1 else msgid2)


class PseudoTranslator(Translator):
    """The pseudo-language: marked text, marked dates, times and durations."""

    def __init__(self, timezone: str = "UTC") -> None:
        super().__init__(PSEUDO, PseudoTranslations(), timezone=timezone, babel_locale="en_GB")
        self._plain = Translator("en", timezone=timezone)

    def date(self, value: dt.datetime) -> str:
        return OPEN + self._plain.date(value) + CLOSE

    def time(self, value: dt.datetime, *, seconds: bool = False) -> str:
        return OPEN + self._plain.time(value, seconds=seconds) + CLOSE

    def datetime(self, value: dt.datetime, *, seconds: bool = False, zone: bool = False) -> str:
        return OPEN + self._plain.datetime(value, seconds=seconds, zone=zone) + CLOSE


def pseudo_renderer(template_dir: Any = None) -> Renderer:
    """A renderer writing English and the pseudo-language (``lang="qps"``)."""
    translators = {"en": Translator("en"), PSEUDO: PseudoTranslator()}
    if template_dir is None:
        return Renderer(translators=translators)
    return Renderer(template_dir, translators=translators)


def data_strings(value: Any, *, depth: int = 0, seen: set[int] | None = None) -> set[str]:
    """Every string a context holds (dataclass fields, mappings, sequences, enum values)."""
    seen = set() if seen is None else seen
    if depth > 12 or id(value) in seen:
        return set()
    if isinstance(value, Enum):
        return {str(value.value), value.name}
    if isinstance(value, str):
        return {value}
    if isinstance(value, (int, float, bool, dt.datetime, dt.date)) or value is None:
        return {str(value)}
    seen.add(id(value))
    found: set[str] = set()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        children: Any = [getattr(value, f.name) for f in dataclasses.fields(value)]
    elif isinstance(value, Mapping):
        children = [*value.keys(), *value.values()]
    elif isinstance(value, (list, tuple, set, frozenset)):
        children = list(value)
    else:
        children = list(vars(value).values()) if hasattr(value, "__dict__") else []
    for child in children:
        found |= data_strings(child, depth=depth + 1, seen=seen)
    return found


def visible_texts(message: Message) -> Iterator[str]:
    """Every text a person sees: the fallback text, a dialog's title and each text in blocks."""
    yield message.text
    if message.title:
        yield message.title
    yield from _texts(message.blocks)


def _texts(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("text", "alt_text", "title") and isinstance(item, str):
                yield item
            else:
                yield from _texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)


def unmarked_words(text: str, data: set[str]) -> list[str]:
    """Words of ``text`` that are neither marked nor data from the context."""
    for escaped, raw in _UNESCAPE:
        text = text.replace(escaped, raw)
    text = _MARKED.sub(" ", text)
    text = _NOT_WORDS.sub(" ", text)
    for value in sorted((d for d in data if d), key=len, reverse=True):
        text = text.replace(value, " ")
    words = _WORD.findall(text)
    # A long value cut at its place's limit ("…") leaves a piece of itself, not the whole.
    long = [value for value in data if len(value) > CUT_AT_LEAST]
    return [w for w in words if not any(w in value for value in long)]


def untranslated(message: Message, context: Mapping[str, Any]) -> list[tuple[str, list[str]]]:
    """Each visible text holding words outside the catalogs, with those words."""
    data = data_strings(dict(context))
    found = []
    for text in visible_texts(message):
        words = unmarked_words(text, data)
        if words:
            found.append((text, words))
    return found
