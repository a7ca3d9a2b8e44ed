"""Jinja2 → Block Kit: one template per message, every value passed through a filter.

Templates live in the package, ``bot/templates/NAME.json.j2`` (read with importlib.resources,
so they are found in a wheel as in a checkout), and produce ``{"text": ..., "blocks": [...]}``
(a dialog's also a ``"title"``). Values may only be printed through ``text`` (escaped
mrkdwn), ``plain`` (plain_text) or ``json`` (numbers, booleans, ids): printing a bare value
raises, so nothing reaches Slack unescaped by accident.

Each template is rendered for a surface (a message, a modal, App Home) whose limits are
enforced on the result (``bot.blockkit``): a value is cut to the limit of the place it
landed in before it is escaped, and what did not fit is summarised, never dropped silently.
Templates that list things use ``fit_list`` and ``fit_lines`` to say "…and 37 more
providers" themselves; ``max_blocks`` is in every template's context.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

from jinja2 import BaseLoader, Environment, StrictUndefined, TemplateNotFound

from bot.blockkit import (
    CUT,
    FALLBACK_TEXT,
    MAX_BLOCKS,
    SECTION_TEXT,
    VIEW_TITLE,
    Finisher,
    Surface,
    Tags,
    Texts,
    escape_mrkdwn,
)
from bot.quota import quota_line

__all__ = ["Message", "Renderer", "Surface", "UnfilteredValueError", "escape_mrkdwn"]

TEMPLATE_DIR: Traversable = resources.files("bot") / "templates"
TEMPLATE_SUFFIX = ".json.j2"

# The surfaces each template is shown on (a test renders every one on each of them).
SURFACES: dict[str, frozenset[Surface]] = {
    "home": frozenset({Surface.HOME}),
    "not_authorized": frozenset({Surface.MESSAGE, Surface.MODAL}),
    "recover_modal": frozenset({Surface.MODAL}),
}
MESSAGE_ONLY = frozenset({Surface.MESSAGE})


class _FolderLoader(BaseLoader):
    """Templates from one folder, a package resource or a plain directory alike."""

    def __init__(self, folder: Traversable) -> None:
        self.folder = folder

    def get_source(
        self, environment: Environment, template: str
    ) -> tuple[str, str | None, Callable[[], bool] | None]:
        if "/" in template or template.startswith("."):
            raise TemplateNotFound(template)
        item = self.folder / template
        if not item.is_file():
            raise TemplateNotFound(template)
        return item.read_text(encoding="utf-8"), str(item), lambda: True

    def list_templates(self) -> list[str]:
        return sorted(item.name for item in self.folder.iterdir() if item.is_file())


class _Json(str):
    """A value already encoded as a JSON literal by one of the filters."""


class UnfilteredValueError(TypeError):
    """A template printed a value without an escaping filter."""


_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,20}$")


@dataclass(frozen=True)
class Fitted:
    """``fit_list``'s answer: the items to show and the line saying what was left out."""

    kept: list[Any]
    left_out: int
    more: str  # "…and 37 more providers", or "" when everything fits


def _more(count: int, noun: str) -> str:
    return f"{CUT}and {count} more {noun}" if count else ""


def _finalize(value: object) -> object:
    if isinstance(value, _Json):
        return value
    raise UnfilteredValueError(
        f"template printed {value!r} without a filter (use |text, |plain or |json)"
    )


def _json_filter(value: object) -> _Json:
    """Any JSON-able value (numbers, ids, lists) as a JSON literal."""
    return _Json(json.dumps(value, ensure_ascii=False, default=str))


