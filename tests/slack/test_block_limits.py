"""The renderer enforces each surface's Block Kit limits at run time, whatever a template does."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.slack.blockkit import HEADER_TEXT, MAX_BLOCKS, SECTION_FIELD, SECTION_TEXT, Surface
from bot.slack.render import SURFACES, Renderer
from local_slack.validation import validate_blocks


def _renderer(folder: Path, name: str, body: str) -> Renderer:
    (folder / f"{name}.json.j2").write_text(body)
    return Renderer(folder)


SECTION = '{"type": "section", "text": {"type": "mrkdwn", "text": {{ value | text }}}}'


def test_cutting_never_splits_an_escaped_character(tmp_path: Path) -> None:
    """A value of 2,000 '&' is cut before escaping: only whole '&amp;', ending in '…'."""
    renderer = _renderer(tmp_path, "one", '{"text": "t", "blocks": [' + SECTION + "]}")
    text = renderer.render("one", value="&" * 2000).blocks[0]["text"]["text"]
    assert len(text) <= SECTION_TEXT and text.endswith("…")
    assert re.fullmatch(r"(&amp;)+…", text)


def test_cutting_never_splits_a_mention(tmp_path: Path) -> None:
    """A mention near the limit is kept whole or left out whole."""
    body = '{"text": "t", "blocks": [' + SECTION.replace("value", '(pad ~ mention(who))') + "]}"
    renderer = _renderer(tmp_path, "one", body)
    for pad in range(SECTION_TEXT - 12, SECTION_TEXT + 1):
        text = renderer.render("one", pad="x" * pad, who="U0ALICE1").blocks[0]["text"]["text"]
        assert len(text) <= SECTION_TEXT
        assert "<@U0ALICE1>" in text or "<@" not in text, text[-15:]


def test_each_place_has_its_own_limit(tmp_path: Path) -> None:
    """A header is cut at 150, a section field at 2,000; more than 10 fields are left out."""
    fields = ", ".join(['{"type": "mrkdwn", "text": {{ value | text }}}'] * 12)
    body = (
        '{"text": "t", "blocks": ['
        '{"type": "header", "text": {"type": "plain_text", "text": {{ value | plain }}}},'
        '{"type": "section", "fields": [' + fields + "]}]}"
    )
    message = _renderer(tmp_path, "one", body).render("one", value="y" * 5000)
    header, section, note = message.blocks
    assert len(header["text"]["text"]) == HEADER_TEXT
    assert len(section["fields"]) == 10
    assert all(len(f["text"]) == SECTION_FIELD for f in section["fields"])
    assert note["elements"][0]["text"] == "…and 2 more parts did not fit in one Slack message"
    assert validate_blocks(message.blocks, limit=MAX_BLOCKS[Surface.MESSAGE]) == []


@pytest.mark.parametrize("surface", [Surface.MESSAGE, Surface.MODAL])
def test_blocks_past_the_surfaces_count_are_summarised(
    tmp_path: Path, surface: Surface, monkeypatch: pytest.MonkeyPatch
) -> None:
    """130 blocks become the surface's maximum, the last one saying how many were left out."""
    monkeypatch.setitem(SURFACES, "many", frozenset(Surface))
    body = (
        '{"text": "t", "blocks": [{% for i in range(130) %}{% if not loop.first %},{% endif %}'
        + SECTION.replace("value", "i")
        + "{% endfor %}]}"
    )
    message = _renderer(tmp_path, "many", body).render("many", surface=surface)
    most = MAX_BLOCKS[surface]
    assert len(message.blocks) == most
    left = 130 - (most - 1)
    where = "in one Slack message" if surface is Surface.MESSAGE else "in this dialog"
    note = message.blocks[-1]["elements"][0]["text"]
    assert note == f"…and {left} more parts did not fit {where}"
    assert message.left_out == left


def test_a_template_can_say_what_it_left_out(tmp_path: Path) -> None:
    """fit_list keeps what fits in the room given and names the rest."""
    body = (
        '{% set fit = fit_list(items, max_blocks, "providers") %}'
        '{"text": "t", "blocks": [{% for i in fit.kept %}' + SECTION.replace("value", "i")
        + ",{% endfor %}"
        '{"type": "context", "elements": [{"type": "mrkdwn", "text": {{ fit.more | text }}}]}]}'
    )
    message = _renderer(tmp_path, "list", body).render("list", items=list(range(87)))
    assert len(message.blocks) == 50 and message.left_out == 0
    assert message.blocks[-1]["elements"][0]["text"] == "…and 38 more providers"  # 49 shown
