"""Jinja2 → Block Kit: one template per message, every value passed through a filter.

Templates live in the package, ``bot/templates/NAME.json.j2`` (read with importlib.resources,
so they are found in a wheel as in a checkout), and produce ``{"text": ..., "blocks": [...]}``.
Values may only be printed through ``text`` (escaped mrkdwn), ``plain`` (plain_text) or
``json`` (numbers, booleans, ids): printing a bare value raises, so nothing reaches Slack
unescaped by accident.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

from jinja2 import BaseLoader, Environment, StrictUndefined, TemplateNotFound

from bot.quota import quota_line

TEMPLATE_DIR: Traversable = resources.files("bot") / "templates"
TEMPLATE_SUFFIX = ".json.j2"


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


def escape_mrkdwn(value: object) -> str:
    """Escape &, < and > so user text cannot become a mention, link or <!channel>."""
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(0, limit - 1)] + "…"


_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,20}$")


class _Mentions:
    """Mentions of verified user ids survive escaping; user text can never forge one.

    ``mention(id)`` wraps a validated id in a per-process random marker that escaping leaves
    alone and that no user can know; the text filter turns marked ids into ``<@id>``.
    """

    def __init__(self) -> None:
        self._mark = "\x00" + secrets.token_hex(8)
        self._pattern = re.compile(
            re.escape(self._mark) + r"([UW][A-Z0-9]{2,20})" + re.escape(self._mark)
        )

    def mention(self, user_id: object) -> str:
        text = str(user_id)
        return f"{self._mark}{text}{self._mark}" if _USER_ID.match(text) else text

    def text_filter(self, value: object, limit: int = 2900) -> _Json:
        """Escaped mrkdwn as a JSON string, cut to ``limit`` characters (after escaping)."""
        escaped = self._pattern.sub(r"<@\1>", escape_mrkdwn(value))
        return _Json(json.dumps(_truncate(escaped, limit), ensure_ascii=False))

    def plain_filter(self, value: object, limit: int = 2900) -> _Json:
        """Plain text as a JSON string; a marked mention shows as @id."""
        text = self._pattern.sub(r"@\1", str(value))
        return _Json(json.dumps(_truncate(text, limit), ensure_ascii=False))


def _json_filter(value: object) -> _Json:
    """Any JSON-able value (numbers, ids, lists) as a JSON literal."""
    return _Json(json.dumps(value, ensure_ascii=False, default=str))


def _finalize(value: object) -> object:
    if isinstance(value, _Json):
        return value
    raise UnfilteredValueError(
        f"template printed {value!r} without a filter (use |text, |plain or |json)"
    )


@dataclass(frozen=True)
class Message:
    """A rendered message: fallback text and Block Kit blocks."""

    text: str
    blocks: list[dict[str, Any]]

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
        mentions = _Mentions()
        self._env.filters["text"] = mentions.text_filter
        self._env.filters["plain"] = mentions.plain_filter
        self._env.globals["mention"] = mentions.mention
        self._env.filters["json"] = _json_filter
        self._env.globals["quota_line"] = quota_line
        self._constant: dict[tuple[str, tuple[tuple[str, str | int | bool], ...]], Message] = {}

    def render_constant(self, name: str, **context: str | int | bool) -> Message:
        """A message fully set by a few plain values (a busy notice), rendered once per values.

        Callers must not pass free text (each distinct value is kept).
        """
        key = (name, tuple(sorted(context.items())))
        message = self._constant.get(key)
        if message is None:
            message = self._constant[key] = self.render(name, **context)
        return message

    def template_names(self) -> list[str]:
        """Every message template there is (without the .json.j2 ending)."""
        names = self._env.list_templates(filter_func=lambda n: n.endswith(TEMPLATE_SUFFIX))
        return [name.removesuffix(TEMPLATE_SUFFIX) for name in names]

    def render(self, name: str, **context: Any) -> Message:
        """Render one template; raises ValueError if it does not produce valid JSON."""
        raw = self._env.get_template(name + TEMPLATE_SUFFIX).render(**context)
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ValueError(f"template {name} produced invalid JSON: {exc}") from exc
        blocks = [b for b in data.get("blocks", []) if b]
        return Message(text=str(data.get("text", "")), blocks=blocks)
