"""Slack's Block Kit limits, enforced on every rendered message at run time.

A message, a modal and App Home (the *surface*) differ in how many blocks they hold; each
place a text stands has its own length limit. The renderer's filters leave their values
raw (tagged, not yet escaped); ``Finisher`` cuts each raw value to the limit of the place
it landed in — before escaping, so an ``&amp;`` or a mention is never split (a mention
counts as one unit) — marks the cut with "…", then escapes. Blocks, fields and elements
beyond a limit are left out and one closing context block says how many.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Surface(StrEnum):
    """Where a rendered message is shown."""

    MESSAGE = "message"  # chat.postMessage / update / ephemeral / response_url
    MODAL = "modal"  # views.open / update / push
    HOME = "home"  # views.publish


MAX_BLOCKS = {Surface.MESSAGE: 50, Surface.MODAL: 100, Surface.HOME: 100}
_WHERE = {
    Surface.MESSAGE: "in one Slack message",
    Surface.MODAL: "in this dialog",
    Surface.HOME: "on this page",
}

# Characters, by where a text stands (Slack's Block Kit reference).
FALLBACK_TEXT = 3000  # a message's notification text (Slack allows more; nobody reads it)
HEADER_TEXT = 150
SECTION_TEXT = 3000
SECTION_FIELD = 2000
SECTION_FIELDS = 10
CONTEXT_TEXT = 3000
CONTEXT_ELEMENTS = 10
ACTIONS_ELEMENTS = 25
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
OPTION_TEXT = 75
PLACEHOLDER_TEXT = 150
LABEL_TEXT = 2000
VIEW_TITLE = 24
OTHER_TEXT = 3000

CUT = "…"
_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def escape_mrkdwn(value: object) -> str:
    """Escape &, < and > so user text cannot become a mention, link or <!channel>."""
    return "".join(_ESCAPES.get(c, c) for c in str(value))


def _mentioned(slack_id: str) -> str:
    """A user id as ``<@U…>``; a user-group id as ``<!subteam^S…>`` (notifies its members)."""
    return f"<!subteam^{slack_id}>" if slack_id.startswith("S") else f"<@{slack_id}>"


@dataclass(frozen=True)
class Tags:
    """The invisible prefixes the filters put on raw values, and the mention marker."""

    mrkdwn: str
    plain: str
    mark: str

    @property
    def mention(self) -> re.Pattern[str]:
        """A marked, verified user id (or user-group id, ``S…``)."""
        return re.compile(re.escape(self.mark) + r"([UWS][A-Z0-9]{2,20})" + re.escape(self.mark))


class Texts:
    """Measure, cut and finish raw values (mrkdwn or plain) by Slack's character count."""

    def __init__(self, tags: Tags) -> None:
        self.tags = tags
        self._unit = re.compile(tags.mention.pattern + "|.", re.DOTALL)

    def units(self, raw: str, *, mrkdwn: bool) -> Iterator[tuple[str, str]]:
        """(raw piece, shown piece): one per character, a mention as one piece."""
        for match in self._unit.finditer(raw):
            user = match.group(1)
            if user is not None:
                yield match.group(0), (_mentioned(user) if mrkdwn else f"@{user}")
            else:
                char = match.group(0)
                yield char, (_ESCAPES.get(char, char) if mrkdwn else char)

    def measure(self, raw: str, *, mrkdwn: bool = True) -> int:
        """How many characters ``raw`` takes once escaped (mrkdwn) or shown (plain)."""
        if self.tags.mark not in raw:
            grown = 4 * raw.count("&") + 3 * (raw.count("<") + raw.count(">"))
            return len(raw) + (grown if mrkdwn else 0)
        return sum(len(shown) for _, shown in self.units(raw, mrkdwn=mrkdwn))

    def cut(self, raw: str, limit: int, *, mrkdwn: bool = True) -> str:
        """``raw`` itself when it fits in ``limit``, else its longest prefix that fits with "…"."""
        if self.measure(raw, mrkdwn=mrkdwn) <= limit:
            return raw
        kept, size = [], len(CUT)
        for piece, shown in self.units(raw, mrkdwn=mrkdwn):
            if size + len(shown) > limit:
                break
            kept.append(piece)
            size += len(shown)
        return "".join(kept) + CUT

    def finish(self, raw: str, limit: int, *, mrkdwn: bool) -> str:
        """Cut to ``limit``, then escape (mrkdwn) and turn marked mentions into <@U…>/@U…
        (a user group: <!subteam^S…>)."""
        kept = self.cut(raw, limit, mrkdwn=mrkdwn)
        return "".join(shown for _, shown in self.units(kept, mrkdwn=mrkdwn))

    def value(self, value: object, limit: int) -> object:
        """A filtered value finished for its place; anything else unchanged (or cut)."""
        if not isinstance(value, str):
            return value
        if value.startswith(self.tags.mrkdwn):
            return self.finish(value[len(self.tags.mrkdwn) :], limit, mrkdwn=True)
        if value.startswith(self.tags.plain):
            return self.finish(value[len(self.tags.plain) :], limit, mrkdwn=False)
        return value if len(value) <= limit else value[: limit - 1] + CUT


