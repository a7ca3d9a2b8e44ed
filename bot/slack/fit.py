"""Fitting lists into Block Kit's limits, and the words saying what was left out.

``fit_list`` (items, one block each) and ``fit_lines`` (lines of one text) keep what fits and
end with "…and 37 more providers"; ``left_out_note`` is the closing line the renderer adds
when blocks, fields or elements were cut. Each speaks the render's language.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.i18n.translator import Translator
from bot.slack.blockkit import CUT, SECTION_TEXT, Surface, Texts


@dataclass(frozen=True)
class Fitted:
    """``fit_list``'s answer: the items to show and the line saying what was left out."""

    kept: list[Any]
    left_out: int
    more: str  # "…and 37 more providers", or "" when everything fits


def more_line(count: int, noun: str, translator: Translator | None = None) -> str:
    """The line "…and N more <noun>" (empty for none), in ``translator``'s language."""
    if not count:
        return ""
    if translator is None:
        return f"{CUT}and {count} more {noun}"
    return translator._("…and %(count)s more %(noun)s", count=count, noun=noun)


def left_out_note(translator: Translator, surface: Surface) -> Callable[[int], str]:
    """The closing line "…and N more parts did not fit …" of ``surface`` in a language."""
    t = translator
    if surface is Surface.MODAL:
        return lambda n: t.ngettext(
            "…and %(num)s more part did not fit in this dialog",
            "…and %(num)s more parts did not fit in this dialog",
            n,
        )
    if surface is Surface.HOME:
        return lambda n: t.ngettext(
            "…and %(num)s more part did not fit on this page",
            "…and %(num)s more parts did not fit on this page",
            n,
        )
    return lambda n: t.ngettext(
        "…and %(num)s more part did not fit in one Slack message",
        "…and %(num)s more parts did not fit in one Slack message",
        n,
    )


def fit_lines(
    raw: Texts,
    lines: Sequence[object],
    noun: str,
    limit: int = SECTION_TEXT,
    head: str = "",
    sep: str = "\n",
    total: int | None = None,
    *,
    translator: Translator | None = None,
) -> str:
    """``head`` and as many ``lines`` as fit in ``limit`` escaped characters, then
    "…and N more <noun>" for the rest (raw: print it through ``|text``). ``total``: how
    many there are when ``lines`` is only the first few of them."""
    t = translator
    texts = [str(line) for line in lines]
    count = max(total if total is not None else 0, len(texts))
    measure = raw.measure
    size = measure(head) if head else 0
    kept: list[str] = []
    for line in texts:
        joiner = sep if (kept or head) else ""
        more = more_line(count - len(kept) - 1, noun, t)
        tail = measure(sep + more) if more else 0
        if size + measure(joiner + line) + tail > limit:
            break
        kept.append(line)
        size += measure(joiner + line)
    if texts and not kept:  # not even one whole line: show the first one cut
        more = more_line(count - 1, noun, t)
        room = limit - size - measure((sep if head else "") + (sep + more if more else ""))
        if room > len(CUT):
            kept.append(raw.cut(texts[0], room))
    left = count - len(kept)
    parts = ([head] if head else []) + kept + ([more_line(left, noun, t)] if left else [])
    return sep.join(parts)


def fit_list(
    items: Sequence[Any], room: int, noun: str, *, translator: Translator | None = None
) -> Fitted:
    """At most ``room`` things to show, one of them the line "…and N more <noun>" when
    ``items`` do not all fit (a template spends one block per item plus that line)."""
    listed = list(items)
    if len(listed) <= room:
        return Fitted(listed, 0, "")
    kept = listed[: max(room - 1, 0)]
    left = len(listed) - len(kept)
    return Fitted(kept, left, more_line(left, noun, translator))
