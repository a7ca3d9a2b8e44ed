"""Languages: which one a person reads, its gettext catalog, and dates, times and durations in it.

The bot speaks English (``en``, the default) and Korean (``ko``). English source strings are
the message ids, so English needs no catalog (``NullTranslations``); Korean comes from the
compiled catalog shipped in the package, ``bot/locales/ko/LC_MESSAGES/messages.mo`` (read
with importlib.resources, so it is found in a wheel as in a checkout). ``make messages``
extracts the strings (Babel), updates ``messages.po`` and compiles it.

Which language: ``slack.language`` in the settings, overridden per person by their Slack
locale (``bot.slack.locale``) or, for the CLI, by ``--lang`` and ``LANG``; ``negotiate``
turns any of those into ``en`` or ``ko``.

A ``Translator`` is one language in one time zone: ``_()`` and ``ngettext()`` translate and
fill placeholders (``%(name)s``, Jinja2's "newstyle" gettext, so a literal per cent sign is
written ``%%``); ``datetime``, ``date``, ``time`` and ``duration`` write values the way the
language does (Babel's locale data for dates). Nothing here knows Slack or Jinja2.
"""

from __future__ import annotations

import datetime as dt
import functools
import gettext
import re
from collections.abc import Mapping
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_skeleton, format_time

__all__ = [
    "DEFAULT_LANGUAGE",
    "N_",
    "SUPPORTED",
    "Translator",
    "cli_language",
    "load_translations",
    "negotiate",
    "relative",
    "translator",
]

SUPPORTED: tuple[str, ...] = ("en", "ko")
DEFAULT_LANGUAGE = "en"
DOMAIN = "messages"
LOCALE_DIR: Traversable = resources.files("bot.i18n") / "locales"

# Babel's locale data per language: English as written in Britain (day month year, a 24-hour
# clock: what an operations team reads without doubt), Korean as written in Korea.
BABEL_LOCALES: dict[str, str] = {"en": "en_GB", "ko": "ko_KR"}

# The environment variables that name a program's language, strongest first (POSIX).
LOCALE_ENV = ("LC_ALL", "LC_MESSAGES", "LANG")

_SEPARATORS = re.compile(r"[-_.@]")


def N_(message: str) -> str:
    """Mark a string for the catalog without translating it now (translated where shown)."""
    return message


def negotiate(value: str | None, default: str = DEFAULT_LANGUAGE) -> str:
    """``en`` or ``ko`` from a Slack locale (``ko-KR``), a POSIX locale (``ko_KR.UTF-8``) or a
    bare code (``ko``); anything else (``C``, ``fr-FR``, empty, None) gives ``default``."""
    fallback = default if default in SUPPORTED else DEFAULT_LANGUAGE
    if not value:
        return fallback
    code = _SEPARATORS.split(value.strip(), maxsplit=1)[0].lower()
    return code if code in SUPPORTED else fallback


def cli_language(option: str | None, env: Mapping[str, str], default: str) -> str:
    """The CLI's language: ``--lang`` when given, else the first of LC_ALL, LC_MESSAGES and
    LANG that is set (``LANG=ko_KR.UTF-8``), else ``default`` (``slack.language``).

    A locale naming no language the bot speaks (``C.UTF-8``, ``fr_FR``) means ``default``.
    """
    if option:
        return negotiate(option, default)
    for name in LOCALE_ENV:
        if env.get(name):
            return negotiate(env[name], default)
    return negotiate(None, default)


@functools.cache
def load_translations(lang: str) -> gettext.NullTranslations:
    """The compiled catalog of ``lang`` from the package (English: none, the ids are English).

    Raises ValueError for a language the bot does not speak and FileNotFoundError when the
    package lacks its catalog (a broken build).
    """
    if lang not in SUPPORTED:
        raise ValueError(f"unsupported language {lang!r} (supported: {', '.join(SUPPORTED)})")
    if lang == DEFAULT_LANGUAGE:
        return gettext.NullTranslations()
    compiled = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"
    with compiled.open("rb") as stream:
        return gettext.GNUTranslations(stream)