@dataclass(frozen=True)
class Message:
    """A rendered message: fallback text and Block Kit blocks (a dialog's title too)."""

    text: str
    blocks: list[dict[str, Any]]
    title: str = ""
    surface: Surface = Surface.MESSAGE
    left_out: int = field(default=0, compare=False)  # parts cut by the surface's limits

    def as_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for chat.postMessage / respond()."""
        return {"text": self.text, "blocks": self.blocks}


class Renderer:
    """Renders bot/templates/NAME.json.j2 with plain result objects into a Message."""

    def __init__(self, template_dir: Traversable = TEMPLATE_DIR) -> None:
        self._env = Environment(
            loader=_FolderLoader(template_dir),
            undefined=StrictUndefined,
            autoescape=False,  # noqa: S701 - output is JSON; values go through |text/|plain/|json
            finalize=_finalize,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
        )
        nonce = secrets.token_hex(8)  # per process: no user can forge a tag or a mention
        self._texts = Texts(Tags(f"\x00{nonce}m", f"\x00{nonce}p", f"\x00{nonce}@"))
        self._env.filters["text"] = self._text_filter
        self._env.filters["plain"] = self._plain_filter
        self._env.filters["json"] = _json_filter
        self._env.globals["mention"] = self._mention
        self._env.globals["quota_line"] = quota_line
        self._env.globals["fit_list"] = fit_list
        self._env.globals["fit_lines"] = self.fit_lines
        self._env.globals["utc_time"] = utc_time
        self._constant: dict[tuple[str, tuple[tuple[str, str | int | bool], ...]], Message] = {}

    # ---- the filters: values stay raw (tagged) until the surface's limits are applied ----
    def _text_filter(self, value: object, limit: int | None = None) -> _Json:
        """mrkdwn, escaped once its place's limit is known (``limit``: a lower cap)."""
        raw = str(value) if limit is None else self._texts.cut(str(value), limit)
        return _Json(json.dumps(self._texts.tags.mrkdwn + raw, ensure_ascii=False))

    def _plain_filter(self, value: object, limit: int | None = None) -> _Json:
        """plain_text; a marked mention shows as @id."""
        raw = str(value)
        if limit is not None:
            raw = self._texts.cut(raw, limit, mrkdwn=False)
        return _Json(json.dumps(self._texts.tags.plain + raw, ensure_ascii=False))

    def _mention(self, user_id: object) -> str:
        """A verified user id as a mention that survives escaping; anything else as text."""
        text = str(user_id)
        mark = self._texts.tags.mark
        return f"{mark}{text}{mark}" if _USER_ID.match(text) else text

    def fit_lines(
        self,
        lines: Sequence[object],
        noun: str,
        limit: int = SECTION_TEXT,
        head: str = "",
        sep: str = "\n",
        total: int | None = None,
    ) -> str:
        """``head`` and as many ``lines`` as fit in ``limit`` escaped characters, then
        "…and N more <noun>" for the rest (raw: print it through ``|text``). ``total``: how
        many there are when ``lines`` is only the first few of them."""
        texts = [str(line) for line in lines]
        count = max(total if total is not None else 0, len(texts))
        measure = self._texts.measure
        size = measure(head) if head else 0
        kept: list[str] = []
        for line in texts:
            joiner = sep if (kept or head) else ""
            more = _more(count - len(kept) - 1, noun)
            tail = measure(sep + more) if more else 0
            if size + measure(joiner + line) + tail > limit:
                break
            kept.append(line)
            size += measure(joiner + line)
        if texts and not kept:  # not even one whole line: show the first one cut
            more = _more(count - 1, noun)
            room = limit - size - measure((sep if head else "") + (sep + more if more else ""))
            if room > len(CUT):
                kept.append(self._texts.cut(texts[0], room))
        left = count - len(kept)
        parts = ([head] if head else []) + kept + ([_more(left, noun)] if left else [])
        return sep.join(parts)

    # ---- rendering -----------------------------------------------------------------------
    def render_constant(self, name: str, **context: str | int | bool) -> Message:
        """A message fully set by a few plain values (a busy notice), rendered once per values.

        Callers must not pass free text (each distinct value is kept).
        """
        key = (name, tuple(sorted(context.items())))
        message = self._constant.get(key)
        if message is None:
            message = self._constant[key] = self.render(name, surface=Surface.MESSAGE, **context)
        return message

    def template_names(self) -> list[str]:
        """Every message template there is (without the .json.j2 ending)."""
        names = self._env.list_templates(filter_func=lambda n: n.endswith(TEMPLATE_SUFFIX))
        return [name.removesuffix(TEMPLATE_SUFFIX) for name in names]

    @staticmethod
    def surfaces(name: str) -> frozenset[Surface]:
        """The surfaces template ``name`` is shown on."""
        return SURFACES.get(name, MESSAGE_ONLY)

    def render(self, name: str, *, surface: Surface = Surface.MESSAGE, **context: Any) -> Message:
        """Render one template for ``surface`` within its limits.

        Raises ValueError when the template does not produce valid JSON or is not meant for
        ``surface``.
        """
        if surface not in self.surfaces(name):
            raise ValueError(f"template {name} is not shown on a {surface.value}")
        template = self._env.get_template(name + TEMPLATE_SUFFIX)
        raw = template.render(**context, surface=surface.value, max_blocks=MAX_BLOCKS[surface])
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ValueError(f"template {name} produced invalid JSON: {exc}") from exc
        finisher = Finisher(self._texts, surface)
        blocks = finisher.blocks(data.get("blocks", []))
        text = self._texts.value(data.get("text", ""), FALLBACK_TEXT)
        title = self._texts.value(data.get("title", ""), VIEW_TITLE)
        return Message(str(text), blocks, str(title), surface, finisher.left_out)


def utc_time(moment: datetime) -> str:
    """``2026-11-26 03:12:04 UTC`` (a naive time is taken as UTC)."""
    if moment.utcoffset() is None:
        moment = moment.replace(tzinfo=UTC)
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"


def fit_list(items: Sequence[Any], room: int, noun: str) -> Fitted:
    """At most ``room`` things to show, one of them the line "…and N more <noun>" when
    ``items`` do not all fit (a template spends one block per item plus that line)."""
    listed = list(items)
    if len(listed) <= room:
        return Fitted(listed, 0, "")
    kept = listed[: max(room - 1, 0)]
    return Fitted(kept, len(listed) - len(kept), _more(len(listed) - len(kept), noun))
