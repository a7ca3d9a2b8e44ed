"""Templates in English and Korean: the pattern for translated text keeps every value escaped,
each language renders with its own catalog, and every template stays within Block Kit's limits
in both languages."""

from __future__ import annotations

import gettext
import io
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo

from bot.i18n.translator import SUPPORTED, Translator
from bot.slack.blockkit import Surface
from bot.slack.render import Renderer, UnfilteredValueError
from tests.catalog_check import PSEUDO, pseudo_renderer, untranslated
from tests.slack.test_templates import OVERFLOW, SAMPLES, _cases, _check

AT = datetime(2026, 11, 29, 0, 41, 5, tzinfo=UTC)

# The pattern: text to translate is an expression, its values raw, the whole through a filter.
SAMPLE = """{% set line = _("Checked %(when)s by %(who)s, took %(took)s", when=at|datetime,
  who=mention(who), took=took|duration) %}
{
  "text": {{ line | text }},
  "blocks": [
    {"type": "header", "text": {"type": "plain_text", "text": {{ _("Health") | plain }}}},
    {"type": "section", "text": {"type": "mrkdwn", "text": {{ line | text }}}},
    {"type": "context", "elements": [{"type": "mrkdwn",
      "text": {{ fit_lines(items, _("probes"), limit=limit) | text }}}]}
  ]
}
"""


def _catalog(entries: dict[str, str]) -> gettext.GNUTranslations:
    """A compiled Korean catalog made in memory (the test's own message ids)."""
    catalog = Catalog(locale="ko")
    for msgid, msgstr in entries.items():
        catalog.add(msgid, msgstr)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


KO_SAMPLE = {
    "Checked %(when)s by %(who)s, took %(took)s": "%(who)s님이 %(when)s에 확인, %(took)s 걸림",
    "Health": "상태",
    "probes": "프로브",
    "…and %(count)s more %(noun)s": "…외 %(noun)s %(count)s개",
    "%(n)s min": "%(n)s분",
    "%(n)s s": "%(n)s초",
}


def _renderer(folder: Path, body: str = SAMPLE) -> Renderer:
    (folder / "sample.json.j2").write_text(body)
    translators = {
        "en": Translator("en", timezone="Asia/Seoul"),
        "ko": Translator("ko", _catalog(KO_SAMPLE), timezone="Asia/Seoul"),
    }
    return Renderer(folder, translators=translators)


def _sample(**over: Any) -> dict[str, Any]:
    values: dict[str, Any] = {"at": AT, "who": "U0ALICE", "took": 192, "items": ["a"]}
    values["limit"] = 3000
    return {**values, **over}


def test_translated_text_fills_values_and_escapes_them_once(tmp_path: Path) -> None:
    """_() fills the placeholders; |text escapes the whole line, value and translation alike."""
    renderer = _renderer(tmp_path)
    en = renderer.render("sample", lang="en", **_sample())
    ko = renderer.render("sample", lang="ko", **_sample())
    assert en.blocks[1]["text"]["text"] == (
        "Checked 29 Nov 2026, 09:41 by <@U0ALICE>, took 3 min 12 s"
    )
    assert ko.blocks[1]["text"]["text"] == (
        "<@U0ALICE>님이 2026년 11월 29일 오전 9:41에 확인, 3분 12초 걸림"
    )
    assert (en.blocks[0]["text"]["text"], ko.blocks[0]["text"]["text"]) == ("Health", "상태")
    hostile = renderer.render("sample", lang="ko", **_sample(who="<!channel> & <https://x|y>"))
    shown = hostile.blocks[1]["text"]["text"]
    assert "<!channel>" not in shown and "&lt;!channel&gt; &amp; &lt;https://x|y&gt;" in shown


def test_a_trans_block_is_refused_like_any_unfiltered_value(tmp_path: Path) -> None:
    """{% trans %} prints without a filter, so it is refused: translated text goes through _()."""
    body = '{"text": "{% trans %}Hello {{ who }}{% endtrans %}", "blocks": []}'
    renderer = _renderer(tmp_path, body)
    with pytest.raises(UnfilteredValueError):
        renderer.render("sample", lang="ko", who="<!channel>")


def test_a_per_cent_sign_in_translated_text_is_written_twice(tmp_path: Path) -> None:
    """Translated text is always a format string: "%%" prints one per cent sign."""
    body = '{"text": {{ _("%(share)s%% of models", share=20) | text }}, "blocks": []}'
    assert _renderer(tmp_path, body).render("sample").text == "20% of models"


