"""The check for message text outside the catalogs flags a literal and passes translated text."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from tests.catalog_check import PSEUDO, mark, pseudo_renderer, untranslated

SECTION = '{"type": "section", "text": {"type": "mrkdwn", "text": {{ (LINE) | text }}}}'


def _render(folder: Path, line: str, **context: object) -> list[list[str]]:
    """The unmarked words of a one-section template whose line is ``line``."""
    body = '{"text": {{ "" | text }}, "blocks": [' + SECTION.replace("LINE", line) + "]}"
    (folder / "one.json.j2").write_text(body)
    message = pseudo_renderer(folder).render("one", lang=PSEUDO, **context)
    return [words for _, words in untranslated(message, context)]


@dataclass(frozen=True)
class Probe:
    """A result object as templates get them."""

    name: str
    detail: str


def test_marking_leaves_placeholders_outside() -> None:
    """Only literal runs are marked, so filled-in values are checked on their own."""
    assert mark("Checked %(when)s in %(ms)s ms") == "⟦Checked ⟧%(when)s⟦ in ⟧%(ms)s⟦ ms⟧"
    assert mark("%(n)s%%") == "%(n)s%%"


def test_an_untranslated_literal_is_flagged(tmp_path: Path) -> None:
    """A string literal printed straight from the template is text outside the catalogs."""
    assert _render(tmp_path, '"Database is down"') == [["Database", "is", "down"]]


def test_a_literal_concatenated_to_translated_text_is_flagged(tmp_path: Path) -> None:
    """Gluing English to translated text is caught, not hidden by the translated part."""
    assert _render(tmp_path, '_("State") ~ ": degraded"') == [["degraded"]]


def test_a_literal_filled_into_a_placeholder_is_flagged(tmp_path: Path) -> None:
    """A template literal passed as a value of _() is still a literal."""
    assert _render(tmp_path, '_("State: %(s)s", s="partly unknown")') == [["partly", "unknown"]]


def test_translated_text_with_data_passes(tmp_path: Path) -> None:
    """_() text, values from the context, dates, durations, numbers and emoji all pass."""
    line = (
        '"✅ " ~ _("%(name)s: %(detail)s, checked %(when)s in %(took)s", name=probe.name,'
        ' detail=probe.detail, when=at|datetime, took=192|duration) ~ " · 12"'
    )
    probe = Probe("Cache (Redis)", "PONG & <fine>")
    at = datetime(2026, 11, 29, tzinfo=UTC)
    assert _render(tmp_path, line, probe=probe, at=at) == []


def test_a_long_value_cut_at_its_limit_still_counts_as_data(tmp_path: Path) -> None:
    """A value cut with "…" at its place's limit leaves a piece of itself: still data."""
    assert _render(tmp_path, "detail", detail="Wörds of an upstream error " * 200) == []