class Finisher:
    """Applies the limits of one surface to a rendered ``{"text", "blocks", "title"}``."""

    def __init__(
        self, texts: Texts, surface: Surface, *, note: Callable[[int], str] | None = None
    ) -> None:
        self._texts = texts
        self._note = note  # the closing line in the render's language (default: English)
        self._max_blocks = MAX_BLOCKS[surface]
        self._where = _WHERE[surface]
        self.left_out = 0  # fields, elements and blocks that did not fit

    def text_object(self, obj: object, limit: int) -> object:
        """A text object (``{"type": ..., "text": ...}``) with its text finished."""
        if isinstance(obj, dict) and "text" in obj:
            return {**obj, "text": self._texts.value(obj["text"], limit)}
        return self.leftovers(obj)

    def _some(self, items: object, most: int) -> list[Any]:
        kept = list(items) if isinstance(items, list) else []
        self.left_out += max(0, len(kept) - most)
        return kept[:most]

    def element(self, element: dict[str, Any]) -> dict[str, Any]:
        """An interactive or context element."""
        done = dict(element)
        kind = done.get("type")
        if kind in ("mrkdwn", "plain_text"):
            return {**done, "text": self._texts.value(done.get("text"), CONTEXT_TEXT)}
        limits: dict[str, tuple[int, Callable[[object, int], object]]] = {
            "text": (BUTTON_TEXT, self.text_object),
            "value": (BUTTON_VALUE, self._texts.value),
            "placeholder": (PLACEHOLDER_TEXT, self.text_object),
        }
        for key, (limit, finish) in limits.items():
            if key in done:
                done[key] = finish(done[key], limit)
        for key in ("options", "initial_options"):  # cut alike, so the two still match
            if isinstance(done.get(key), list):
                done[key] = [self.option(o) for o in done[key] if isinstance(o, dict)]
        if isinstance(done.get("initial_option"), dict):
            done["initial_option"] = self.option(done["initial_option"])
        return self.leftovers(done)  # type: ignore[return-value]

    def option(self, option: dict[str, Any]) -> dict[str, Any]:
        """One option of a menu or a checkbox group: its text and description."""
        done = {**option, "text": self.text_object(option.get("text"), OPTION_TEXT)}
        if "description" in done:
            done["description"] = self.text_object(done["description"], OPTION_TEXT)
        return self.leftovers(done)  # type: ignore[return-value]

    def block(self, block: dict[str, Any]) -> dict[str, Any]:
        """One block, each text finished by the limit of its place."""
        done = dict(block)
        kind = done.get("type")
        if kind == "header":
            done["text"] = self.text_object(done.get("text"), HEADER_TEXT)
        elif kind == "section":
            if "text" in done:
                done["text"] = self.text_object(done["text"], SECTION_TEXT)
            if "fields" in done:
                fields = self._some(done["fields"], SECTION_FIELDS)
                done["fields"] = [self.text_object(f, SECTION_FIELD) for f in fields]
            if isinstance(done.get("accessory"), dict):
                done["accessory"] = self.element(done["accessory"])
        elif kind in ("context", "actions"):
            most = CONTEXT_ELEMENTS if kind == "context" else ACTIONS_ELEMENTS
            elements = self._some(done.get("elements"), most)
            done["elements"] = [self.element(e) for e in elements if isinstance(e, dict)]
        elif kind == "input":
            for key in ("label", "hint"):
                if key in done:
                    done[key] = self.text_object(done[key], LABEL_TEXT)
            if isinstance(done.get("element"), dict):
                done["element"] = self.element(done["element"])
        return self.leftovers(done)  # type: ignore[return-value]

    def leftovers(self, value: object) -> object:
        """Any filtered value not in a known place, finished with the general limit."""
        if isinstance(value, dict):
            return {k: self.leftovers(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.leftovers(v) for v in value]
        return self._texts.value(value, OTHER_TEXT)

    def blocks(self, blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Every block finished; beyond the surface's count, one context block says how many
        were left out (with any fields or elements that did not fit either)."""
        done = [self.block(b) for b in blocks if isinstance(b, dict) and b]
        if len(done) > self._max_blocks:
            self.left_out += len(done) - (self._max_blocks - 1)
            done = done[: self._max_blocks - 1]
        if self.left_out:
            if len(done) >= self._max_blocks:
                self.left_out += 1
                done = done[: self._max_blocks - 1]
            if self._note is not None:
                note = self._note(self.left_out)
            else:
                noun = "part" if self.left_out == 1 else "parts"
                note = f"{CUT}and {self.left_out} more {noun} did not fit {self._where}"
            done.append({"type": "context", "elements": [{"type": "mrkdwn", "text": note}]})
        return done