def relative(seconds: float) -> str:
    """Time since a start as ``+HH:MM:SS`` (hours go past 24), the same in every language."""
    sign = "-" if seconds < 0 else "+"
    whole = abs(int(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{sign}{hours:02d}:{minutes:02d}:{secs:02d}"


class Translator:
    """One language in one time zone: translated text, dates, times and durations.

    ``translations`` defaults to the package's catalog of ``lang``; ``babel_locale`` to
    ``BABEL_LOCALES[lang]`` (tests pass their own for a pseudo-language).
    """

    def __init__(
        self,
        lang: str,
        translations: gettext.NullTranslations | None = None,
        *,
        timezone: str = "UTC",
        babel_locale: str | None = None,
    ) -> None:
        self.lang = lang
        self.translations = translations if translations is not None else load_translations(lang)
        self.timezone = timezone
        self._zone = ZoneInfo(timezone)
        self._locale = Locale.parse(babel_locale or BABEL_LOCALES.get(lang, "en_GB"))
        self._joiner = str(self._locale.datetime_formats["medium"])  # "{1}, {0}" / "{1} {0}"

    # ---- text ----------------------------------------------------------------------------
    def gettext(self, message: str) -> str:
        """``message`` translated, placeholders left as they are."""
        return self.translations.gettext(message)

    def _(self, message: str, **values: Any) -> str:
        """``message`` translated, then its ``%(name)s`` placeholders filled from ``values``."""
        return self.translations.gettext(message) % values

    def ngettext(self, singular: str, plural: str, num: int, **values: Any) -> str:
        """The form for ``num`` translated and filled (``%(num)s`` is ``num``)."""
        return self.translations.ngettext(singular, plural, num) % {"num": num, **values}

    def pgettext(self, context: str, message: str, **values: Any) -> str:
        """``message`` in ``context`` (a word with two meanings) translated and filled."""
        return self.translations.pgettext(context, message) % values

    # ---- dates, times, durations ---------------------------------------------------------
    def _local(self, value: dt.datetime) -> dt.datetime:
        aware = value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
        return aware.astimezone(self._zone)

    def date(self, value: dt.datetime) -> str:
        """The day in the configured time zone: "29 Nov 2026" / "2026년 11월 29일"."""
        return str(format_skeleton("yMMMd", self._local(value), locale=self._locale))

    def time(self, value: dt.datetime, *, seconds: bool = False) -> str:
        """The time of day in the configured time zone: "09:41" / "오전 9:41"."""
        width = "medium" if seconds else "short"
        return str(format_time(self._local(value), width, locale=self._locale))

    def datetime(self, value: dt.datetime, *, seconds: bool = False, zone: bool = False) -> str:
        """Day and time in the configured time zone: "29 Nov 2026, 09:41" /
        "2026년 11월 29일 오전 9:41"; ``zone`` adds the offset ("+0900", "UTC")."""
        text = self._joiner.replace("{1}", self.date(value)).replace(
            "{0}", self.time(value, seconds=seconds)
        )
        if zone:
            text += " " + str(format_time(self._local(value), "z", locale=self._locale))
        return text

    def duration(self, seconds: float) -> str:
        """A length of time by its two largest units: "3 min 12 s" / "3분 12초", "2 h 5 min",
        "1 d 2 h"; under a second in milliseconds."""
        if 0 < seconds < 1:
            return self._("%(n)s ms", n=round(seconds * 1000))
        left = max(0, int(seconds))
        days, left = divmod(left, 86400)
        hours, left = divmod(left, 3600)
        minutes, secs = divmod(left, 60)
        units = [
            (days, self.gettext("%(n)s d")),
            (hours, self.gettext("%(n)s h")),
            (minutes, self.gettext("%(n)s min")),
            (secs, self.gettext("%(n)s s")),
        ]
        first = next((i for i, (amount, _) in enumerate(units) if amount), len(units) - 1)
        shown = [form % {"n": amount} for amount, form in units[first : first + 2] if amount]
        return " ".join(shown or [units[-1][1] % {"n": 0}])


@functools.cache
def translator(lang: str, timezone: str = "UTC") -> Translator:
    """The shared ``Translator`` of a supported language and time zone (built once)."""
    return Translator(negotiate(lang), timezone=timezone)
