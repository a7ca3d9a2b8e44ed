"""A postmortem draft as the ``postmortem`` template shows it: the Markdown cut into parts
that each fit one section block as preformatted text.

The draft itself (``bot.incidents.postmortem``) is plain Markdown for any reader; Slack
holds at most 3,000 characters in a section, counted after escaping (``&`` is ``&amp;``),
and a message should stay readable, so the text is split at line ends into at most
``MOST_PARTS`` parts. When it does not all fit, ``cut`` is set and the template names the
CLI that prints the whole draft. No Slack here: plain data for the template.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.slack.blockkit import CUT, SECTION_TEXT, escape_mrkdwn

FENCES = len("```\n") + len("\n```")  # each part is shown between code fences
PART_SIZE = SECTION_TEXT - FENCES - 2  # escaped characters of draft text per section
MOST_PARTS = 10  # about 30,000 characters: a long incident; the rest is for the CLI


@dataclass(frozen=True)
class PostmortemView:
    """What the ``postmortem`` template is given: the incident, the draft's parts (empty
    when there is no such incident) and whether some of it was left out."""

    incident_id: int
    parts: tuple[str, ...]
    cut: bool = False
    found: bool = True
    cli: str = ""  # the command that prints the whole draft


def cli_command(incident_id: int) -> str:
    """``aisi-bot incidents postmortem 42``."""
    return f"aisi-bot incidents postmortem {incident_id}"


def _size(text: str) -> int:
    return len(escape_mrkdwn(text))


def _pieces(line: str, size: int) -> list[str]:
    """A line longer than a part, in pieces that each fit."""
    pieces, current = [], ""
    for char in line:
        if _size(current + char) > size:
            pieces.append(current)
            current = ""
        current += char
    return [*pieces, current]


def split_draft(markdown: str, *, size: int = PART_SIZE) -> list[str]:
    """The whole draft in parts of at most ``size`` escaped characters, split at line ends
    (a line too long for one part is split inside it)."""
    parts: list[str] = []
    current: list[str] = []
    used = 0
    for line in markdown.rstrip("\n").split("\n"):
        for piece in _pieces(line, size) if _size(line) > size else [line]:
            extra = _size(piece) + (1 if current else 0)
            if current and used + extra > size:
                parts.append("\n".join(current))
                current, used = [], 0
                extra = _size(piece)
            current.append(piece)
            used += extra
    if current:
        parts.append("\n".join(current))
    return parts


def postmortem_view(incident_id: int, markdown: str, *, most: int = MOST_PARTS) -> PostmortemView:
    """The view of a draft: its first ``most`` parts, ``cut`` when more did not fit."""
    # Three backticks in someone's text would end the preformatted block early.
    parts = split_draft(markdown.replace("```", "'''"))
    if len(parts) <= most:
        return PostmortemView(incident_id, tuple(parts), cli=cli_command(incident_id))
    kept = parts[:most]
    last = kept[-1]
    if _size(last + "\n" + CUT) <= PART_SIZE:
        kept[-1] = last + "\n" + CUT
    return PostmortemView(incident_id, tuple(kept), cut=True, cli=cli_command(incident_id))


def missing_view(incident_id: int) -> PostmortemView:
    """The view for an id no incident has."""
    return PostmortemView(incident_id, (), found=False, cli=cli_command(incident_id))