def test_languages_render_side_by_side_without_leaking(tmp_path: Path) -> None:
    """Each language has its own environment: interleaved renders never mix catalogs."""
    renderer = _renderer(tmp_path)
    headers = [
        renderer.render("sample", lang=lang, **_sample()).blocks[0]["text"]["text"]
        for lang in ("ko", "en", "ko", "en")
    ]
    assert headers == ["상태", "Health", "상태", "Health"]
    assert renderer.languages == SUPPORTED


def test_an_unknown_language_is_refused(tmp_path: Path) -> None:
    """A language the renderer does not write is an error, not silently English."""
    with pytest.raises(ValueError, match="no language 'fr'"):
        _renderer(tmp_path).render("sample", lang="fr", **_sample())


def test_what_did_not_fit_is_said_in_the_language(tmp_path: Path) -> None:
    """fit_lines' "…and N more" and the renderer's closing line follow the render's language."""
    renderer = _renderer(tmp_path)
    lines = [f"line {i}" for i in range(400)]
    ko = renderer.render("sample", lang="ko", **_sample(items=lines, limit=200))
    assert ko.blocks[2]["elements"][0]["text"].endswith("개")
    assert "…외 프로브 " in ko.blocks[2]["elements"][0]["text"]
    en = renderer.render("sample", lang="en", **_sample(items=lines, limit=200))
    assert "…and " in en.blocks[2]["elements"][0]["text"]
    assert en.blocks[2]["elements"][0]["text"].endswith(" more probes")

    fields = ", ".join(['{"type": "mrkdwn", "text": {{ "x" | text }}}'] * 12)
    body = '{"text": "t", "blocks": [{"type": "section", "fields": [' + fields + "]}]}"
    (tmp_path / "fields.json.j2").write_text(body)
    real = Renderer(tmp_path)  # the package's own catalogs
    note = real.render("fields", lang="ko").blocks[-1]["elements"][0]["text"]
    assert note == "…그 밖의 2개 부분은 Slack 메시지 하나에 들어가지 않았습니다"
    note = real.render("fields", lang="en").blocks[-1]["elements"][0]["text"]
    assert note == "…and 2 more parts did not fit in one Slack message"


def test_constant_messages_are_kept_per_language(tmp_path: Path) -> None:
    """render_constant keeps one message per language."""
    (tmp_path / "notice.json.j2").write_text('{"text": {{ _("Health") | text }}, "blocks": []}')
    translators = {"en": Translator("en"), "ko": Translator("ko", _catalog(KO_SAMPLE))}
    renderer = Renderer(tmp_path, translators=translators)
    assert renderer.render_constant("notice", lang="ko").text == "상태"
    assert renderer.render_constant("notice").text == "Health"


@pytest.mark.parametrize("lang", SUPPORTED)
@pytest.mark.parametrize(
    ("name", "surface", "make"),
    [(n, s, make) for n, s in _cases(SAMPLES) for make in SAMPLES[n]],
)
def test_every_template_renders_in_each_language_within_limits(
    name: str, surface: Surface, make: Callable[[], dict[str, Any]], lang: str
) -> None:
    """Every sample of every template renders in English and in Korean within Block Kit limits."""
    renderer = Renderer(timezone="Asia/Seoul")
    _check(renderer.render(name, surface=surface, lang=lang, **make()), surface)


@pytest.mark.parametrize("lang", SUPPORTED)
@pytest.mark.parametrize(("name", "surface"), _cases(OVERFLOW))
def test_overflowing_input_fits_in_each_language(name: str, surface: Surface, lang: str) -> None:
    """Input past every limit stays within the surface's limits in English and in Korean."""
    make, _ = OVERFLOW[name]
    renderer = Renderer(timezone="Asia/Seoul")
    _check(renderer.render(name, surface=surface, lang=lang, **make()), surface)


@pytest.mark.parametrize(("name", "surface"), _cases(SAMPLES))
def test_no_template_writes_text_outside_the_catalogs(name: str, surface: Surface) -> None:
    """Rendered in the pseudo-language, every template shows only catalog text and data."""
    renderer = pseudo_renderer()
    found = []
    for make in SAMPLES[name]:
        context = make()
        message = renderer.render(name, surface=surface, lang=PSEUDO, **context)
        found += [words for _, words in untranslated(message, context)]
    assert found == []
