"""The postmortem draft cut for Slack: parts that each fit a section once escaped, split at
line ends, nothing lost unless more than ``MOST_PARTS`` parts, which is then said."""

from __future__ import annotations

from bot.slack.blockkit import escape_mrkdwn
from bot.slack.postmortem_view import MOST_PARTS, PART_SIZE, postmortem_view, split_draft


def test_a_short_draft_is_one_part_kept_whole() -> None:
    """Up to a part's size, the draft is one part, exactly as written."""
    text = "# Draft\n\n## Summary\n- a & b <c>\n"
    view = postmortem_view(7, text)
    assert view.parts == (text.rstrip("\n"),) and not view.cut and view.found
    assert view.cli == "aisi-bot incidents postmortem 7"


def test_parts_fit_once_escaped_and_split_at_line_ends() -> None:
    """Lines of ampersands (five characters each once escaped) are packed by escaped size;
    joining the parts gives the draft back."""
    lines = [f"- step {i} & more & more" for i in range(800)]
    text = "\n".join(lines)
    parts = split_draft(text)
    assert len(parts) > 1
    assert all(len(escape_mrkdwn(p)) <= PART_SIZE for p in parts)
    assert "\n".join(parts) == text


def test_a_line_longer_than_a_part_is_split_inside() -> None:
    """One line past a part's size is cut into pieces that each fit."""
    text = "&" * (PART_SIZE * 2)
    parts = split_draft(text)
    assert len(parts) >= 10 and "".join(parts) == text
    assert all(len(escape_mrkdwn(p)) <= PART_SIZE for p in parts)


def test_a_draft_past_the_most_parts_is_cut_and_says_so() -> None:
    """More parts than a message shows: the first ones, an ellipsis, and ``cut`` set; three
    backticks in someone's text cannot end the preformatted block."""
    text = "\n".join(f"- line {i} ``` {'x' * 200}" for i in range(2000))
    view = postmortem_view(9, text)
    assert view.cut and len(view.parts) == MOST_PARTS and view.parts[-1].endswith("\n…")
    assert not any("```" in part for part in view.parts)
