"""Languages: which one a locale means, the packaged catalogs, and dates, times and durations
written the way English and Korean write them."""

from __future__ import annotations

import gettext
from datetime import UTC, datetime

import pytest

from bot.i18n.translator import (
    Translator,
    cli_language,
    load_translations,
    negotiate,
    relative,
    translator,
)

AT = datetime(2026, 11, 29, 0, 41, 5, tzinfo=UTC)  # 09:41:05 in Seoul


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("ko-KR", "ko"),
        ("ko_KR.UTF-8", "ko"),
        ("ko", "ko"),
        ("KO_kr.utf8@euro", "ko"),
        ("en-US", "en"),
        ("en_GB.UTF-8", "en"),
        ("C.UTF-8", "ko"),
        ("POSIX", "ko"),
        ("fr-FR", "ko"),
        ("", "ko"),
        (None, "ko"),
    ],
)
def test_a_locale_means_korean_english_or_the_default(value: str | None, expected: str) -> None:
    """Slack locales, POSIX locales and bare codes map to ko or en; anything else to the default."""
    assert negotiate(value, default="ko") == expected


def test_an_unsupported_default_falls_back_to_english() -> None:
    """A default the bot does not speak is English."""
    assert negotiate("fr", default="de") == "en"


def test_the_cli_follows_lang_then_the_environment_then_the_setting() -> None:
    """--lang beats LC_ALL, which beats LC_MESSAGES and LANG; a C locale keeps slack.language."""
    assert cli_language("en", {"LANG": "ko_KR.UTF-8"}, "ko") == "en"
    assert cli_language(None, {"LANG": "ko_KR.UTF-8"}, "en") == "ko"
    assert cli_language(None, {"LC_ALL": "en_US.UTF-8", "LANG": "ko_KR.UTF-8"}, "ko") == "en"
    assert cli_language(None, {"LC_MESSAGES": "ko_KR.UTF-8", "LANG": "en_US"}, "en") == "ko"
    assert cli_language(None, {"LANG": "C.UTF-8"}, "ko") == "ko"
    assert cli_language(None, {}, "ko") == "ko"


def test_the_korean_catalog_comes_from_the_package() -> None:
    """ko is the compiled catalog in bot/i18n/locales; en needs none (its ids are English)."""
    korean = load_translations("ko")
    assert isinstance(korean, gettext.GNUTranslations)
    assert korean.gettext("%(n)s min") == "%(n)s분"
    assert type(load_translations("en")) is gettext.NullTranslations
    with pytest.raises(ValueError, match="unsupported language 'fr'"):
        load_translations("fr")


@pytest.mark.parametrize(
    ("lang", "when", "with_seconds", "day", "clock"),
    [
        ("en", "29 Nov 2026, 09:41", "29 Nov 2026, 09:41:05 +0900", "29 Nov 2026", "09:41"),
        (
            "ko",
            "2026년 11월 29일 오전 9:41",
            "2026년 11월 29일 오전 9:41:05 +0900",
            "2026년 11월 29일",
            "오전 9:41",
        ),
    ],
)
def test_dates_and_times_are_written_in_the_language_and_time_zone(
    lang: str, when: str, with_seconds: str, day: str, clock: str
) -> None:
    """A UTC instant shows in the configured zone, the way the language writes it."""
    t = Translator(lang, timezone="Asia/Seoul")
    assert t.datetime(AT) == when
    assert t.datetime(AT, seconds=True, zone=True) == with_seconds
    assert (t.date(AT), t.time(AT)) == (day, clock)


def test_a_time_without_a_zone_is_taken_as_utc() -> None:
    """Naive datetimes (none should reach here) are read as UTC, not as local time."""
    naive = AT.replace(tzinfo=None)
    assert Translator("en", timezone="Asia/Seoul").datetime(naive) == "29 Nov 2026, 09:41"


@pytest.mark.parametrize(
    ("seconds", "en", "ko"),
    [
        (0, "0 s", "0초"),
        (0.45, "450 ms", "450밀리초"),
        (12, "12 s", "12초"),
        (192, "3 min 12 s", "3분 12초"),
        (3600, "1 h", "1시간"),
        (2 * 3600 + 305, "2 h 5 min", "2시간 5분"),
        (86400 + 7200 + 5, "1 d 2 h", "1일 2시간"),
        (-3, "0 s", "0초"),
    ],
)
def test_durations_show_their_two_largest_units(seconds: float, en: str, ko: str) -> None:
    """A duration is written by its two largest units, in each language's words."""
    assert translator("en").duration(seconds) == en
    assert translator("ko").duration(seconds) == ko


def test_time_since_opening_is_the_same_in_every_language() -> None:
    """+HH:MM:SS, hours going past a day, a minus sign before the start."""
    assert [relative(s) for s in (0, 192, 90061, -5)] == [
        "+00:00:00",
        "+00:03:12",
        "+25:01:01",
        "-00:00:05",
    ]


def test_translated_text_fills_its_placeholders() -> None:
    """_() and ngettext() translate, then fill %(name)s (ngettext also %(num)s)."""
    ko = translator("ko")
    assert ko._("Resolved: %(note)s", note="재시작") == "해결: 재시작"
    en = translator("en")
    assert en._("Resolved: %(note)s", note="restarted") == "Resolved: restarted"
    one = "…and %(num)s more part did not fit on this page"
    many = "…and %(num)s more parts did not fit on this page"
    assert en.ngettext(one, many, 1) == "…and 1 more part did not fit on this page"
    assert en.ngettext(one, many, 3) == "…and 3 more parts did not fit on this page"
    assert ko.ngettext(one, many, 3) == "…그 밖의 3개 부분은 이 페이지에 들어가지 않았습니다"
    assert ko.pgettext("incident state", "resolved") == "해결됨"
