"""The committed catalogs are current: the template lists every message of the code, each
language's .po translates all of them with the same placeholders, and the shipped .mo is the
compiled .po (so nobody forgets `make messages`)."""

from __future__ import annotations

import gettext
import io
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.i18n.translator import DEFAULT_LANGUAGE, SUPPORTED
from tests.harness import REPO

LOCALES = REPO / "bot" / "i18n" / "locales"
TRANSLATED = [lang for lang in SUPPORTED if lang != DEFAULT_LANGUAGE]
FIX = "run `make messages` (and translate what is new)"

MessageKey = tuple[str | None, str]


def _read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as stream:
        return read_po(stream, locale=locale)


def _keys(catalog: Catalog) -> set[MessageKey]:
    return {
        (m.context, m.id[0] if isinstance(m.id, tuple) else m.id) for m in catalog if m.id
    }


def _extracted() -> set[MessageKey]:
    """What `pybabel extract -F babel.cfg` finds in the code and templates now."""
    with (REPO / "babel.cfg").open(encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config)
    found = set()
    for _, _, message, _, context in extract_from_dir(REPO, method_map, options_map):
        found.add((context, message[0] if isinstance(message, tuple) else message))
    return found


def _compiled(catalog: Catalog) -> dict[object, str]:
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return dict(gettext.GNUTranslations(buffer)._catalog)  # type: ignore[attr-defined]


def test_the_template_lists_every_message_of_the_code() -> None:
    """messages.pot holds exactly the messages marked in bot/, handlers/, jobs/ and templates."""
    extracted = _extracted()
    template = _keys(_read(LOCALES / "messages.pot"))
    assert extracted, "nothing extracted: babel.cfg matches no file"
    assert extracted - template == set(), f"new messages not in messages.pot: {FIX}"
    assert template - extracted == set(), f"messages.pot lists gone messages: {FIX}"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_each_language_translates_every_message(lang: str) -> None:
    """The language's .po has every message of the template, none left empty or fuzzy."""
    catalog = _read(LOCALES / lang / "LC_MESSAGES" / "messages.po", lang)
    assert _keys(catalog) == _keys(_read(LOCALES / "messages.pot")), FIX
    missing = [
        m.id
        for m in catalog
        if m.id and (m.fuzzy or not all(m.string if isinstance(m.string, tuple) else [m.string]))
    ]
    assert missing == []


@pytest.mark.parametrize("lang", TRANSLATED)
def test_translations_keep_their_placeholders(lang: str) -> None:
    """Each translation uses the placeholders of its message (Babel's python-format check)."""
    catalog = _read(LOCALES / lang / "LC_MESSAGES" / "messages.po", lang)
    problems = [(m.id, [str(e) for e in errors]) for m, errors in catalog.check() if errors]
    assert problems == []


@pytest.mark.parametrize("lang", TRANSLATED)
def test_the_shipped_mo_is_the_compiled_po(lang: str) -> None:
    """messages.mo holds exactly what compiling messages.po gives."""
    folder = LOCALES / lang / "LC_MESSAGES"
    with (folder / "messages.mo").open("rb") as stream:
        shipped = dict(gettext.GNUTranslations(stream)._catalog)  # type: ignore[attr-defined]
    assert shipped == _compiled(_read(folder / "messages.po", lang)), FIX
